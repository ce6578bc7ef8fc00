/**
 * What every ARM resource has in common — get, PUT as a long-running create-or-update,
 * DELETE as a long-running delete, `provisioningState` — turned into a ResourceHandler.
 * Each Azure resource file then only says how to address and describe its resource.
 */
import type { MeshScope } from '../../domain/backbone-graph.ts';
import type { FieldDrift } from '../../domain/drift.ts';
import type { Outputs, ResourceNode, ResourceOutput } from '../../domain/resource-graph.ts';
import { isNotFound } from '../cloud-errors.ts';
import { ready, type Phase, type ResourceHandler } from '../resource-handler.ts';

import { byMeshTag, MESH_TAG, NODE_TAG } from '../ownership.ts';

export interface ArmObserved {
  id?: string;
  provisioningState?: string;
  tags?: Record<string, string>;
}

interface ArmOperations<P, O extends ArmObserved> {
  get(node: ResourceNode<string, P>): Promise<O>;
  /** The resource as the operation's final answer shows it (the SDK's GET after it), if it has one. */
  put(node: ResourceNode<string, P>, outputs: Outputs, signal: AbortSignal): Promise<O | undefined>;
  /** An in-place change whose PUT must carry what the resource holds beyond the spec (a VNet's subnets); without it, the create's PUT. */
  update?(observed: O, node: ResourceNode<string, P>, signal: AbortSignal): Promise<unknown>;
  remove(node: ResourceNode<string, P>, signal: AbortSignal): Promise<unknown>;
  /** Why an existing, provisioned resource is not what the spec asks for, if it is not. */
  drift?(observed: O, node: ResourceNode<string, P>): string | undefined;
  /** Every field that differs from the desired state the PUT sends (ResourceHandler.drift). */
  fieldDrift?(observed: O, node: ResourceNode<string, P>, outputs: Outputs): Promise<FieldDrift[]>;
  attributes?(observed: O): Record<string, string>;
  /** Subnets carry no tags: they are ours when their VNet is. Everything else is ours only if tagged with this mesh. */
  untagged?: boolean;
}

export function armResource<P extends { scope: MeshScope }, O extends ArmObserved>(ops: ArmOperations<P, O>): ResourceHandler<P, O> {
  return {
    async describe(node) {
      try {
        return await ops.get(node);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    // What the operation's final GET answered is what a describe would: the engine need not read it again.
    create: (node, outputs, signal) => ops.put(node, outputs, signal),
    // ARM's PUT is the whole desired state: the same call creates and changes in place.
    update: (observed, node, _previous, outputs, signal) => (ops.update ? ops.update(observed, node, signal) : ops.put(node, outputs, signal)).then(() => undefined),
    phase: (observed, node) => armPhase(observed, ops.drift?.(observed, node)),
    ...(ops.fieldDrift ? { drift: ops.fieldDrift } : {}),
    output: (observed): ResourceOutput => ({
      cloudId: observed.id ?? '',
      state: observed.provisioningState ?? 'Unknown',
      ...(ops.attributes ? { attributes: ops.attributes(observed) } : {}),
    }),
    delete: (_observed, node, signal) => ops.remove(node, signal).then(() => undefined),
    ownership: (observed, { params }) =>
      ops.untagged === true
        ? { is: 'ours' }
        : byMeshTag(params.scope, observed.tags?.[MESH_TAG], `Azure resource ${observed.id}`, 'delete it, or use another mesh name or azure.resourceGroup'),
    rePutOnceIfFailed: true,
    // The delete is a long-running operation awaited to its end (lro.ts).
    goneWhenDeleted: true,
  };
}

function armPhase(observed: ArmObserved, drift: string | undefined): Phase {
  switch (observed.provisioningState) {
    case 'Succeeded':
      return drift ? { is: 'drifted', detail: drift } : ready();
    case 'Failed':
      return { is: 'failed', reason: `Azure reports provisioningState Failed for ${observed.id}` };
    case 'Deleting':
      return { is: 'deleting' };
    default:
      return { is: 'busy', detail: observed.provisioningState ?? 'Unknown' };
  }
}

export function armTags(scope: MeshScope, node: string): Record<string, string> {
  return { [MESH_TAG]: scope.mesh, [NODE_TAG]: node };
}

export function networkResourceId(scope: MeshScope, type: string, name: string): string {
  return `/subscriptions/${scope.azure.subscriptionId}/resourceGroups/${scope.azure.resourceGroup}/providers/Microsoft.Network/${type}/${name}`;
}
