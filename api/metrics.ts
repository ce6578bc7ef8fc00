/**
 * The API's metrics (prom-client), read from Temporal at scrape time: meshes by phase (the
 * CellbridgePhase search attribute of each mesh's newest run), and rotations and drills by
 * workflow status. When Temporal cannot be reached those series are left out (a scrape
 * never fails for it) and cellbridge_api_temporal_reachable says so.
 */
import type { Client } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Meshes } from './meshes.ts';
import type { TemporalAccess } from './server.ts';

/** Workflow types whose runs are counted by status: CA rotations and failover drills. */
const COUNTED_WORKFLOWS = ['rotateCa', 'runDrill'];

export function apiMetrics(meshes: Meshes, client: Client, temporal: TemporalAccess): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cellbridge_api_' });
  new Gauge({
    name: 'cellbridge_api_temporal_reachable',
    help: '1 when Temporal answers the API\'s health check, else 0',
    registers: [registry],
    async collect() {
      this.set((await temporal.ready()) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'cellbridge_meshes',
    help: 'Meshes by the phase of their newest run',
    labelNames: ['phase'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const phases = await temporal.bounded(() => meshes.list()).then(
        (reply) => (reply.body as { meshes: { phase?: string }[] }).meshes.map((m) => m.phase ?? 'Unknown'),
        () => undefined,
      );
      for (const phase of phases ?? []) this.inc({ phase });
    },
  });
  new Gauge({
    name: 'cellbridge_workflows',
    help: 'Runs of CA rotations (rotateCa) and failover drills (runDrill) by workflow status',
    labelNames: ['type', 'status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const type of COUNTED_WORKFLOWS) {
        const counted = await temporal.bounded(() => client.workflow.count(`WorkflowType = "${type}" GROUP BY ExecutionStatus`)).catch(() => undefined);
        for (const group of counted?.groups ?? []) this.set({ type, status: String(group.groupValues[0]) }, group.count);
      }
    },
  });
  return registry;
}

export async function serveApiMetrics(registry: Registry, host: string, port: number): Promise<FastifyInstance> {
  const app = Fastify();
  app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  await app.listen({ host, port });
  return app;
}
