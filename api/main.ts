/** The API process: validates specs, starts and inspects mesh workflows, serves the codec endpoint. */
import { Client, Connection } from '@temporalio/client';
import { numberSetting, temporalSettings } from '../domain/settings.ts';
import { workflowSettingsFromEnv } from '../domain/workflow-settings.ts';
import { authenticatorFromEnv, isInsecureLoopback } from './auth.ts';
import { Drills } from './drills.ts';
import { apiMetrics, serveApiMetrics } from './metrics.ts';
import { Meshes } from './meshes.ts';
import { Rotations } from './rotations.ts';
import { createApiServer, type TemporalAccess } from './server.ts';
import { within } from './temporal-errors.ts';
import { istioReleasesFromEnv } from '../worker/istio-releases.ts';
import { reloadingConnection, watchApiKey } from '../worker/temporal-connection.ts';
import { jsonLogger } from '../worker/logger.ts';
import { clientInterceptors, startTracing } from '../worker/tracing.ts';

async function main(): Promise<void> {
  const env = process.env;
  const log = jsonLogger('cellbridge-api', env.CELLBRIDGE_LOG_LEVEL);
  // The same list the workers install from: a version they could not install is refused here.
  const istioReleases = istioReleasesFromEnv(env);
  const host = env.CELLBRIDGE_API_HOST ?? '127.0.0.1';
  const port = numberSetting(env, 'CELLBRIDGE_API_PORT', 8080);
  const authenticate = authenticatorFromEnv(env, host);
  const temporal = temporalSettings(env);
  const tracing = startTracing(env, 'cellbridge-api');
  // Lazy: the API starts (and /healthz answers) while Temporal is down; routes that need it answer 503 until it is back.
  // Replaced, with its Client, when the mutual-TLS client certificate changes.
  const { connection, used: client } = reloadingConnection(
    temporal.connection,
    // Tracing's client interceptor begins the trace a mesh's workflow and activities continue.
    (current) => new Client({ connection: current, namespace: temporal.namespace, dataConverter: temporal.dataConverter, interceptors: clientInterceptors(tracing) }),
    {
      reloaded: () => log.info('reconnected to Temporal with the changed client certificate'),
      failed: (error) => log.error({ error: errorText(error) }, 'reloading the Temporal client certificate failed; the API keeps its connection'),
    },
  );
  watchApiKey(temporal.connection, [connection], (error) => log.error({ error: errorText(error) }, 'reloading the Temporal API key failed'));
  const statusMaxAgeMs = numberSetting(env, 'CELLBRIDGE_API_STATUS_MAX_AGE_MS', 1000);
  const meshes = new Meshes(client, temporal.taskQueue, workflowSettingsFromEnv(env, numberSetting), istioReleases, statusMaxAgeMs);
  const rotations = new Rotations(client, temporal.taskQueue);
  // The failover drill's probe image (probe/README.md): built from probe/ and pushed where the clusters can pull it.
  const drills = new Drills(client, temporal.taskQueue, env.CELLBRIDGE_PROBE_IMAGE ?? 'cellbridge/probe:latest', statusMaxAgeMs);
  const access = temporalAccess(connection, numberSetting(env, 'CELLBRIDGE_API_TEMPORAL_TIMEOUT_MS', 4_000));
  const server = createApiServer({
    authenticate,
    // Audit lines are their own record (api/audit.ts), apart from the process's log.
    audit: (entry) => process.stdout.write(`${JSON.stringify(entry)}\n`),
    log,
    loopbackOnly: isInsecureLoopback(env),
    meshes,
    rotations,
    drills,
    codec: temporal.codec,
    temporal: access,
    codecCorsOrigin: env.CELLBRIDGE_CODEC_CORS_ORIGIN,
  });
  await server.listen({ port, host });
  if (env.CELLBRIDGE_API_METRICS_PORT) {
    await serveApiMetrics(apiMetrics(meshes, client, access), env.CELLBRIDGE_METRICS_HOST ?? '127.0.0.1', numberSetting(env, 'CELLBRIDGE_API_METRICS_PORT', 0));
  }
  log.info({ host, port }, `cellbridge API listening on http://${host}:${port}`);
}

/** How much longer than the gRPC deadline the API waits before it answers 503 itself. */
const DEADLINE_GRACE_MS = 500;

function temporalAccess(connection: Connection, timeoutMs: number): TemporalAccess {
  return {
    // The gRPC deadline ends the calls; `within` answers the client on time even while the client's retry backoff sleeps past it.
    // `within` waits a little longer, so a call that reached its deadline is reported as itself (a query no worker answered).
    bounded: (fn) => within(connection.withDeadline(Date.now() + timeoutMs, fn), timeoutMs + DEADLINE_GRACE_MS),
    ready: () => {
      const readyMs = Math.min(timeoutMs, 2_000);
      return within(connection.withDeadline(Date.now() + readyMs, () => connection.healthService.check({})), readyMs)
        .then(() => true)
        .catch(() => false);
    },
    retryAfterSeconds: Math.max(1, Math.ceil(timeoutMs / 1000)),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// A process that could not start (a wrong setting) says why in plain text on stderr, for the person starting it.
main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
