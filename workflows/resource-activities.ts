/** The activity stubs workflows call, with the timeouts and retries each kind of call needs. */
import { ActivityCancellationType, proxyActivities } from '@temporalio/workflow';
import type { DeleteResult } from '../activities/engine.ts';
import type { MeshActivities, ResourceActivities } from '../activities/index.ts';
import { isResourceKind, resourceActivityName, type ResourceVerb } from '../domain/activity-names.ts';
import { activitySummary, meshActivitySummary } from '../domain/activity-summary.ts';
import type { Outputs, ResourceNode, ResourceOutput } from '../domain/resource-graph.ts';
import type { WorkflowSettings } from '../domain/workflow-settings.ts';

export interface ResourceCalls {
  /** `recorded`: the node's own output as the mesh last recorded it, if any (a resource whose identity tags were removed by hand is found by its ID). */
  create(node: ResourceNode, outputs: Outputs, recorded?: ResourceOutput): Promise<ResourceOutput>;
  /** In place, from `previous`'s params to `node`'s (a change to a live mesh, or its rollback). */
  update(node: ResourceNode, previous: ResourceNode, outputs: Outputs): Promise<ResourceOutput>;
  delete(node: ResourceNode, recorded?: ResourceOutput): Promise<DeleteResult>;
  observeTunnels: MeshActivities['observeTunnels'];
  observeLearnedRoutes: MeshActivities['observeLearnedRoutes'];
  probeClusterAccess: MeshActivities['probeClusterAccess'];
  inspectIstio: MeshActivities['inspectIstio'];
}

export function resourceCalls(settings: WorkflowSettings): ResourceCalls {
  const resources = proxyActivities<ResourceActivities>({
    startToCloseTimeout: settings.resourceTimeoutMs,
    heartbeatTimeout: settings.heartbeatTimeoutMs,
    // A cancelled create must have stopped before its compensation deletes the resource.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: settings.resourceMaxAttempts },
  });
  const observe = proxyActivities<MeshActivities>({
    startToCloseTimeout: '2m',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 },
  });
  // A new access entry takes a moment to reach the API server's authenticator.
  const inspect = proxyActivities<MeshActivities>({
    startToCloseTimeout: '1m',
    retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 6 },
  });
  // A graph node's kind is a plain string at run time; a kind no activity serves is a bug in the graph.
  const kindOf = (verb: ResourceVerb, node: ResourceNode) => {
    if (!isResourceKind(node.kind)) throw new Error(`no ${verb} activity for resource kind ${node.kind}`);
    return node.kind;
  };
  return {
    // The summary only labels the activity in the Web UI; replay does not compare it.
    // Without a recorded output the arguments are the ones they always were.
    create: (node, outputs, recorded) =>
      resources[resourceActivityName('create', kindOf('create', node))].executeWithOptions({ summary: activitySummary('create', node) }, recorded ? [node, outputs, recorded] : [node, outputs]),
    update: (node, previous, outputs) => resources[resourceActivityName('update', kindOf('update', node))].executeWithOptions({ summary: activitySummary('update', node) }, [node, previous, outputs]),
    delete: (node, recorded) => resources[resourceActivityName('delete', kindOf('delete', node))].executeWithOptions({ summary: activitySummary('delete', node) }, recorded ? [node, recorded] : [node]),
    observeTunnels: (input) => observe.observeTunnels.executeWithOptions({ summary: meshActivitySummary.tunnels(input.tunnels) }, [input]),
    observeLearnedRoutes: (input) => observe.observeLearnedRoutes.executeWithOptions({ summary: meshActivitySummary.learnedRoutes() }, [input]),
    probeClusterAccess: (ref) => inspect.probeClusterAccess.executeWithOptions({ summary: meshActivitySummary.clusterAccess(ref) }, [ref]),
    inspectIstio: (input) => inspect.inspectIstio.executeWithOptions({ summary: meshActivitySummary.istio(input.cluster) }, [input]),
  };
}
