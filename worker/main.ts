/** The worker process: polls the task queue and runs the workflows and activities of every mesh. */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.ts';
import { createCloudClients } from '../activities/cloud-clients.ts';
import { HELM_TIMEOUT_MS } from '../activities/kube/helm.ts';
import { numberSetting, temporalSettings } from '../domain/settings.ts';
import { activityMetrics } from './activity-metrics.ts';
import { azureCredential } from './azure-credential.ts';
import { paceHeapGrowth } from './heap-growth.ts';
import { workerLogger } from './logger.ts';
import { istioReleasesFromEnv } from './istio-releases.ts';
import { createWorkerMetrics, serveMetrics } from './metrics.ts';
import { reloadingConnection, reloadWorkerCredentials, temporalConnectionOptions } from './temporal-connection.ts';
import { activityInterceptors, clientInterceptors, startTracing, workflowSpanSinks } from './tracing.ts';
import { workflowCode, workflowInterceptorModules } from './workflow-code.ts';

async function main(): Promise<void> {
  const env = process.env;
  const heapGrowthPercent = paceHeapGrowth(env);
  const logger = workerLogger(env.CELLBRIDGE_LOG_LEVEL);
  const istioReleases = istioReleasesFromEnv(env);
  const metricsHost = env.CELLBRIDGE_METRICS_HOST ?? '127.0.0.1';
  const sdkMetricsPort = optionalPort(env, 'CELLBRIDGE_WORKER_SDK_METRICS_PORT');
  // Before the first connection: the runtime is what every connection and worker reports through.
  Runtime.install({
    logger: logger.temporal,
    telemetryOptions: {
      logging: { filter: { core: 'WARN', other: 'ERROR' }, forward: {} },
      ...(sdkMetricsPort ? { metrics: { prometheus: { bindAddress: `${metricsHost}:${sdkMetricsPort}` } } } : {}),
    },
  });
  const metrics = createWorkerMetrics();
  const tracing = startTracing(env, 'cellbridge-worker');
  const metricsPort = optionalPort(env, 'CELLBRIDGE_WORKER_METRICS_PORT');
  if (metricsPort) await serveMetrics(metrics.registry, metricsHost, metricsPort);
  const temporal = temporalSettings(env);
  const connection = await NativeConnection.connect(temporalConnectionOptions(temporal.connection));
  // Rotation activities talk to mesh workflows and schedules, with the same encryption. Replaced,
  // with its Client, when the mutual-TLS client certificate changes, as the API's is.
  const { connection: clientConnection, used: client } = reloadingConnection(
    temporal.connection,
    (current) => new Client({ connection: current, namespace: temporal.namespace, dataConverter: temporal.dataConverter, interceptors: clientInterceptors(tracing) }),
    {
      reloaded: () => logger.pino.info('the rotation client reconnected to Temporal with the changed client certificate'),
      failed: (error) => logger.pino.error({ error: error instanceof Error ? error.message : String(error) }, 'reloading the rotation client certificate failed; it keeps its connection'),
    },
  );
  const clients = createCloudClients({
    aws: { endpoint: env.CELLBRIDGE_AWS_ENDPOINT, requestTimeoutMs: numberSetting(env, 'CELLBRIDGE_AWS_REQUEST_TIMEOUT_MS', 30_000) },
    azure: { endpoint: env.CELLBRIDGE_AZURE_ENDPOINT, credential: azureCredential(env.CELLBRIDGE_AZURE_CREDENTIAL, env.CELLBRIDGE_AZURE_ENDPOINT) },
    observeCall: metrics.observeCloudCall,
  });
  const worker = await Worker.create({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    ...workflowCode(env),
    activities: createActivities({
      clients,
      poll: {
        initialMs: numberSetting(env, 'CELLBRIDGE_POLL_INITIAL_MS', 5_000),
        maxMs: numberSetting(env, 'CELLBRIDGE_POLL_MAX_MS', 30_000),
        factor: 1.5,
        cloudTimeScale: numberSetting(env, 'CELLBRIDGE_CLOUD_TIME_SCALE', 1),
      },
      helm: {
        binary: env.CELLBRIDGE_HELM ?? 'helm',
        istioReleases,
        chartCacheDir: env.CELLBRIDGE_ISTIO_CHART_CACHE ?? join(tmpdir(), 'cellbridge-istio-charts'),
        gatewayApiCrdsDir: env.CELLBRIDGE_GATEWAY_API_CRDS ?? 'gateway-api',
        commandTimeoutMs: numberSetting(env, 'CELLBRIDGE_HELM_TIMEOUT_MS', HELM_TIMEOUT_MS),
      },
      temporal: { client, taskQueue: temporal.taskQueue },
      dnsServers: env.CELLBRIDGE_DNS_SERVERS?.split(',').map((s) => s.trim()).filter(Boolean),
    }),
    dataConverter: temporal.dataConverter,
    interceptors: { activity: [activityMetrics(metrics), ...activityInterceptors(tracing)], workflowModules: workflowInterceptorModules(env) },
    sinks: workflowSpanSinks(tracing),
    // A create activity holds its slot while it polls a long operation (a 45-minute gateway),
    // and it mostly waits: the SDK's default of 100 slots queues everything else at 100 meshes.
    maxConcurrentActivityTaskExecutions: numberSetting(env, 'CELLBRIDGE_MAX_CONCURRENT_ACTIVITIES', 1000),
  });
  reloadWorkerCredentials(temporal.connection, worker, [clientConnection], {
    reloaded: () => logger.pino.info('reconnected to Temporal with the changed credentials'),
    failed: (error) => logger.pino.error({ error: error instanceof Error ? error.message : String(error) }, 'reloading the Temporal credentials failed; the worker keeps its connection'),
  });
  logger.pino.info({ taskQueue: temporal.taskQueue, address: temporal.address, metricsPort, sdkMetricsPort, heapGrowthPercent }, `cellbridge worker polling ${temporal.taskQueue} on ${temporal.address}`);
  await worker.run();
  await tracing?.shutdown();
}

function optionalPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  return env[name] ? numberSetting(env, name, 0) : undefined;
}

main().then(
  // run() resolves once a shutdown signal (the SDK's defaults include SIGTERM) drained the worker; the
  // open gRPC connections and metrics servers would keep the process alive until the kubelet's SIGKILL.
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
