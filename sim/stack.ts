/**
 * The whole proving ground on loopback: Temporal with its Web UI, Moto, the ARM
 * emulator, the kube pool behind both clouds' clusters, and (unless asked not to) the
 * cellbridge worker and API, configured for the emulators exactly as they would be for
 * the clouds. Writes endpoints.json.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startMoto } from './aws/moto.ts';
import { exitOf, startProcess, type RunningProcess } from './child-process.ts';
import { startHostsDns } from './dns/hosts-dns.ts';
import { provingGroundReleases, serveChartRepo, writeIstioReleases } from './istio/chart-repo.ts';
import { startKubePool } from './kube/launch.ts';
import { freePort, waitForPort } from './ports.ts';
import { ISTIO_DIR, PYTHON, REPO, setupStack, TEMPORAL_BIN } from './setup.ts';
import { ensureTls } from './tls.ts';
import { freshWorkflowBundle } from './workflow-bundle.ts';

export interface StackOptions {
  /** Where logs, the codec key and endpoints.json go. */
  dir: string;
  timeScale: number;
  /** Fixed ports for `npm start`; tests leave them out and get free ones. */
  ports?: { temporal: number; ui: number; api: number; aws: number; azure: number; kube: number };
  /** Start the worker and the API too. */
  product: boolean;
  /** Keep Temporal's state in a file across restarts (npm start) instead of in memory (tests). */
  persistent?: boolean;
  /**
   * Run the cells' data plane (sim/README.md, "Real east-west gateways"): real gateways and
   * sidecars, the probe, and backbone links that follow the tunnel fabric's BGP sessions.
   */
  dataPlane?: boolean;
}

export interface Endpoints {
  temporal: { address: string; ui: string };
  api: string;
  aws: string;
  azure: string;
  /** The kube pool (sim/README.md "Kubernetes control planes"). */
  kube: string;
  timeScale: number;
  /** The environment a worker or API process needs to work against this stack. */
  productEnv: Record<string, string>;
}

export interface Stack {
  endpoints: Endpoints;
  stop(): Promise<void>;
  /**
   * Kills Temporal with `signal` and starts it again on the same ports; only a persistent
   * stack keeps its workflows across (chaos tests: the server dies mid-run).
   */
  restartTemporal(signal?: NodeJS.Signals): Promise<void>;
}

/** The stack's AWS access key: Moto accepts any, and the kube pool verifies EKS tokens with it. */
const AWS_CREDENTIALS = { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' };

export async function startStack(options: StackOptions): Promise<Stack> {
  setupStack();
  const tls = ensureTls();
  mkdirSync(join(options.dir, 'logs'), { recursive: true });
  const log = (name: string) => join(options.dir, 'logs', `${name}.log`);
  // Every emulator's port is known before any starts: Moto, the ARM emulator and the kube pool call each other.
  const ports = options.ports ?? { temporal: await freePort(), ui: await freePort(), api: await freePort(), aws: await freePort(), azure: await freePort(), kube: await freePort() };
  const urls = {
    aws: `http://127.0.0.1:${ports.aws}`,
    azure: `https://127.0.0.1:${ports.azure}`,
    kube: `http://127.0.0.1:${ports.kube}`,
    api: `http://127.0.0.1:${ports.api}`,
    ui: `http://127.0.0.1:${ports.ui}`,
  };
  const running: { stop(): Promise<void> }[] = [];
  const stop = async () => {
    for (const p of running.reverse()) await p.stop().catch(() => undefined);
  };
  try {
    let temporal = startTemporal(options, ports, urls.api, log('temporal'));
    const started = await Promise.allSettled([
      temporal,
      startMoto({ port: ports.aws, timeScale: options.timeScale, fabricUrl: `${urls.azure}/_sim/fabric`, fabricCa: tls.caPath, kubeUrl: urls.kube, python: PYTHON, logFile: log('aws') }),
      startProcess({
        name: 'azure-emulator',
        command: process.execPath,
        args: ['--import', 'tsx', join(REPO, 'sim/azure/main.ts'), '--port', String(ports.azure), '--time-scale', String(options.timeScale), '--aws-view-url', `${urls.aws}/_sim/vpn-view`, '--kube-url', urls.kube],
        ready: /^READY /,
        logFile: log('azure'),
      }),
      startKubePool({
        port: ports.kube, dir: join(options.dir, 'kube'), awsEndpoint: urls.aws, credentials: AWS_CREDENTIALS, logFile: log('kube'),
        ...(options.dataPlane ? { dataPlane: true, fabric: { url: `${urls.azure}/_sim/fabric`, caPath: tls.caPath } } : {}),
      }),
    ]);
    // Whatever did start is stopped with the stack, also when another part failed (the pool owns etcd and API servers).
    for (const result of started) if (result.status === 'fulfilled') running.push(result.value);
    const failed = started.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    // The clouds' DNS for load-balancer names: what the pool publishes in its hosts file (sim/kube/hosts-file.ts).
    const dns = await startHostsDns(join(options.dir, 'kube', 'hosts'));
    running.push(dns);
    // Istio's charts as a deployment gets them: from a chart repository, at a chart version.
    const chartRepo = await serveChartRepo(join(ISTIO_DIR, 'chart-repo'));
    running.push(chartRepo);
    const istioReleases = writeIstioReleases(join(options.dir, 'istio-releases.json'), provingGroundReleases(chartRepo.url));
    const endpoints: Endpoints = {
      temporal: { address: `127.0.0.1:${ports.temporal}`, ui: urls.ui },
      api: urls.api,
      aws: urls.aws,
      azure: urls.azure,
      kube: urls.kube,
      timeScale: options.timeScale,
      productEnv: productEnv(options, ports, urls, tls.caPath, dns.server, istioReleases),
    };
    if (options.product) {
      // Together: neither needs the other to start, and each spends seconds loading its modules.
      const product = await Promise.allSettled([startProduct('worker', endpoints.productEnv, log('worker')), startProduct('api', endpoints.productEnv, log('api'))]);
      for (const result of product) if (result.status === 'fulfilled') running.push(result.value);
      const failedProduct = product.find((result) => result.status === 'rejected');
      if (failedProduct) throw failedProduct.reason;
    }
    writeFileSync(join(options.dir, 'endpoints.json'), JSON.stringify(endpoints, null, 2), { mode: 0o600 });
    const restartTemporal = async (signal: NodeJS.Signals = 'SIGKILL') => {
      const old = await temporal;
      await old.stop(signal);
      temporal = startTemporal(options, ports, urls.api, log('temporal'));
      const restarted = await temporal;
      // The stack's stop() stops the server that runs now, not the one that died.
      running[running.indexOf(old)] = restarted;
    };
    return { endpoints, stop, restartTemporal };
  } catch (error) {
    await stop();
    throw error;
  }
}

export function startProduct(which: 'worker' | 'api', env: Record<string, string>, logFile: string, extraEnv: Record<string, string> = {}): Promise<RunningProcess> {
  return startProcess({
    name: which,
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO, which, 'main.ts')],
    env: { ...env, ...extraEnv, CELLBRIDGE_WORKFLOW_BUNDLE: freshWorkflowBundle(process.env) },
    ready: which === 'worker' ? /worker polling/ : /API listening/,
    logFile,
    timeoutMs: 120_000,
  });
}

