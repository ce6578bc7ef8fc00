/**
 * Scenario 4, the API under a bounded load on loopback: N requests at a fixed rate to
 * GET /v1/meshes/{name} (a Temporal describe and a workflow query per request) and to
 * POST /v1/meshes?dryRun=true (schema and semantic validation of examples/cells.json,
 * nothing started). One Ready backbone mesh is provisioned first, at time scale 600 so
 * that it is up in seconds; it sits idle while the load runs.
 */
import { cpus } from 'node:os';
import { figure, type Figure } from '../figures.ts';
import { openLoop, type LoadResult } from '../load.ts';
import { createMesh, waitForPhase } from '../mesh-api.ts';
import { startProvingGround } from '../proving-ground.ts';
import { cpuDelta, descendantCpu } from '../process-stats.ts';
import { percentile } from '../stats.ts';
import { exampleBody } from '../specs.ts';

const S = 'api';
const TIME_SCALE = 600;

export async function apiLoad(requests: number, perSecond: number, log: (line: string) => void): Promise<{ figures: Figure[]; results: Record<string, LoadResult> }> {
  const ground = await startProvingGround('api', TIME_SCALE);
  try {
    const e = ground.endpoints;
    await createMesh(e, exampleBody('minimal', 'api-load'));
    await waitForPhase(e, 'api-load', ['Ready'], 120_000);
    const dryRunBody = JSON.stringify(exampleBody('cells', 'api-dry-run'));
    const targets = {
      'GET /v1/meshes/{name}': () => fetch(`${e.api}/v1/meshes/api-load`),
      'POST /v1/meshes?dryRun=true': () => fetch(`${e.api}/v1/meshes?dryRun=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: dryRunBody }),
    };
    const results: Record<string, LoadResult> = {};
    const figures: Figure[] = [];
    for (const [route, send] of Object.entries(targets)) {
      const before = { children: descendantCpu(process.pid), self: process.cpuUsage() };
      const r = await openLoop(requests, perSecond, send, (status) => status === 200);
      // Where the time went: every process of the stack, and the load generator itself (this process).
      const used = cpuDelta(before.children, descendantCpu(process.pid));
      const self = process.cpuUsage(before.self);
      used.push({ name: 'load generator', seconds: (self.user + self.system) / 1e6 });
      used.sort((a, b) => b.seconds - a.seconds);
      results[route] = r;
      log(`  ${route}: ${r.requests} requests in ${r.seconds.toFixed(1)} s, ${r.errors} errors`);
      const p99 = percentile(r.latencies, 99);
      figures.push(
        figure(S, `${route}: p50`, percentile(r.latencies, 50), 'ms', { note: `${r.requests} requests at ${perSecond}/s in ${r.seconds.toFixed(1)} s` }),
        figure(S, `${route}: p99`, p99, 'ms', { target: '< 50 ms', met: p99 !== null && p99 < 50 }),
        figure(S, `${route}: max`, r.latencies.length ? Math.max(...r.latencies) : null, 'ms', { note: `generator sent at most ${r.maxSendLagMs.toFixed(0)} ms late` }),
        figure(S, `${route}: CPU per request, all processes`, (1000 * used.reduce((sum, x) => sum + x.seconds, 0)) / requests, 'ms', {
          note: `over the load: ${used.map((x) => `${x.name} ${x.seconds.toFixed(1)} s`).join(', ')} (${cpus().length} cores give ${(cpus().length * r.seconds).toFixed(0)} CPU-s in ${r.seconds.toFixed(0)} s)`,
        }),
        figure(S, `${route}: errors`, r.errors, undefined, { target: '0', met: r.errors === 0, ...(r.firstErrors.length ? { note: r.firstErrors.join('; ') } : {}) }),
      );
    }
    return { figures, results };
  } finally {
    await ground.stop();
  }
}
