/**
 * Teardown of a mesh whose lifecycle workflow has already ended (a rollback that left
 * resources, or a finished teardown that did). Runs under the same workflow ID, so the
 * mesh's latest run always tells its state.
 */
import { CancellationScope, defineQuery, patched, proxyActivities, setHandler } from '@temporalio/workflow';
import type { MeshActivities } from '../activities/index.ts';
import { meshActivitySummary } from '../domain/activity-summary.ts';
import { meshScope } from '../domain/backbone-graph.ts';
import { meshGraph } from '../domain/mesh-graph.ts';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import { MESH_QUERY, type MeshStatus } from '../domain/mesh-status.ts';
import type { MeshWorkflowInput } from '../domain/workflow-settings.ts';
import { MeshState } from './mesh-state.ts';
import type { MeshResult } from './provision-mesh.ts';
import { resourceCalls } from './resource-activities.ts';
import { TEARDOWN_SCHEDULE_PATCH } from './patches.ts';
import { destroyGraph } from './saga.ts';

const schedules = proxyActivities<Pick<MeshActivities, 'deleteRotationSchedule'>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumAttempts: 10 },
});

export async function teardownMesh({ spec, settings, naming = 1 }: MeshWorkflowInput): Promise<MeshResult> {
  const graph = meshGraph(spec, naming);
  const state = new MeshState(spec, meshScope(spec, naming), graph);
  setHandler(defineQuery<MeshStatus>(MESH_QUERY.status), () => state.snapshot());
  setHandler(defineQuery<MeshSpec>(MESH_QUERY.spec), () => spec);
  state.enter('TearingDown');
  // The run that ended may have left its schedule (it was terminated, or failed after creating it):
  // rotations of a deleted mesh must not keep starting.
  if ((spec.cells ?? []).length > 0 && patched(TEARDOWN_SCHEDULE_PATCH)) {
    await CancellationScope.nonCancellable(() => schedules.deleteRotationSchedule.executeWithOptions({ summary: meshActivitySummary.deleteRotationSchedule(spec.name) }, [spec.name]));
  }
  const failures = await destroyGraph(graph, new Set(graph.nodes.map((n) => n.id)), resourceCalls(settings), state);
  state.addCleanupFailures(failures);
  state.enter(failures.length > 0 ? 'TeardownIncomplete' : 'Deleted');
  return { phase: state.currentPhase, cleanupFailures: failures };
}
