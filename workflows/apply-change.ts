/**
 * Applies an accepted change to a live mesh, inside its workflow (domain/change-steps.ts):
 * replaced resources taken down first (the old graph's part, newest first), creates and
 * the replaced resources made again over the new graph (only those nodes, in parallel as
 * their edges allow), updates in place in dependency order, deletions last. The first
 * failure rolls everything back to the old spec: every create and remade resource is
 * compensated, what was taken down or deleted is made again from the old graph, what was
 * updated gets its old params back (newest first). It returns whether the change stands.
 * A change that makes tunnels again (the Azure gateway's ASN: customer gateways, VPN
 * connections, local network gateways, connections) or updates them in place (their inside
 * CIDRs, with the gateway's BGP addresses) stands only once BGP is established on every
 * tunnel again (`awaitTunnels`, before any deletion); if it is not by the spec's BGP deadline,
 * the change rolls back, and the old tunnels are awaited the same way.
 */
import { log } from '@temporalio/workflow';
import { remakesTunnels, type ChangePlan } from '../domain/change-plan.ts';
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

/**
 * `awaitTunnels` waits for BGP Established on all four tunnels of the new spec (`after`) or the
 * old one (`before`, a rollback's), or fails at that spec's deadline: new tunnel inside CIDRs
 * are other tunnels to observe.
 */
export async function applyChange(change: GraphChange, calls: ResourceCalls, state: MeshState, awaitTunnels: (of: 'after' | 'before') => Promise<void>): Promise<boolean> {
  const { plan, before, after } = change;
  const tunnels = remakesTunnels(plan);
  const steps = changeSteps(plan, before, after);
  const deletes = [...steps.takenDown.filter((id) => !after.nodes.some((n) => n.id === id)), ...steps.deletes];
  state.beginChange(
    {
      changeId: change.changeId,
      state: 'Applying',
      summary: plan.summary,
      changes: plan.changes.filter((c) => c.action !== 'unchanged'),
      progress: { done: 0, total: steps.takenDown.length + steps.creates.length + steps.remade.length + steps.updates.length + steps.deletes.length },
      startedAt: new Date().toISOString(),
      expectedSeconds: plan.expectedSeconds,
      ...(plan.rootRotation ? { rootRotation: { keyType: plan.rootRotation.keyType.to, state: 'pending' as const, expectedSeconds: plan.rootRotation.expectedSeconds } } : {}),
    },
    [...steps.takenDown, ...steps.creates, ...steps.updates, ...steps.deletes],
    after,
  );
  const saga = new Saga();
  const outputs: Outputs = state.outputs();
  const updated: string[] = [];
  let takingDown = false;
  let deleting = false;
  try {
    // Only a change with a replacement takes anything down first; the others run the commands they always did.
    if (steps.takenDown.length > 0) {
      takingDown = true;
      const failures = await destroyGraph(before, new Set(steps.takenDown), calls, state);
      if (failures.length > 0) throw new Error(`taking down what is replaced failed: ${failures.map((f) => `${f.resource} (${f.error})`).join('; ')}`);
    }
    Object.assign(outputs, await runGraph(after, calls, saga, state, { only: new Set([...steps.creates, ...steps.remade]), known: outputs }));
    for (const id of steps.updates) {
      updated.push(id);
      outputs[id] = await update(id, after, before, outputs, calls, state);
    }
    if (tunnels) await awaitTunnels('after');
    deleting = true;
    const failures = await destroyGraph(before, new Set(steps.deletes), calls, state);
    if (failures.length > 0) throw new Error(`deleting failed: ${failures.map((f) => `${f.resource} (${f.error})`).join('; ')}`);
  } catch (error) {
    const reason = errorMessage(error);
    log.warn('change failed: rolling back to the old spec', { changeId: change.changeId, reason });
    state.changeRollsBack(reason);
    const failures = await rollBack({ takenDown: takingDown ? steps.takenDown : [], deleted: deleting ? steps.deletes : [], updated }, saga, change, outputs, calls, state);
    // The old tunnels made again are the old mesh only once BGP is up on them; a rollback that could not make them leaves nothing to wait for.
    if (tunnels && failures.length === 0) {
      try {
        await awaitTunnels('before');
      } catch (error) {
        failures.push({ resource: 'tunnels', error: `made again from the old spec, BGP not established: ${errorMessage(error)}` });
      }
    }
    state.forget(steps.creates.filter((id) => !before.nodes.some((n) => n.id === id)));
    state.addCleanupFailures(failures);
    state.changeEnds(failures.length > 0 ? 'RollbackIncomplete' : 'RolledBack', failures.length > 0 ? `${reason}; the rollback left ${failures.map((f) => f.resource).join(', ')}` : reason);
    return false;
  }
  state.forget(deletes);
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

/**
 * Back to the old spec: deleted nodes made again, updates undone newest first, creates compensated.
 * After a replacement the order differs: the new resources hold the old ones' names, so every
 * create and remade resource is compensated first, and only then is what was taken down made
 * again, with what was deleted (a resource the compensation could not delete is not made again
 * over: that would adopt the new one as the old). A change without a replacement keeps the
 * order its recorded histories have.
 */
async function rollBack(
  undo: { takenDown: string[]; deleted: string[]; updated: string[] },
  saga: Saga,
  change: GraphChange,
  outputs: Outputs,
  calls: ResourceCalls,
  state: MeshState,
): Promise<CleanupFailure[]> {
  const failures: CleanupFailure[] = [];
  const noting = async (id: string, fn: () => Promise<unknown>) => {
    try {
      await fn();
    } catch (error) {
      failures.push({ resource: id, error: errorMessage(error) });
    }
  };
  const makeAgain = async (ids: string[]) => {
    if (ids.length > 0) await noting(ids.join(', '), () => runGraph(change.before, calls, new Saga(), state, { only: new Set(ids), known: outputs }));
  };
  const undoUpdates = async () => {
    for (const id of [...undo.updated].reverse()) await noting(id, () => update(id, change.before, change.after, outputs, calls, state));
  };
  if (undo.takenDown.length === 0) {
    await makeAgain(undo.deleted);
    await undoUpdates();
    return [...failures, ...(await saga.compensate(change.after, calls, state))];
  }
  const left = await saga.compensate(change.after, calls, state);
  failures.push(...left);
  if (left.length === 0) await makeAgain([...undo.takenDown, ...undo.deleted]);
  else {
    for (const id of undo.takenDown) failures.push({ resource: id, error: 'not made again from the old spec: its replacement could not be deleted' });
    await makeAgain(undo.deleted);
  }
  await undoUpdates();
  return failures;
}
