/**
 * Applies an accepted change to a live mesh, inside its workflow: creates over the new
 * graph (only the nodes the plan creates, in parallel as their edges allow), updates in
 * place in dependency order, deletions last (domain/change-steps.ts). The first failure
 * rolls everything back to the old spec: what was deleted is made again, what was updated
 * gets its old params back (newest first), and every create is compensated. It returns
 * whether the change stands.
 */
import { log } from '@temporalio/workflow';
import type { ChangePlan } from '../domain/change-plan.ts';
import { changeSteps } from '../domain/change-steps.ts';
import type { CleanupFailure } from '../domain/mesh-status.ts';
import { nodeById, type Outputs, type ResourceGraph } from '../domain/resource-graph.ts';
import type { MeshState } from './mesh-state.ts';
import type { ResourceCalls } from './resource-activities.ts';
import { runGraph } from './run-graph.ts';
import { destroyGraph, errorMessage, Saga } from './saga.ts';

export interface GraphChange {
  changeId: string;
  plan: ChangePlan;
  before: ResourceGraph;
  after: ResourceGraph;
}

export async function applyChange(change: GraphChange, calls: ResourceCalls, state: MeshState): Promise<boolean> {
  const { plan, before, after } = change;
  const steps = changeSteps(plan, before, after);
  state.beginChange(
    {
      changeId: change.changeId,
      state: 'Applying',
      summary: plan.summary,
      changes: plan.changes.filter((c) => c.action !== 'unchanged'),
      progress: { done: 0, total: steps.creates.length + steps.updates.length + steps.deletes.length },
      startedAt: new Date().toISOString(),
    },
    [...steps.creates, ...steps.updates, ...steps.deletes],
    after,
  );
  const saga = new Saga();
  const outputs: Outputs = state.outputs();
  const updated: string[] = [];
  let deleting = false;
  try {
    Object.assign(outputs, await runGraph(after, calls, saga, state, { only: new Set(steps.creates), known: outputs }));
    for (const id of steps.updates) {
      updated.push(id);
      outputs[id] = await update(id, after, before, outputs, calls, state);
    }
    deleting = true;
    const failures = await destroyGraph(before, new Set(steps.deletes), calls, state);
    if (failures.length > 0) throw new Error(`deleting failed: ${failures.map((f) => `${f.resource} (${f.error})`).join('; ')}`);
  } catch (error) {
    const reason = errorMessage(error);
    log.warn('change failed: rolling back to the old spec', { changeId: change.changeId, reason });
    state.changeRollsBack(reason);
    const failures = await rollBack(deleting ? steps.deletes : [], updated, saga, change, outputs, calls, state);
    state.forget(steps.creates.filter((id) => !before.nodes.some((n) => n.id === id)));
    state.addCleanupFailures(failures);
    state.changeEnds(failures.length > 0 ? 'RollbackIncomplete' : 'RolledBack', failures.length > 0 ? `${reason}; the rollback left ${failures.map((f) => f.resource).join(', ')}` : reason);
    return false;
  }
  state.forget(steps.deletes);
  state.changeEnds('Applied');
  return true;
}

async function update(id: string, to: ResourceGraph, from: ResourceGraph, outputs: Outputs, calls: ResourceCalls, state: MeshState) {
  const node = nodeById(to, id);
  state.mark(id, 'updating');
  try {
    const output = await calls.update(node, nodeById(from, id), Object.fromEntries(node.dependsOn.map((d) => [d, outputs[d]!])));
    state.mark(id, 'ready', { output });
    return output;
  } catch (error) {
    state.mark(id, 'failed', { detail: errorMessage(error) });
    throw error;
  }
}

/** Back to the old spec: deleted nodes made again, updates undone newest first, creates compensated. */
async function rollBack(deleted: string[], updated: string[], saga: Saga, change: GraphChange, outputs: Outputs, calls: ResourceCalls, state: MeshState): Promise<CleanupFailure[]> {
  const failures: CleanupFailure[] = [];
  const noting = async (id: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      failures.push({ resource: id, error: errorMessage(error) });
    }
  };
  if (deleted.length > 0) await noting(deleted.join(', '), () => runGraph(change.before, calls, new Saga(), state, { only: new Set(deleted), known: outputs }));
  for (const id of [...updated].reverse()) await noting(id, () => update(id, change.before, change.after, outputs, calls, state));
  return [...failures, ...(await saga.compensate(change.after, calls, state))];
}