async function startTemporal(options: StackOptions, ports: { temporal: number; ui: number }, apiUrl: string, logFile: string): Promise<RunningProcess> {
  const args = [
    'server', 'start-dev', '--ip', '127.0.0.1', '--port', String(ports.temporal), '--ui-port', String(ports.ui),
    '--search-attribute', 'CellbridgeMesh=Keyword', '--search-attribute', 'CellbridgePhase=Keyword',
    '--ui-codec-endpoint', `${apiUrl}/codec`, '--log-level', 'warn',
  ];
  if (options.persistent) args.push('--db-filename', join(options.dir, 'temporal.db'));
  const process = await startProcess({ name: 'temporal', command: TEMPORAL_BIN, args, logFile });
  const exited = exitOf(process, logFile);
  exited.catch(() => undefined);
  await Promise.race([(async () => (await waitForPort(ports.temporal), await waitForPort(ports.ui)))(), exited]);
  return process;
}

/** The worker and API settings for this stack: emulator endpoints, scaled polling, loopback-only auth. */
function productEnv(options: StackOptions, ports: { temporal: number; api: number }, urls: { aws: string; azure: string; ui: string }, caPath: string, dnsServer: string, istioReleases: string): Record<string, string> {
  const scaled = (realMs: number, floorMs: number) => String(Math.max(floorMs, Math.round(realMs / options.timeScale)));
  return {
    TEMPORAL_ADDRESS: `127.0.0.1:${ports.temporal}`,
    CELLBRIDGE_CODEC_KEY: codecKey(options.dir),
    CELLBRIDGE_CODEC_KEY_ID: 'local-stack',
    CELLBRIDGE_AWS_ENDPOINT: urls.aws,
    AWS_ACCESS_KEY_ID: AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: AWS_CREDENTIALS.secretAccessKey,
    CELLBRIDGE_AZURE_ENDPOINT: urls.azure,
    CELLBRIDGE_AZURE_CREDENTIAL: 'emulator',
    CELLBRIDGE_DNS_SERVERS: dnsServer,
    NODE_EXTRA_CA_CERTS: caPath,
    CELLBRIDGE_POLL_INITIAL_MS: scaled(5_000, 100),
    CELLBRIDGE_POLL_MAX_MS: scaled(30_000, 500),
    // The emulators play each kind's latency divided by the time scale: the worker expects the same.
    CELLBRIDGE_CLOUD_TIME_SCALE: String(options.timeScale),
    CELLBRIDGE_AWS_REQUEST_TIMEOUT_MS: '10000',
    CELLBRIDGE_HEARTBEAT_TIMEOUT_MS: '10000',
    CELLBRIDGE_BGP_POLL_INITIAL_MS: scaled(5_000, 200),
    CELLBRIDGE_BGP_POLL_MAX_MS: scaled(60_000, 1_000),
    CELLBRIDGE_API_PORT: String(ports.api),
    CELLBRIDGE_INSECURE_NO_AUTH: '1',
    CELLBRIDGE_CODEC_CORS_ORIGIN: urls.ui,
    // What sim/istio/fetch.sh put in .stack/istio: the real helm, and Istio's charts served as a chart repository.
    CELLBRIDGE_HELM: join(REPO, '.stack', 'istio', 'bin', 'helm'),
    // helm's work here takes seconds: a release a lost answer left pending is taken back after a minute, not five.
    CELLBRIDGE_HELM_TIMEOUT_MS: '60000',
    CELLBRIDGE_ISTIO_RELEASES: istioReleases,
    CELLBRIDGE_ISTIO_CHART_CACHE: join(options.dir, 'istio-charts'),
    CELLBRIDGE_GATEWAY_API_CRDS: join(REPO, '.stack', 'istio', 'gateway-api', 'standard'),
  };
}

/** One random AES-256 key per stack folder, kept so a restarted stack can read its old history. */
function codecKey(dir: string): string {
  const file = join(dir, 'codec.key');
  if (!existsSync(file)) writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}
