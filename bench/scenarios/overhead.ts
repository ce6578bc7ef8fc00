/**
 * Scenario 1, overhead over the critical path: the full mesh's provisioning time against
 * the longest chain of emulated latencies, and against a sequential runbook. The gap is
 * broken down along the chain (bench/overhead-breakdown.ts).
 */
import type { Yardsticks } from '../critical-path.ts';
import { figure, type Figure } from '../figures.ts';
import { scheduleToStart } from '../history.ts';
import { provisioningSteps, type Step } from '../overhead-breakdown.ts';
import { describePolling, pollingForKind, type Polling } from '../polling.ts';
import { median, percentile, summary } from '../stats.ts';
import type { Cycle } from './full-mesh.ts';

const S = 'overhead';

export function overheadFigures(cycles: Cycle[], model: Yardsticks, timeScale: number, polling: Polling): { figures: Figure[]; breakdown: { step: string; kind: string; medianExcessS: number; medianMeasuredS: number; emulatedS: number; medianQueuedS: number | null }[] } {
  const cp = model.create.seconds / timeScale;
  const sequential = model.sequentialCreateSeconds / timeScale;
  const times = cycles.flatMap((c) => (c.provisionSeconds !== undefined && c.provisionPhase === 'Ready' ? [c.provisionSeconds] : []));
  const t = summary(times);
  const figures: Figure[] = [
    figure(S, 'time scale (real seconds ÷)', timeScale, undefined, { note: 'chosen so that the critical path lasts about --critical-path seconds (default 60)' }),
    figure(S, 'critical path (emulated)', cp, 's', { note: model.create.chain.map((l) => `${l.id} ${l.seconds}s`).join(' → ') + ` = ${model.create.seconds} s real` }),
    figure(S, `measured wall time, median of ${t.n}`, t.median, 's', { note: 'POST → phase Ready in the workflow history' }),
    figure(S, 'measured min', t.min, 's'),
    figure(S, 'measured max', t.max, 's'),
    figure(S, 'measured / critical path', t.median === null ? null : t.median / cp, '×', { target: '≤ 1.05', met: t.median === null ? null : t.median / cp <= 1.05 }),
    figure(S, 'sequential runbook (sum of latencies)', sequential, 's', { note: `${model.nodes} resources + BGP, ${model.sequentialCreateSeconds} s real` }),
    figure(S, 'sequential runbook / measured', t.median === null ? null : sequential / t.median, '×'),
  ];
  if (times.length < cycles.length) figures.push(figure(S, 'runs that did not reach Ready', cycles.length - times.length, undefined, { note: cycles.filter((c) => c.provisionPhase !== 'Ready').map((c) => `${c.name}: ${c.provisionPhase} ${c.error ?? ''}`).join('; ') }));

  // The gap, step by step along the chain, as medians over the runs.
  const perRun = cycles.map((c) => provisioningSteps(c.history, c.postMs, model, timeScale)).filter((s): s is Step[] => s !== undefined);
  const breakdown = (perRun[0] ?? []).map((row, i) => ({
    step: row.step,
    kind: row.kind,
    emulatedS: row.emulatedS,
    medianMeasuredS: median(perRun.map((r) => r[i]!.measuredS))!,
    medianExcessS: median(perRun.map((r) => r[i]!.excessS))!,
    medianQueuedS: row.queuedS === undefined ? null : median(perRun.map((r) => r[i]!.queuedS ?? 0)),
  }));
  figures.push(figure(S, 'poll intervals on this stack', `ARM Retry-After ${polling.azureRetryAfterMs} ms, backoff ${polling.aws.initialMs}–${polling.aws.maxMs} ms, BGP ${polling.bgp.initialMs}–${polling.bgp.maxMs} ms`, undefined, { note: describePolling(polling, timeScale) }));
  for (const row of breakdown) {
    figures.push(figure(S, `gap: ${row.step}`, row.medianExcessS, 's', { note: `measured ${row.medianMeasuredS.toFixed(2)} s, emulated ${row.emulatedS.toFixed(2)} s; ${pollingForKind(row.kind, polling)}` }));
  }

  const starts = cycles.flatMap((c) => scheduleToStart(c.history).latencies);
  const timers = cycles.flatMap((c) => c.history.timers.map((x) => x.firedAfterMs - x.requestedMs));
  const workflowTasks = cycles.flatMap((c) => c.history.workflowTaskLatencies);
  figures.push(
    figure(S, 'activity schedule-to-start p50 / p99', `${percentile(starts, 50) ?? '—'} / ${percentile(starts, 99) ?? '—'} ms`),
    figure(S, 'workflow task schedule-to-start p50 / p99', `${percentile(workflowTasks, 50) ?? '—'} / ${percentile(workflowTasks, 99) ?? '—'} ms`),
    figure(S, 'workflow timer lateness p50 / max', `${percentile(timers, 50) ?? '—'} / ${timers.length ? Math.max(...timers) : '—'} ms`, undefined, { note: `${timers.length} timers (BGP poll sleeps of runs before the wait moved inside the observation; a failed observation's pause)` }),
  );
  return { figures, breakdown };
}
