/**
 * Scenario 5, teardown and rollback: a full teardown of the scenario-1 mesh (timed in
 * the same cycles), and a rollback after a fault at the last create step — the fourth
 * Azure connection's long-running operation fails, after everything else, Istio
 * included, exists — both against the critical path of the deletes.
 */
import type { Endpoints } from '../../sim/stack.ts';
import type { Yardsticks } from '../critical-path.ts';
import { clearFaults, injectFault } from '../../sim/controls.ts';
import { figure, type Figure } from '../figures.ts';
import { phaseAt, type HistoryReader, type RunHistory } from '../history.ts';
import { createMesh, waitForPhase } from '../mesh-api.ts';
import { deletionSteps, type Step } from '../overhead-breakdown.ts';
import { pollingForKind, type Polling } from '../polling.ts';
import { median, summary } from '../stats.ts';
import { exampleBody } from '../specs.ts';
import type { Cycle } from './full-mesh.ts';

const S = 'teardown';

export interface Rollback {
  name: string;
  phase: string;
  /** RollingBack → RolledBack, from the history. */
  seconds?: number;
  /** POST → RollingBack: how far provisioning got before the fault. */
  provisionedSeconds?: number;
  error?: string;
  history: RunHistory;
}

/** Provisions a full mesh whose last create fails (an Azure LRO that ends Failed), and times the rollback. */
export async function rollbackRun(e: Endpoints, reader: HistoryReader, name: string, timeoutMs: number, log: (line: string) => void): Promise<Rollback> {
  await injectFault(e.azure, { operation: 'connections.createOrUpdate', kind: 'lro-failed', nth: 4, count: 2, match: name, code: 'BenchInjectedFault', message: 'injected by npm run bench' });
  try {
    const postMs = Date.now();
    await createMesh(e, exampleBody('cells', name));
    const final = await waitForPhase(e, name, ['RolledBack', 'RollbackIncomplete', 'Ready', 'Degraded'], timeoutMs);
    const history = await reader.read(`mesh-${name}`, { decodeNodes: true });
    const from = phaseAt(history, 'RollingBack');
    const to = phaseAt(history, final.phase);
    const result: Rollback = {
      name,
      phase: final.phase,
      history,
      ...(from !== undefined && to !== undefined ? { seconds: (to - from) / 1000, provisionedSeconds: (from - postMs) / 1000 } : {}),
      ...(final.error ? { error: final.error } : {}),
    };
    log(`  ${name}: ${final.phase}, rollback took ${result.seconds?.toFixed(1) ?? '?'} s after ${result.provisionedSeconds?.toFixed(1) ?? '?'} s of provisioning`);
    return result;
  } finally {
    await clearFaults(e);
  }
}

export function teardownFigures(cycles: Cycle[], rollback: Rollback | undefined, model: Yardsticks, timeScale: number, polling: Polling): { figures: Figure[]; breakdown: GapRow[]; rollbackBreakdown: GapRow[] } {
  const cp = model.delete.seconds / timeScale;
  const times = cycles.flatMap((c) => (c.teardown?.phase === 'Deleted' && c.teardown.seconds !== undefined ? [c.teardown.seconds] : []));
  const t = summary(times);
  const figures: Figure[] = [
    figure(S, 'delete critical path (emulated)', cp, 's', { note: model.delete.chain.map((l) => `${l.id} ${l.seconds}s`).join(' → ') + ` = ${model.delete.seconds} s real` }),
    figure(S, `teardown wall time, median of ${t.n}`, t.median, 's', { note: 'DELETE → phase Deleted in the workflow history' }),
    figure(S, 'teardown min / max', t.min === null ? null : `${t.min.toFixed(1)} / ${t.max!.toFixed(1)} s`),
    figure(S, 'teardown / delete critical path', t.median === null ? null : t.median / cp, '×', { target: 'none set (1.0 = no overhead)' }),
    figure(S, 'sequential deletes (sum of latencies)', model.sequentialDeleteSeconds / timeScale, 's'),
  ];
  const teardownSteps = cycles.flatMap((c) => {
    const steps = stepsBetween(c.history, 'TearingDown', 'Deleted', model, timeScale, c.teardown?.deleteMs);
    return steps ? [steps] : [];
  });
  const breakdown = gapRows(teardownSteps);
  figures.push(...gapFigures('gap', breakdown, polling));
  let rollbackBreakdown: GapRow[] = [];
  if (rollback) {
    figures.push(
      figure(S, 'rollback after a fault at the last create', rollback.seconds ?? null, 's', { note: `${rollback.phase}; RollingBack → ${rollback.phase} in the history, after ${rollback.provisionedSeconds?.toFixed(1) ?? '?'} s of provisioning` }),
      figure(S, 'rollback / delete critical path', rollback.seconds === undefined ? null : rollback.seconds / cp, '×', { target: 'none set (1.0 = no overhead)' }),
    );
    // The same chain as a teardown's, from RollingBack to its end phase.
    const steps = stepsBetween(rollback.history, 'RollingBack', rollback.phase, model, timeScale);
    rollbackBreakdown = gapRows(steps ? [steps] : []);
    figures.push(...gapFigures('rollback gap', rollbackBreakdown, polling));
  }
  return { figures, breakdown, rollbackBreakdown };
}

interface GapRow {
  step: string;
  kind: string;
  emulatedS: number;
  medianMeasuredS: number;
  medianExcessS: number;
  medianQueuedS: number | null;
}

/** The delete chain's steps between two phases of a history, if it has both and every step of the chain; from `requestedMs` on, if given. */
function stepsBetween(history: RunHistory, from: string, to: string, model: Yardsticks, timeScale: number, requestedMs?: number): Step[] | undefined {
  const start = phaseAt(history, from);
  const end = phaseAt(history, to);
  return start !== undefined && end !== undefined ? deletionSteps(history, start, end, model, timeScale, requestedMs) : undefined;
}

/** Each step's medians over the runs. */
function gapRows(runs: Step[][]): GapRow[] {
  return (runs[0] ?? []).map((row, i) => ({
    step: row.step,
    kind: row.kind,
    emulatedS: row.emulatedS,
    medianMeasuredS: median(runs.map((s) => s[i]!.measuredS))!,
    medianExcessS: median(runs.map((s) => s[i]!.excessS))!,
    medianQueuedS: row.queuedS === undefined ? null : median(runs.map((s) => s[i]!.queuedS ?? 0)),
  }));
}

function gapFigures(label: string, rows: GapRow[], polling: Polling): Figure[] {
  return rows.map((row) => figure(S, `${label}: ${row.step}`, row.medianExcessS, 's', {
    note: `measured ${row.medianMeasuredS.toFixed(2)} s, emulated ${row.emulatedS.toFixed(2)} s${row.medianQueuedS === null ? '' : `, queued ${row.medianQueuedS.toFixed(3)} s`}; ${pollingForKind(row.kind, polling)}`,
  }));
}
