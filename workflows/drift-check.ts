/**
 * One drift check of a live mesh, inside its workflow (never beside a change, a rotation or
 * a teardown: the mesh's main loop runs it). The checkDrift activity reads every resource of
 * the graph and compares it with its desired state (activities/drift-check.ts). Under
 * `repair`, the drifted resources are converged by the same engine calls a change makes
 * (domain/drift-repair.ts): a missing one, or one of a kind without an in-place update, through
 * create (runGraph, as a change creates), the rest through update, in dependency order; one the
 * cloud cannot modify is replaced (deleted with what is built directly on it, as a change takes
 * down what it replaces, then made again). A resource made again gets
 * new cloud IDs and addresses, so what is built on it drifts in turn (an AWS VPN connection's
 * Azure local gateways and connections): checking and repairing go round until a check finds
 * nothing, at most MAX_REPAIR_ROUNDS times. A repair that fails is reported, not rolled back:
 * deleting what it made again would leave the mesh further from its spec.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { MeshActivities } from '../activities/index.ts';
import type { DriftFindings } from '../activities/drift-check.ts';
import { meshActivitySummary } from '../domain/activity-summary.ts';
import type { DriftMode, DriftRepair, DriftReport, DriftTrigger, ResourceDrift } from '../domain/drift.ts';
import { driftRepairSteps, repairable } from '../domain/drift-repair.ts';
import { nodeById, type ResourceGraph } from '../domain/resource-graph.ts';
import type { MeshState } from './mesh-state.ts';
import type { ResourceCalls } from './resource-activities.ts';
import { runGraph } from './run-graph.ts';
import { destroyGraph, errorMessage, Saga } from './saga.ts';

const MAX_REPAIR_ROUNDS = 3;

const { checkDrift } = proxyActivities<Pick<MeshActivities, 'checkDrift'>>({
  startToCloseTimeout: '10m',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

export interface DriftCheckRun {
  checkId: string;
  trigger: DriftTrigger;
  mode: DriftMode;
  graph: ResourceGraph;
}

export async function runDriftCheck(run: DriftCheckRun, calls: ResourceCalls, state: MeshState): Promise<DriftReport> {
  const startedAt = new Date().toISOString();
  // A repair round checks again: its row in the Web UI says which round it closes.
  const check = (afterRound?: number) =>
    checkDrift.executeWithOptions({ summary: meshActivitySummary.driftCheck(run.graph.nodes.length, afterRound) }, [{ nodes: run.graph.nodes, outputs: state.outputs() }]);
  let first: DriftFindings;
  try {
    first = await check();
  } catch (error) {
    return { checkId: run.checkId, trigger: run.trigger, mode: run.mode, startedAt, finishedAt: new Date().toISOString(), checked: 0, drifts: [], error: errorMessage(error) };
  }
  const report: DriftReport = { checkId: run.checkId, trigger: run.trigger, mode: run.mode, startedAt, checked: first.checked, drifts: first.drifts };
  if (run.mode === 'repair' && first.drifts.length > 0) report.repair = await repair(run.graph, first.drifts, check, calls, state);
  return { ...report, finishedAt: new Date().toISOString() };
}

async function repair(graph: ResourceGraph, drifts: ResourceDrift[], check: (afterRound: number) => Promise<DriftFindings>, calls: ResourceCalls, state: MeshState): Promise<DriftRepair & { remaining: ResourceDrift[] }> {
  const repaired: string[] = [];
  let remaining = drifts;
  let rounds = 0;
  try {
    while (remaining.some(repairable) && rounds < MAX_REPAIR_ROUNDS) {
      rounds++;
      const steps = driftRepairSteps(graph, remaining);
      // Only a replacement takes anything down; a round without one runs the commands it always did.
      if (steps.takenDown.length > 0) {
        const failures = await destroyGraph(graph, new Set(steps.takenDown), calls, state);
        if (failures.length > 0) throw new Error(`taking down what is replaced failed: ${failures.map((f) => `${f.resource} (${f.error})`).join('; ')}`);
      }
      // Made as a change makes what it adds: on top of what exists, with the outputs it last reported.
      if (steps.creates.length > 0) await runGraph(graph, calls, new Saga(), state, { only: new Set(steps.creates), known: state.outputs() });
      repaired.push(...steps.creates);
      for (const id of steps.updates) {
        await updateInPlace(graph, id, calls, state);
        repaired.push(id);
      }
      remaining = (await check(rounds)).drifts;
    }
  } catch (error) {
    return { state: 'NotRepaired', rounds, repaired, remaining, error: errorMessage(error) };
  }
  return { state: remaining.length === 0 ? 'Repaired' : 'NotRepaired', rounds, repaired, remaining };
}

/** The engine's update to the params the resource already should have: it sends the desired state again and waits until it is ready. */
async function updateInPlace(graph: ResourceGraph, id: string, calls: ResourceCalls, state: MeshState): Promise<void> {
  const node = nodeById(graph, id);
  const known = state.outputs();
  state.mark(id, 'updating');
  try {
    const output = await calls.update(node, node, Object.fromEntries(node.dependsOn.map((d) => [d, known[d]!])));
    state.mark(id, 'ready', { output });
  } catch (error) {
    state.mark(id, 'failed', { detail: errorMessage(error) });
    throw error;
  }
}
