/**
 * A workload identity from a cluster's real istiod, obtained as a pod's sidecar obtains it:
 * the real pilot-agent, with Envoy disabled (DISABLE_ENVOY, Istio's proxyless mode), asks
 * istiod's CA (istio.v1.auth.IstioCertificateService over istiod's TLS gRPC port) for a
 * certificate, writes key.pem, cert-chain.pem and root-cert.pem into OUTPUT_CERTS, and
 * renews them as they age (SECRET_TTL, renewed at half of it).
 *
 * It is given what a pod has, through the Kubernetes API only: a token of its service
 * account from the TokenRequest API with audience istio-ca (what istiod's CA authenticates),
 * the namespace's istio-ca-root-cert ConfigMap as ./var/run/secrets/istio/root-cert.pem to
 * trust istiod's endpoint with (kept in sync, as the kubelet syncs a ConfigMap volume, so
 * it follows a root rotation), and the cluster ID istiod runs with. pilot-agent resolves
 * every path relative to its working directory, so each agent has one of its own.
 *
 * Where istiod listens is the one thing a real cluster would give through its Service: the
 * kube pool records it in the istiod Deployment's Available condition.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createPublicKey } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { freePort } from '../ports.ts';
import { PILOT_AGENT_BIN } from '../setup.ts';
import { pemBlocks } from './chain.ts';
import { ObjectWatch } from './object-watch.ts';

export interface WorkloadCertificate {
  /** cert-chain.pem as pilot-agent wrote it: the leaf, then what istiod sent with it. */
  chain: string[];
  keyPem: string;
  /** root-cert.pem as pilot-agent wrote it: the root istiod's answer ended with. */
  roots: string[];
  /** When this client saw it. */
  seenAt: Date;
}

export interface WorkloadAgentOptions {
  /** Access to the cluster's API server, for the token, the root ConfigMap and istiod's Deployment. */
  config: KubeConfig;
  /** Working directories go under it, one per agent, removed by stop(). */
  parentDir: string;
  namespace?: string;
  serviceAccount?: string;
  /** The lifetime pilot-agent asks for (SECRET_TTL); it renews at half of it. */
  ttlSeconds: number;
  /** Where pilot-agent's output goes; inside its working directory by default. */
  logFile?: string;
}

const ISTIO_NAMESPACE = 'istio-system';
/** The sleep sample's identity, as in Istio's own multicluster verification. */
const DEFAULTS = { namespace: 'default', serviceAccount: 'sleep' };
/** Long enough for any test; the token is re-requested well before it ends. */
const TOKEN_SECONDS = 3600;
const POLL_MS = 100;
/** Linux: pilot-agent gets SIGKILL if the test process dies without stopping it. */
const SETPRIV = '/usr/bin/setpriv';

interface Waiter {
  accept: (cert: WorkloadCertificate) => boolean;
  resolve: (cert: WorkloadCertificate) => void;
  reject: (error: Error) => void;
}

export class WorkloadAgent {
  /** The SPIFFE ID istiod is expected to put in this agent's certificates. */
  readonly spiffeId: string;
  private latest: WorkloadCertificate | undefined;
  private lastChainText = '';
  private exit: string | undefined;
  private readonly listeners: ((cert: WorkloadCertificate) => void)[] = [];
  private readonly waiters = new Set<Waiter>();
  private readonly timers: NodeJS.Timeout[] = [];
  private child: ChildProcess | undefined;
  private rootWatch: ObjectWatch | undefined;

  private constructor(
    private readonly options: Required<Omit<WorkloadAgentOptions, 'logFile'>> & { logFile: string },
    private readonly dir: string,
    trustDomain: string,
  ) {
    this.spiffeId = `spiffe://${trustDomain}/ns/${options.namespace}/sa/${options.serviceAccount}`;
  }

  /** Resolves once pilot-agent runs; its first certificate follows within a second or so (see next()). */
  static async start(options: WorkloadAgentOptions): Promise<WorkloadAgent> {
    if (!existsSync(PILOT_AGENT_BIN)) throw new Error(`${PILOT_AGENT_BIN} is missing; sim/setup.ts builds it (sim/istio/build-binaries.sh)`);
    mkdirSync(options.parentDir, { recursive: true });
    const dir = mkdtempSync(join(options.parentDir, 'workload-agent-'));
    const full = { ...DEFAULTS, ...options, logFile: options.logFile ?? join(dir, 'pilot-agent.log') };
    const istiod = await findIstiod(options.config);
    const agent = new WorkloadAgent(full, dir, await trustDomainOf(options.config));
    try {
      await agent.run(istiod);
    } catch (error) {
      await agent.stop();
      throw error;
    }
    return agent;
  }

