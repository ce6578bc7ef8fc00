/**
 * The runbook of one mesh, as a durable workflow. Its ID is derived from the mesh
 * name, and it lives as long as the mesh: it provisions, waits in Ready, and tears
 * down when asked. Until it is Ready, any failure, a cancellation or a teardown
 * request rolls back everything it created.
 */
import { ApplicationFailure, CancellationScope, condition, defineQuery, defineSignal, defineUpdate, proxyActivities, setHandler } from '@temporalio/workflow';
import type { RotationActivities } from '../activities/rotation/index.ts';
import { MESH_UPDATE } from '../domain/rotation.ts';
import { meshScope } from '../domain/backbone-graph.ts';
import { meshGraph } from '../domain/mesh-graph.ts';
import { backboneNames } from '../domain/names.ts';
import { planTunnels } from '../domain/apipa-plan.ts';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import { MESH_QUERY, MESH_SIGNAL, type CleanupFailure, type MeshPhase, type MeshStatus } from '../domain/mesh-status.ts';
import type { MeshWorkflowInput } from '../domain/workflow-settings.ts';
import { awaitBgpEstablished } from './await-bgp.ts';
import { verifyClusterAccess } from './verify-clusters.ts';
import { verifyIstio } from './verify-istio.ts';
import { MeshState } from './mesh-state.ts';
import { resourceCalls } from './resource-activities.ts';
import { destroyGraph, errorMessage, Saga } from './saga.ts';
import { runGraph } from './run-graph.ts';

export const statusQuery = defineQuery<MeshStatus>(MESH_QUERY.status);
export const specQuery = defineQuery<MeshSpec>(MESH_QUERY.spec);
export const teardownSignal = defineSignal(MESH_SIGNAL.teardown);
export const verifySignal = defineSignal(MESH_SIGNAL.verify);
export const beginRotationUpdate = defineUpdate<void, [string]>(MESH_UPDATE.beginRotation);
export const endRotationUpdate = defineUpdate<void, [string]>(MESH_UPDATE.endRotation);

const schedules = proxyActivities<Pick<RotationActivities, 'ensureRotationSchedule' | 'deleteRotationSchedule'>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumAttempts: 10 },
});

export interface MeshResult {
  phase: MeshPhase;
  cleanupFailures: CleanupFailure[];
}

export async function provisionMesh({ spec, settings, naming = 1 }: MeshWorkflowInput): Promise<MeshResult> {
  const scope = meshScope(spec, naming);
  const graph = meshGraph(spec, naming);
  const state = new MeshState(spec, scope, graph);
  const calls = resourceCalls(settings);
  const saga = new Saga();
  const provisioning = new CancellationScope();
  let teardownRequested = false;
  let verifyRequested = false;
  setHandler(statusQuery, () => state.snapshot());
  setHandler(specQuery, () => spec);
  setHandler(teardownSignal, () => {
    teardownRequested = true;
    if (state.currentPhase !== 'Ready' && state.currentPhase !== 'Degraded') provisioning.cancel();
  });
  setHandler(verifySignal, () => {
    verifyRequested = true;
  });
  // A rotation holds the mesh: only when it is up, one at a time, and teardown waits for it.
  let rotation: string | undefined;
  setHandler(beginRotationUpdate, (id) => void (rotation = id), {
    validator: (id) => {
      const phase = state.currentPhase;
      if (phase !== 'Ready' && phase !== 'Degraded') throw new Error(`mesh ${spec.name} is ${phase}; rotations run only when it is Ready or Degraded`);
      if (teardownRequested) throw new Error(`mesh ${spec.name} is about to be torn down`);
      if (rotation !== undefined && rotation !== id) throw new Error(`rotation ${rotation} is already running on mesh ${spec.name}`);
    },
  });
  setHandler(endRotationUpdate, (id) => {
    if (rotation === id) rotation = undefined;
  });

  try {
    await provisioning.run(async () => {
      state.enter('Provisioning');
      await runGraph(graph, calls, saga, state);
      state.enter('Verifying');
      await Promise.all([
        awaitBgpEstablished(
          calls,
          { scope, gatewayName: backboneNames(spec.name).vpnGateway, tunnels: planTunnels(spec.backbone.tunnelInsideCidrs) },
          { deadlineSeconds: spec.backbone.bgpTimeoutSeconds, pollInitialMs: settings.bgpPollInitialMs, pollMaxMs: settings.bgpPollMaxMs },
          (tunnels) => state.setTunnels(tunnels),
        ),
        verifyClusterAccess(spec, scope, calls, state),
      ]);
    });
  } catch (error) {
    return rollBack(error);
  }

  // Up: verified, then re-verified on request, until someone asks for teardown.
  const withCells = (spec.cells ?? []).length > 0;
  const verified = await verifyIstio(spec, scope, calls, state);
  // The schedule exists by the time anyone sees the mesh up.
  if (withCells) await schedules.ensureRotationSchedule(spec, naming);
  state.enter(verified ? 'Ready' : 'Degraded');
  for (;;) {
    await condition(() => teardownRequested || verifyRequested);
    if (teardownRequested) break;
    verifyRequested = false;
    state.enter((await verifyIstio(spec, scope, calls, state)) ? 'Ready' : 'Degraded');
  }
  await condition(() => rotation === undefined);
  if (withCells) await schedules.deleteRotationSchedule(spec.name);
  state.enter('TearingDown');
  const failures = await destroyGraph(graph, new Set(graph.nodes.map((n) => n.id)), calls, state);
  state.addCleanupFailures(failures);
  state.enter(failures.length > 0 ? 'TeardownIncomplete' : 'Deleted');
  return { phase: state.currentPhase, cleanupFailures: failures };

  async function rollBack(error: unknown): Promise<MeshResult> {
    const reason = teardownRequested ? 'teardown requested during provisioning' : errorMessage(error);
    state.fail(reason);
    state.enter('RollingBack');
    const failures = await saga.compensate(graph, calls, state);
    state.addCleanupFailures(failures);
    state.enter(failures.length > 0 ? 'RollbackIncomplete' : 'RolledBack');
    if (teardownRequested && failures.length === 0) {
      state.enter('Deleted');
      return { phase: 'Deleted', cleanupFailures: [] };
    }
    const outcome = failures.length > 0 ? `rollback left ${failures.length} resources: ${failures.map((f) => `${f.resource} (${f.error})`).join('; ')}` : 'everything it created was deleted';
    throw ApplicationFailure.nonRetryable(`mesh ${spec.name} was not provisioned: ${reason}; ${outcome}`, 'ProvisioningFailed', { cleanupFailures: failures });
  }
}



