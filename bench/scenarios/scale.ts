/**
 * Scenario 2, many meshes on one worker: K backbone-only meshes (examples/minimal.json,
 * distinct names) POSTed at once to a fresh stack with a single worker process. Full
 * meshes would need two kube-apiservers (and etcd prefixes) each: at K = 100 that is
 * 200 API servers, which a 2-core machine cannot hold, so the cells stay out here.
 * Each K gets its own proving ground, so no level inherits the previous one's
 * resources, cached workflows or peak memory.
 */
import { figure, type Figure } from '../figures.ts';
import { historyReader, phaseAt, scheduleToStart } from '../history.ts';
import { createMesh, listPhases } from '../mesh-api.ts';
import { cpuDelta, cpuSeconds, descendantCpu, peakRssBytes, resetPeakRss, rssBytes } from '../process-stats.ts';
import { startProvingGround } from '../proving-ground.ts';
import { percentile } from '../stats.ts';
import { exampleBody } from '../specs.ts';

const S = 'scale';
const MIB = 1024 * 1024;
const SETTLED = new Set(['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete']);

export interface Level {
  k: number;
  ready: number;
  failed: string[];
  /** POSTs sent → the last mesh's Ready (history), seconds; undefined if not all got there. */
  wallSeconds?: number;
  cpuSeconds: number;
  peakRssBytes: number;
  /** Resident set of the idle worker just before the POSTs: what the meshes add is peak − this. */
  startRssBytes: number;
  peakReset: boolean;
  scheduleToStartMs: number[];
  /** Per activity type: first-attempt schedule-to-start p50 and max, ms. */
  queueByType: { type: string; count: number; p50: number; max: number }[];
  /** CPU seconds of each process of the proving ground during the level. */
  cpuByProcess: { name: string; seconds: number }[];
  retriedActivities: number;
  historyEvents: number[];
  readySeconds: number[];
}

export async function scaleLevel(k: number, timeScale: number, timeoutMs: number, log: (line: string) => void): Promise<Level> {
  const ground = await startProvingGround(`scale-${k}`, timeScale);
  const reader = await historyReader(ground.endpoints);
  try {
    const e = ground.endpoints;
    const pid = ground.workerPid;
    // The worker's start (bundling the workflow code) is not per-mesh cost.
    const peakReset = resetPeakRss(pid);
    const startRss = rssBytes(pid);
    const cpuBefore = cpuSeconds(pid);
    const everyCpuBefore = descendantCpu(process.pid);
    const names = Array.from({ length: k }, (_, i) => `scale-${k}-${i}`);
    const t0 = Date.now();
    await Promise.all(names.map((name) => createMesh(e, exampleBody('minimal', name))));
    log(`  K=${k}: ${k} POSTs accepted in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const deadline = t0 + timeoutMs;
    let phases = new Map<string, string | undefined>();
    while (Date.now() < deadline) {
      phases = await listPhases(e);
      if (names.every((n) => SETTLED.has(phases.get(n) ?? ''))) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const cpu = cpuSeconds(pid) - cpuBefore;
    const cpuByProcess = cpuDelta(everyCpuBefore, descendantCpu(process.pid));
    const peak = peakRssBytes(pid);
    const failed = names.filter((n) => phases.get(n) !== 'Ready').map((n) => `${n}: ${phases.get(n) ?? 'unknown'}`);
    const level: Level = { k, ready: k - failed.length, failed, cpuSeconds: cpu, peakRssBytes: peak, startRssBytes: startRss, peakReset, scheduleToStartMs: [], queueByType: [], cpuByProcess, retriedActivities: 0, historyEvents: [], readySeconds: [] };
    const byType = new Map<string, number[]>();
    for (const name of names) {
      const history = await reader.read(`mesh-${name}`);
      for (const a of history.activities) {
        if (a.startedMs !== undefined && (a.attempt ?? 1) === 1) byType.set(a.type, [...(byType.get(a.type) ?? []), a.startedMs - a.scheduledMs]);
      }
      const s2s = scheduleToStart(history);
      level.scheduleToStartMs.push(...s2s.latencies);
      level.retriedActivities += s2s.retried;
      level.historyEvents.push(history.events);
      const ready = phaseAt(history, 'Ready');
      if (ready !== undefined) level.readySeconds.push((ready - t0) / 1000);
    }
    level.queueByType = [...byType].map(([type, xs]) => ({ type, count: xs.length, p50: percentile(xs, 50)!, max: Math.max(...xs) })).sort((a, b) => b.max - a.max);
    if (failed.length === 0) level.wallSeconds = Math.max(...level.readySeconds);
    log(`  K=${k}: ${level.ready}/${k} Ready, wall ${level.wallSeconds?.toFixed(1) ?? '—'} s, worker CPU ${cpu.toFixed(1)} s, peak RSS ${(peak / MIB).toFixed(0)} MiB`);
    return level;
  } finally {
    await reader.close();
    await ground.stop();
  }
}

export function scaleFigures(levels: Level[]): Figure[] {
  const single = levels.find((l) => l.k === 1)?.wallSeconds;
  const figures: Figure[] = [figure(S, 'meshes', 'backbone only (examples/minimal.json)', undefined, { note: 'full meshes need 2 kube-apiservers each: 200 at K=100, more than this machine holds' })];
  for (const l of levels) {
    const p = `K=${l.k}:`;
    const ratio = single !== undefined && l.wallSeconds !== undefined ? l.wallSeconds / single : null;
    figures.push(
      figure(S, `${p} wall time`, l.wallSeconds ?? null, 's', { note: `${l.ready}/${l.k} Ready${l.failed.length ? `; not Ready: ${l.failed.slice(0, 5).join(', ')}${l.failed.length > 5 ? ' …' : ''}` : ''}` }),
      figure(S, `${p} wall time / single mesh`, ratio, '×', l.k === 100 ? { target: '≤ 1.5', met: ratio === null ? false : ratio <= 1.5 } : {}),
      figure(S, `${p} worker CPU`, l.cpuSeconds, 's', { note: `all processes: ${l.cpuByProcess.map((x) => `${x.name} ${x.seconds.toFixed(1)} s`).join(', ')}` }),
      figure(S, `${p} worker peak RSS`, l.peakRssBytes / MIB, 'MiB', {
        target: '< 1024 MiB',
        met: l.peakRssBytes < 1024 * MIB,
        note: `${(l.startRssBytes / MIB).toFixed(0)} MiB idle before the POSTs, +${((l.peakRssBytes - l.startRssBytes) / MIB / l.k).toFixed(1)} MiB per mesh${l.peakReset ? '' : '; peak since worker start (clear_refs not permitted)'}`,
      }),
      figure(S, `${p} activity schedule-to-start p50 / p99`, `${percentile(l.scheduleToStartMs, 50) ?? '—'} / ${percentile(l.scheduleToStartMs, 99) ?? '—'} ms`, undefined, { note: `${l.scheduleToStartMs.length} first attempts, ${l.retriedActivities} retried; longest waits: ${l.queueByType.slice(0, 3).map((q) => `${q.type} p50 ${q.p50} / max ${q.max} ms`).join(', ')}` }),
      figure(S, `${p} history events per mesh, median / max`, `${percentile(l.historyEvents, 50) ?? '—'} / ${l.historyEvents.length ? Math.max(...l.historyEvents) : '—'}`, undefined, { target: '< 2000', met: l.historyEvents.length > 0 && Math.max(...l.historyEvents) < 2000 }),
    );
  }
  return figures;
}
