/**
 * `npm run bench`: the benchmarks of issue 6 on the local proving ground. Prints one
 * table (each figure with its target beside it) and writes the same, with the detail
 * behind it, to .bench/<timestamp>.json. It never fails on a figure: a missed target is
 * printed as MISSED and the exit code stays 0 (non-zero only if the bench itself broke).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { REPO } from '../sim/setup.ts';
import { renderRows, renderTable, type Figure } from './figures.ts';
import { checkLatencies, LATENCIES, BGP_CONVERGENCE } from './latencies.ts';
import { parseOptions } from './options.ts';
import { apiLoad } from './scenarios/api-load.ts';
import { drillBench } from './scenarios/drill.ts';
import { fullMeshSuite } from './scenarios/full-mesh-suite.ts';
import { scaleFigures, scaleLevel, type Level } from './scenarios/scale.ts';
import { timeScaleFor, yardsticks } from './critical-path.ts';
import { normalizedSpec } from './specs.ts';

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const started = new Date();
  const log = (line: string) => console.log(line);
  // The machine is shared: the 1-minute load average before each part says how quiet it was.
  const loads: Record<string, number> = {};
  const noteLoad = (part: string) => {
    loads[part] = loadavg()[0]!;
    log(`[${part}] load average ${loads[part]!.toFixed(2)} on ${cpus().length} cores`);
  };
  const figures: Figure[] = [];
  const report: Record<string, unknown> = {
    startedAt: started.toISOString(),
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version },
    options: { ...options, scenarios: [...options.scenarios] },
    latencies: { ...LATENCIES, bgpConvergence: BGP_CONVERGENCE },
  };
  for (const drift of checkLatencies()) log(`WARNING: bench/latencies.ts is out of date: ${drift}`);
  let callTables = '';

  if (options.scenarios.has('overhead') || options.scenarios.has('calls') || options.scenarios.has('teardown')) {
    noteLoad('full mesh');
    const suite = await fullMeshSuite(options, log);
    figures.push(...suite.figures);
    report.fullMesh = { timeScale: suite.timeScale, model: suite.model, callsPerOperation: suite.callsPerOperation, ...suite.details };
    if (suite.operationTable.length) {
      const count = (n: number, polls: number) => (polls > 0 && polls < n ? `${n} (${polls} poll)` : String(n));
      const rows = suite.operationTable.map((r) => [r.cloud, r.operation, r.class, count(r.provision, r.provisionPolls), count(r.teardown, r.teardownPolls)]);
      callTables = `\ncloud API calls per operation, first full-mesh run:\n${renderRows(['cloud', 'operation', 'class', 'provision', 'teardown'], rows)}\n`;
    }
  }
  if (options.scenarios.has('scale')) {
    noteLoad('scale');
    const spec = normalizedSpec('minimal', 'bench-model');
    const timeScale = options.timeScale ?? timeScaleFor(spec, options.criticalPathSeconds);
    const cp = yardsticks(spec).create.seconds / timeScale;
    log(`scale: backbone meshes at time scale ${timeScale} (critical path ${cp.toFixed(1)} s), K = ${options.k.join(', ')}`);
    const levels: Level[] = [];
    for (const k of options.k) {
      try {
        levels.push(await scaleLevel(k, timeScale, Math.max(600_000, 10_000 * cp), log));
      } catch (error) {
        log(`  K=${k} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    figures.push(...scaleFigures(levels));
    report.scale = { timeScale, criticalPathSeconds: cp, levels: levels.map(({ scheduleToStartMs, ...rest }) => ({ ...rest, scheduleToStartCount: scheduleToStartMs.length })) };
  }
  if (options.scenarios.has('api')) {
    noteLoad('api');
    log(`api: ${options.requests} requests per route at ${options.rate}/s`);
    const api = await apiLoad(options.requests, options.rate, log);
    figures.push(...api.figures);
    report.api = Object.fromEntries(Object.entries(api.results).map(([route, { latencies, ...rest }]) => [route, { ...rest, answered: latencies.length }]));
  }
  if (options.scenarios.has('drill')) {
    noteLoad('drill');
    log(`drill: ${options.drills} failover drills on an EKS+AKS mesh with the data plane on`);
    const drill = await drillBench(options.drills, log);
    figures.push(...drill.figures);
    report.drill = drill.reports;
  }

  const finished = new Date();
  const seconds = (finished.getTime() - started.getTime()) / 1000;
  console.log(`\n${renderTable(figures)}\n${callTables}\nbench took ${(seconds / 60).toFixed(1)} min`);
  const dir = resolve(REPO, options.out);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${started.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ ...report, loadAverageBefore: loads, finishedAt: finished.toISOString(), durationSeconds: seconds, figures }, null, 2));
  console.log(`figures written to ${file}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
