/**
 * Where a run's time went, along the modelled critical chain: for each step the
 * measured time since the previous step ended and the emulated latency it had to wait
 * for. The rows telescope, so their excesses add up exactly to measured − critical
 * path. Creates are timed by their activities in the workflow history; the tail (BGP,
 * then verification) by the phase upserts and the last tunnel observation.
 */
import type { Yardsticks } from './critical-path.ts';
import { BGP_NODE } from './critical-path.ts';
import { phaseAt, type RunHistory } from './history.ts';

export interface Step {
  step: string;
  /** The resource kind, 'bgp', or 'verification'. */
  kind: string;
  measuredS: number;
  emulatedS: number;
  excessS: number;
  /** Of the measured time: waiting for a worker slot (schedule → start). */
  queuedS?: number;
}

export function provisioningSteps(history: RunHistory, postMs: number, model: Yardsticks, timeScale: number): Step[] | undefined {
  const ready = phaseAt(history, 'Ready') ?? phaseAt(history, 'Degraded');
  if (ready === undefined) return undefined;
  const steps: Step[] = [];
  let previousEnd = postMs;
  const turns = { connections: 0 };
  const push = (step: string, kind: string, endMs: number, emulatedS: number, queuedS?: number) => {
    const measuredS = (endMs - previousEnd) / 1000;
    steps.push({ step, kind, measuredS, emulatedS, excessS: measuredS - emulatedS, ...(queuedS !== undefined ? { queuedS } : {}) });
    previousEnd = endMs;
  };
  for (const link of model.create.chain) {
    const emulatedS = link.seconds / timeScale;
    if (link.id === BGP_NODE) {
      // BGP is seen up by the last tunnel observation; what follows is verification (Istio checks), not waiting on a cloud.
      const observed = history.activities.filter((a) => a.type === 'observeTunnels' && a.closedMs !== undefined && a.closedMs <= ready);
      const seenUp = observed.length ? Math.max(...observed.map((a) => a.closedMs!)) : ready;
      push(`BGP convergence, seen by ${observed.length} observation(s)`, 'bgp', seenUp, emulatedS);
      continue;
    }
    const run = inTurn(history, link, 'create', postMs, turns);
    if (!run) return undefined;
    push(run.node!, link.kind, run.closedMs!, emulatedS, run.startedMs !== undefined ? (run.startedMs - run.scheduledMs) / 1000 : undefined);
  }
  push('verification after BGP, until Ready', 'verification', ready, 0);
  return steps;
}

/**
 * The same for a teardown or rollback: from its first delete to its end phase, along the delete chain.
 * With `requestedMs` (a teardown's DELETE), a first row holds what came before its phase began.
 */
export function deletionSteps(history: RunHistory, startMs: number, endMs: number, model: Yardsticks, timeScale: number, requestedMs?: number): Step[] | undefined {
  const steps: Step[] = [];
  if (requestedMs !== undefined) {
    const measuredS = (startMs - requestedMs) / 1000;
    steps.push({ step: 'from the request until the first delete (the rotation schedule deleted before)', kind: 'before', measuredS, emulatedS: 0, excessS: measuredS });
  }
  let previousEnd = startMs;
  const turns = { connections: 0 };
  for (const link of model.delete.chain) {
    const run = inTurn(history, link, 'delete', startMs, turns);
    if (!run) return undefined;
    const measuredS = (run.closedMs! - previousEnd) / 1000;
    const emulatedS = link.seconds / timeScale;
    steps.push({ step: run.node!, kind: link.kind, measuredS, emulatedS, excessS: measuredS - emulatedS, ...(run.startedMs !== undefined ? { queuedS: (run.startedMs - run.scheduledMs) / 1000 } : {}) });
    previousEnd = run.closedMs!;
  }
  const measuredS = (endMs - previousEnd) / 1000;
  steps.push({ step: 'after the last delete, until the end phase', kind: 'verification', measuredS, emulatedS: 0, excessS: measuredS });
  return steps;
}

/**
 * The activity that ended a link of the chain. A gateway's connections are chained in the
 * model by id (bench/critical-path.ts), but their turns on the gateway come in whatever order
 * the writes reached it: the k-th connection link is the k-th connection to end.
 */
function inTurn(history: RunHistory, link: { id: string; kind: string }, verb: 'create' | 'delete', sinceMs: number, turns: { connections: number }): RunHistory['activities'][number] | undefined {
  const runs = history.activities.filter((a) => a.type.startsWith(verb) && a.scheduledMs >= sinceMs && a.closedMs !== undefined);
  if (link.kind !== 'azure.connection') return runs.find((a) => a.node === link.id);
  const ended = runs.filter((a) => a.type === `${verb}AzureConnection`).sort((a, b) => a.closedMs! - b.closedMs!);
  return ended[turns.connections++];
}