  /** The newest certificate pilot-agent has written, if any yet. */
  current(): WorkloadCertificate | undefined {
    return this.latest;
  }

  /** Called with every certificate pilot-agent writes from now on. */
  onIssued(listener: (cert: WorkloadCertificate) => void): void {
    this.listeners.push(listener);
  }

  /** The first certificate written after this call that `accept` takes. */
  next(accept: (cert: WorkloadCertificate) => boolean = () => true, timeoutMs = 60_000): Promise<WorkloadCertificate> {
    return new Promise((resolve, reject) => {
      if (this.exit) return reject(this.exitError());
      const waiter: Waiter = { accept, resolve: (cert) => (clearTimeout(timer), resolve(cert)), reject: (error) => (clearTimeout(timer), reject(error)) };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no such certificate from pilot-agent within ${timeoutMs} ms; its log: ${this.options.logFile}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** The current certificate if `accept` takes it, else the next one it takes. */
  async certificate(accept: (cert: WorkloadCertificate) => boolean = () => true, timeoutMs = 60_000): Promise<WorkloadCertificate> {
    return this.latest && accept(this.latest) ? this.latest : this.next(accept, timeoutMs);
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await this.rootWatch?.stop();
    await terminate(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async run(istiod: Istiod): Promise<void> {
    const { config, namespace, serviceAccount, ttlSeconds, logFile } = this.options;
    const core = config.makeApiClient(CoreV1Api);
    await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name: serviceAccount } } }).catch((error: { code?: number }) => {
      if (error.code !== 409) throw error;
    });
    const tokenFile = this.path('var/run/secrets/tokens/istio-token');
    const writeToken = async () => writeFileSync(tokenFile, await token(config, namespace, serviceAccount), { mode: 0o600 });
    await writeToken();
    this.timers.push(setInterval(() => void writeToken().catch(() => undefined), (TOKEN_SECONDS * 1000) / 3).unref());
    await this.syncRoot();

    const out = this.path('out');
    mkdirSync(out);
    const statusPort = await freePort();
    const env = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.dir,
      DISABLE_ENVOY: 'true',
      OUTPUT_CERTS: out,
      SECRET_TTL: `${ttlSeconds}s`,
      // An EC key per renewal instead of RSA 2048: short TTLs renew every second on two shared cores.
      ECC_SIGNATURE_ALGORITHM: 'ECDSA',
      POD_NAME: `${serviceAccount}-workload-agent`,
      POD_NAMESPACE: namespace,
      SERVICE_ACCOUNT: serviceAccount,
      ISTIO_META_CLUSTER_ID: istiod.clusterId,
      TRUST_DOMAIN: this.spiffeId.slice('spiffe://'.length).split('/')[0]!,
      // istiod's serving certificate names its Service, not the loopback address it is reached at here.
      ISTIOD_SAN: `istiod.${ISTIO_NAMESPACE}.svc`,
      // pilot-agent refuses a status port of 0; a free one keeps agents (and gateways) on one machine apart.
      PROXY_CONFIG: JSON.stringify({ discoveryAddress: istiod.caAddress, statusPort }),
    };
    mkdirSync(join(logFile, '..'), { recursive: true });
    const log = openSync(logFile, 'a');
    const [command, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', PILOT_AGENT_BIN, 'proxy', 'sidecar']] : [PILOT_AGENT_BIN, ['proxy', 'sidecar']];
    const child = spawn(command, args, { cwd: this.dir, env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    child.once('exit', (code, signal) => this.exited(`pilot-agent exited (${code ?? signal})`));
    child.once('error', (error) => this.exited(`pilot-agent did not start: ${error.message}`));
    this.timers.push(setInterval(() => this.poll(out), POLL_MS));
  }

  /** The namespace's istio-ca-root-cert as root-cert.pem, now and after every change istiod makes to it. */
  private async syncRoot(): Promise<void> {
    const file = this.path('var/run/secrets/istio/root-cert.pem');
    let failure = 'istiod has not written it yet';
    this.rootWatch = new ObjectWatch(this.options.config, { kind: 'configmaps', namespace: this.options.namespace, name: 'istio-ca-root-cert' }, {
      changed: (data) => {
        // A deleted ConfigMap leaves a mounted volume's last content in place.
        if (data?.['root-cert.pem']) writeFileSync(file, data['root-cert.pem']);
      },
      failed: (reason) => (failure = reason),
    });
    await this.rootWatch.start();
    for (const deadline = Date.now() + 60_000; !existsSync(file); await sleep(POLL_MS)) {
      if (Date.now() > deadline) throw new Error(`no istio-ca-root-cert in namespace ${this.options.namespace}: ${failure}`);
    }
  }

  /** pilot-agent writes the key, then the chain, then the root: a chain is taken once the key beside it matches its leaf. */
  private poll(out: string): void {
    let chainText: string;
    let keyPem: string;
    let rootText: string;
    try {
      chainText = readFileSync(join(out, 'cert-chain.pem'), 'utf8');
      keyPem = readFileSync(join(out, 'key.pem'), 'utf8');
      rootText = readFileSync(join(out, 'root-cert.pem'), 'utf8');
    } catch {
      return;
    }
    if (chainText === this.lastChainText) return;
    const chain = pemBlocks(chainText);
    if (chain.length === 0 || !keyMatches(keyPem, chain[0]!)) return;
    this.lastChainText = chainText;
    const cert: WorkloadCertificate = { chain, keyPem, roots: pemBlocks(rootText), seenAt: new Date() };
    this.latest = cert;
    for (const listener of this.listeners) listener(cert);
    for (const waiter of this.waiters) {
      if (!waiter.accept(cert)) continue;
      this.waiters.delete(waiter);
      waiter.resolve(cert);
    }
  }

  private exited(reason: string): void {
    this.exit ??= reason;
    for (const waiter of this.waiters) waiter.reject(this.exitError());
    this.waiters.clear();
  }

  private exitError(): Error {
    return new Error(`${this.exit}; its log: ${this.options.logFile}`);
  }

  private path(relative: string): string {
    const file = join(this.dir, relative);
    mkdirSync(join(file, '..'), { recursive: true });
    return file;
  }
}

interface Istiod {
  clusterId: string;
  /** host:port of istiod's TLS gRPC (xDS and CA) endpoint, 15012 in a real cluster. */
  caAddress: string;
}

async function findIstiod(config: KubeConfig): Promise<Istiod> {
  const apps = config.makeApiClient(AppsV1Api);
  let seen = 'no istiod Deployment';
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(500)) {
    const deployment = await apps.readNamespacedDeployment({ name: 'istiod', namespace: ISTIO_NAMESPACE }).catch(() => undefined);
    const available = deployment?.status?.conditions?.find((c) => c.type === 'Available' && c.status === 'True');
    const address = /xDS and its CA over TLS at (127\.0\.0\.1:\d+)/.exec(available?.message ?? '')?.[1];
    const clusterId = deployment?.spec?.template.spec?.containers.flatMap((c) => c.env ?? []).find((v) => v.name === 'CLUSTER_ID')?.value;
    if (address && clusterId) return { clusterId, caAddress: address };
    if (deployment) seen = `istiod not available: ${available?.message ?? deployment.status?.conditions?.map((c) => c.message).join('; ') ?? 'no status'}`;
  }
  throw new Error(`no ready istiod in ${config.getCurrentCluster()?.server}: ${seen}`);
}

/** The mesh's trust domain from istiod's mesh config (the `istio` ConfigMap), Istio's default when unset. */
async function trustDomainOf(config: KubeConfig): Promise<string> {
  const mesh = await config.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'istio', namespace: ISTIO_NAMESPACE }).then((m) => m.data?.mesh ?? '', () => '');
  return /^trustDomain:\s*["']?([^"'\s]+)/m.exec(mesh)?.[1] ?? 'cluster.local';
}

async function token(config: KubeConfig, namespace: string, serviceAccount: string): Promise<string> {
  const answer = await config.makeApiClient(CoreV1Api).createNamespacedServiceAccountToken({
    name: serviceAccount,
    namespace,
    body: { spec: { audiences: ['istio-ca'], expirationSeconds: TOKEN_SECONDS } },
  });
  if (!answer.status?.token) throw new Error(`the TokenRequest for ${namespace}/${serviceAccount} returned no token`);
  return answer.status.token;
}

function keyMatches(keyPem: string, leafPem: string): boolean {
  try {
    const spki = (key: ReturnType<typeof createPublicKey>) => key.export({ type: 'spki', format: 'der' });
    return spki(createPublicKey(keyPem)).equals(spki(new X509Certificate(leafPem).publicKey));
  } catch {
    return false;
  }
}

async function terminate(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
