/**
 * cellbridge's own metrics in the worker (prom-client), beside the Temporal SDK's runtime
 * metrics, which the SDK serves on its own port (main.ts). Served on /metrics.
 */
import { createServer, type Server } from 'node:http';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { CloudCallObserver } from '../activities/cloud-call-metrics.ts';

export interface WorkerMetrics {
  registry: Registry;
  /** One resource activity attempt: create, update or delete of one kind, and how it ended. */
  resourceOperation: Histogram<'verb' | 'kind' | 'outcome'>;
  bgpEstablished: Histogram;
  observeCloudCall: CloudCallObserver;
}

/** Seconds: a Kubernetes object takes under a second, an Azure VPN gateway 45 minutes. */
const OPERATION_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 1800, 3600, 7200];

export function createWorkerMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'cellbridge_worker_' });
  const cloudCalls = new Counter({
    name: 'cellbridge_cloud_api_calls_total',
    help: 'Calls to a cloud API as sent on the wire (each SDK retry counts), by cloud, operation and code (OK, the error code, or the HTTP status)',
    labelNames: ['cloud', 'operation', 'code'] as const,
    registers: [registry],
  });
  return {
    registry,
    resourceOperation: new Histogram({
      name: 'cellbridge_resource_operation_seconds',
      help: 'Duration of one attempt to create, update or delete a resource (until the cloud reports it done), by kind and outcome (ok, or error: the attempt failed and may be retried)',
      labelNames: ['verb', 'kind', 'outcome'] as const,
      buckets: OPERATION_BUCKETS,
      registers: [registry],
    }),
    bgpEstablished: new Histogram({
      name: 'cellbridge_bgp_established_seconds',
      help: 'Time from the first observation of a mesh\'s tunnels to BGP Established on all of them, as seen by this worker',
      buckets: OPERATION_BUCKETS,
      registers: [registry],
    }),
    observeCloudCall: (cloud, operation, code) => cloudCalls.inc({ cloud, operation, code }),
  };
}

export async function serveMetrics(registry: Registry, host: string, port: number): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') return void response.writeHead(404).end();
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: Error) => response.writeHead(500).end(error.message),
    );
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, host, resolve));
  return server;
}
