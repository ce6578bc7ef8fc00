/**
 * Scenarios 1, 3 and 5 on one proving ground: `runs` full meshes provisioned and torn
 * down one after another (never two at once, so runs do not slow each other), then,
 * for scenario 5, one rollback. The time scale makes the emulated critical path about
 * the requested length.
 */
import type { ClassifiedCalls } from '../call-classes.ts';
import { timeScaleFor, yardsticks, type Yardsticks } from '../critical-path.ts';
import type { Figure } from '../figures.ts';
import { historyReader } from '../history.ts';
import type { Options } from '../options.ts';
import { pollingOf, type Polling } from '../polling.ts';
import { startProvingGround } from '../proving-ground.ts';
import { normalizedSpec } from '../specs.ts';
import { callFigures, type OperationRow } from './calls.ts';
import { meshCycle, type Cycle } from './full-mesh.ts';
import { overheadFigures } from './overhead.ts';
import { rollbackRun, teardownFigures, type Rollback } from './teardown.ts';

export interface SuiteResult {
  timeScale: number;
  model: Yardsticks;
  figures: Figure[];
  callsPerOperation: Record<string, ClassifiedCalls['rows']>;
  operationTable: OperationRow[];
  details: Record<string, unknown>;
}

export async function fullMeshSuite(options: Options, log: (line: string) => void): Promise<SuiteResult> {
  const spec = normalizedSpec('cells', 'bench-model');
  const model = yardsticks(spec);
  const timeScale = options.timeScale ?? timeScaleFor(spec, options.criticalPathSeconds);
  const timeoutMs = Math.max(300_000, (5_000 * model.create.seconds) / timeScale);
  log(`full mesh (examples/cells.json) at time scale ${timeScale}: critical path ${(model.create.seconds / timeScale).toFixed(1)} s, ${options.runs} run(s)`);
  const ground = await startProvingGround('full-mesh', timeScale);
  const polling: Polling = pollingOf(ground.endpoints);
  const reader = await historyReader(ground.endpoints);
  const cycles: Cycle[] = [];
  let rollback: Rollback | undefined;
  try {
    for (let i = 1; i <= options.runs; i++) {
      try {
        cycles.push(await meshCycle(ground.endpoints, reader, 'cells', `bench-${i}`, timeoutMs, log));
      } catch (error) {
        log(`  bench-${i} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (options.scenarios.has('teardown')) {
      try {
        rollback = await rollbackRun(ground.endpoints, reader, 'bench-rollback', timeoutMs, log);
      } catch (error) {
        log(`  rollback run failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await reader.close();
    await ground.stop();
  }
  const figures: Figure[] = [];
  const details: Record<string, unknown> = {
    polling,
    cycles: cycles.map((c) => ({
      name: c.name,
      provisionPhase: c.provisionPhase,
      provisionSeconds: c.provisionSeconds,
      teardown: c.teardown && { phase: c.teardown.phase, seconds: c.teardown.seconds },
      historyEvents: c.history.events,
      phases: c.history.phases.map((p) => ({ phase: p.phase, atSeconds: (p.atMs - c.postMs) / 1000 })),
      activities: c.history.activities.map((a) => ({ type: a.type, node: a.node, scheduled: (a.scheduledMs - c.postMs) / 1000, queuedMs: a.startedMs !== undefined ? a.startedMs - a.scheduledMs : null, closed: a.closedMs !== undefined ? (a.closedMs - c.postMs) / 1000 : null, attempt: a.attempt, outcome: a.outcome })),
      calls: { provision: c.provisionCalls, teardown: c.teardown?.calls },
      clusterCalls: { provision: c.provisionClusterCalls, teardown: c.teardown?.clusterCalls },
      ...(c.error ? { error: c.error } : {}),
    })),
    ...(rollback ? { rollback: { name: rollback.name, phase: rollback.phase, seconds: rollback.seconds, provisionedSeconds: rollback.provisionedSeconds, error: rollback.error } } : {}),
  };
  let callsPerOperation: SuiteResult['callsPerOperation'] = {};
  let operationTable: OperationRow[] = [];
  if (options.scenarios.has('overhead')) {
    const overhead = overheadFigures(cycles, model, timeScale, polling);
    figures.push(...overhead.figures);
    details.overheadBreakdown = overhead.breakdown;
  }
  if (options.scenarios.has('calls')) {
    const calls = callFigures(cycles, spec);
    figures.push(...calls.figures);
    callsPerOperation = calls.perOperation;
    operationTable = calls.table;
  }
  if (options.scenarios.has('teardown')) {
    const teardown = teardownFigures(cycles, rollback, model, timeScale, polling);
    figures.push(...teardown.figures);
    details.teardownBreakdown = teardown.breakdown;
    details.rollbackBreakdown = teardown.rollbackBreakdown;
  }
  return { timeScale, model, figures, callsPerOperation, operationTable, details };
}
