// One istiod pod of an istiod Deployment, run as the kubelet would run its `discovery`
// container, but as a local process of the real pilot-discovery outside any cluster:
// - identity: the pod's service account. A token from the TokenRequest API (refreshed
//   before it expires, as the kubelet does) in a kubeconfig with the cluster's server and
//   CA, so istiod is subject to the RBAC its chart grants;
// - files: the pod's Secret volumes (the chart's optional `cacerts` at /etc/cacerts)
//   projected under a working directory of its own, kept in sync with the Secret; istiod
//   reads `./etc/cacerts` relative to it and watches it for rotations;
// - environment: the container's env (cluster ID, network, revision, …) with the downward
//   API resolved; args: the container's, plus loopback addresses for everything istiod binds;
// - mesh config: the `istio` ConfigMap's, given as istiod's mesh file and kept in sync, with
//   the settings upstream Envoy needs (upstream-envoy.ts), as are two feature flags;
// - readiness: the chart's probe (GET /ready on istiod's HTTP port), polled while it runs;
//   a container that exits is restarted with backoff.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { httpStatus, terminate } from './local-process.ts';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../ports.ts';
import type { AdminClient, KubeObject } from './admin-client.ts';
import { containerEnv, type EnvVar } from './container-env.ts';
import { projectSecretVolume } from './secret-volume.ts';
import { meshForUpstreamEnvoy, UPSTREAM_ENVOY_ISTIOD_ENV } from './upstream-envoy.ts';

interface Container {
  name: string;
  args?: string[];
  env?: EnvVar[];
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface IstiodDeployment extends KubeObject {
  spec: {
    replicas?: number;
    template: { spec: { serviceAccountName?: string; containers: Container[]; volumes?: { name: string; secret?: { secretName: string; optional?: boolean } }[] } };
  };
  status?: Record<string, unknown> & { conditions?: { type: string; status: string; message?: string }[] };
}

export interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

export interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

/** What the pods of one cluster share. */
export interface IstiodHost {
  clusterKey: string;
  apiServerPort: number;
  caPath: string;
  /** pilot-discovery. */
  bin: string;
  /** Pods' working directories go under it. */
  dir: string;
  logDir: string;
  /** The name server istiod's resolv.conf names (the pool's, sim/kube/istiod-dns.ts), if any. */
  nameserver?: string;
  client: AdminClient;
  log(line: string): void;
}

export interface PodStatus {
  ready: boolean;
  /** Why not ready, or what answers. */
  detail: string;
  /** istiod's HTTP (readiness and debug) address once it runs. */
  url?: string;
}

/** The container istiod's chart runs. */
const CONTAINER = 'discovery';
const PROBE_MS = 2_000;
const RESTART_FIRST_MS = 2_000;
const RESTART_MAX_MS = 30_000;
const TOKEN_SECONDS = 24 * 3600;
/** istiod's default `--meshConfig`, relative to its working directory. */
const MESH_FILE = 'etc/istio/config/mesh';
/** Linux: istiod gets SIGKILL if the pool process dies without stopping it, so none outlives its pool. */
const SETPRIV = '/usr/bin/setpriv';
const UNSHARE = '/usr/bin/unshare';

interface SecretMount {
  dir: string;
  namespace: string;
  secretName: string;
  optional: boolean;
}

export class IstiodPod {
  status: PodStatus = { ready: false, detail: 'starting' };
  readonly uid: string;
  readonly templateHash: string;
  private readonly abort = new AbortController();
  private readonly workdir: string;
  private readonly logFile: string;
  private readonly container: Container;
  private readonly mounts: SecretMount[];
  private readonly podName: string;
  /** The ConfigMap istiod reads its mesh config from: `istio`, or `istio-<revision>`. */
  private readonly meshConfigMap: string;
  private child?: ChildProcess;
  private xdsTls = '';
  private tokenTimer?: NodeJS.Timeout;
  private prepared = false;
  private readonly done: Promise<void>;

  constructor(
    private readonly host: IstiodHost,
    private readonly deployment: IstiodDeployment,
    private readonly onStatus: (status: PodStatus) => void,
  ) {
    const { namespace = 'default', name, uid } = deployment.metadata;
    const pod = deployment.spec.template.spec;
    this.uid = uid;
    this.templateHash = templateHash(deployment);
    this.podName = `${name}-${this.templateHash}-${uid.slice(0, 5)}`;
    // Its own directory, as each pod has: a replaced pod may still be cleaning up while its successor starts.
    this.workdir = join(host.dir, `${namespace}-${name}-${randomBytes(4).toString('hex')}`);
    this.logFile = join(host.logDir, 'istiod', `${host.clusterKey}-${namespace}-${name}.log`);
    this.container = pod.containers.find((c) => c.name === CONTAINER) ?? pod.containers[0]!;
    const revision = this.container.env?.find((e) => e.name === 'REVISION')?.value ?? '';
    this.meshConfigMap = revision && revision !== 'default' ? `istio-${revision}` : 'istio';
    const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
    this.mounts = (this.container.volumeMounts ?? []).flatMap((mount) => {
      const secret = volumes.get(mount.name)?.secret;
      return secret ? [{ dir: join(this.workdir, mount.mountPath), namespace, secretName: secret.secretName, optional: secret.optional ?? false }] : [];
    });
    this.done = this.run();
  }

  /** The kubelet's view of a Secret this pod mounts: changed (or, with `data` undefined, deleted). */
  secretChanged(namespace: string, name: string, data: Record<string, string> | undefined): void {
    if (!this.prepared) return; // the pod's start reads its Secrets itself
    for (const mount of this.mounts) {
      if (mount.namespace !== namespace || mount.secretName !== name) continue;
      // A deleted optional Secret empties its volume; a required one keeps what it had.
      if (data || mount.optional) projectSecretVolume(mount.dir, data ?? {});
    }
  }

  /** Where istiod serves xDS and its CA over TLS (its port 15012 in a pod), once it is ready. */
  get xdsAddress(): { host: string; port: number } | undefined {
    if (!this.status.ready || !this.xdsTls) return undefined;
    const [host = '', port = ''] = this.xdsTls.split(':');
    return { host, port: Number(port) };
  }

  /** The mesh ConfigMap changed (or, with `data` undefined, was deleted): istiod watches its mesh file. */
  configMapChanged(namespace: string, name: string, data: Record<string, string> | undefined): void {
    if (!this.prepared || namespace !== (this.deployment.metadata.namespace ?? 'default') || name !== this.meshConfigMap) return;
    this.writeMesh(data?.mesh);
  }

  private writeMesh(meshYaml: string | undefined): void {
    const file = join(this.workdir, MESH_FILE);
    mkdirSync(join(file, '..'), { recursive: true });
    // Whole files only: istiod reloads on every write it sees.
    writeFileSync(`${file}.tmp`, meshForUpstreamEnvoy(meshYaml));
    renameSync(`${file}.tmp`, file);
  }

  /** Stops istiod (the pod is deleted) and removes its working directory. */
  async stop(): Promise<void> {
    this.abort.abort();
    clearInterval(this.tokenTimer);
    await terminate(this.child);
    await this.done;
    rmSync(this.workdir, { recursive: true, force: true });
  }

  private get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  private async run(): Promise<void> {
    let backoff = RESTART_FIRST_MS;
    while (!this.stopped) {
      const started = Date.now();
      try {
        const child = await this.start();
        const exit = await this.probeUntilExit(child);
        if (!this.stopped) this.report({ ready: false, detail: `istiod exited (${exit}); see ${this.logFile}` });
      } catch (error) {
        if (!this.stopped) this.report({ ready: false, detail: (error as Error).message });
      }
      if (Date.now() - started > 60_000) backoff = RESTART_FIRST_MS;
      await sleep(backoff, undefined, { signal: this.abort.signal }).catch(() => undefined);
      backoff = Math.min(backoff * 2, RESTART_MAX_MS);
    }
  }

  /** Everything the kubelet does before the container runs, then the process itself. */
  private async start(): Promise<ChildProcess> {
    const { bin, client } = this.host;
    if (!existsSync(bin)) throw new Error(`${bin} is missing; sim/setup.ts builds it (sim/istio/build-binaries.sh)`);
    const { namespace = 'default' } = this.deployment.metadata;
    const account = this.deployment.spec.template.spec.serviceAccountName ?? 'default';
    this.prepared = false;
    clearInterval(this.tokenTimer);
    rmSync(this.workdir, { recursive: true, force: true });
    mkdirSync(this.workdir, { recursive: true });
    mkdirSync(join(this.host.logDir, 'istiod'), { recursive: true });

    const tokenFile = join(this.workdir, 'token');
    const writeToken = async () => writeFileSync(tokenFile, await this.token(namespace, account), { mode: 0o600 });
    await writeToken();
    // client-go re-reads a kubeconfig's tokenFile, so a refreshed token reaches istiod as it would from a projected volume.
    this.tokenTimer = setInterval(() => void writeToken().catch((e: Error) => this.host.log(`istiod token refresh: ${e.message}`)), TOKEN_SECONDS * 800).unref();
    const kubeconfig = join(this.workdir, 'kubeconfig');
    writeFileSync(kubeconfig, this.kubeconfig(tokenFile), { mode: 0o600 });

    for (const mount of this.mounts) {
      const secret = await client.call<SecretObject>('GET', `/api/v1/namespaces/${mount.namespace}/secrets/${mount.secretName}`).catch((error: { status?: number }) => {
        if (error.status === 404 && mount.optional) return undefined;
        throw error;
      });
      projectSecretVolume(mount.dir, secret?.data ?? {});
    }
    const mesh = await client.call<ConfigMapObject>('GET', `/api/v1/namespaces/${namespace}/configmaps/${this.meshConfigMap}`).catch((error: { status?: number }) => {
      if (error.status === 404) return undefined;
      throw error;
    });
    this.writeMesh(mesh?.data?.mesh);
    this.prepared = true;

    const ports = { http: await freePort(), grpc: await freePort(), secureGrpc: await freePort(), monitoring: await freePort(), https: await freePort(), ctrlz: await freePort() };
    const env = {
      ...containerEnv(this.container.env ?? [], {
        name: this.podName, namespace, uid: this.uid, serviceAccountName: account, podIp: '127.0.0.1', nodeName: 'simulated-node', cpuLimit: 1,
      }),
      HOME: this.workdir,
      // The chart points KUBECONFIG at an optional remote-cluster Secret; here the pod's own identity is a kubeconfig.
      KUBECONFIG: kubeconfig,
      // Two cores for the whole proving ground: one per istiod is plenty for a handful of objects.
      GOMAXPROCS: '1',
      // istiod would switch its webhooks to fail closed once it serves them, but the API servers cannot reach a local process.
      VALIDATION_WEBHOOK_CONFIG_NAME: '',
      INJECTION_WEBHOOK_CONFIG_NAME: '',
      ...UPSTREAM_ENVOY_ISTIOD_ENV,
    };
    const args = [
      ...(this.container.args ?? ['discovery']),
      `--kubeconfig=${kubeconfig}`,
      `--httpAddr=127.0.0.1:${ports.http}`,
      `--grpcAddr=127.0.0.1:${ports.grpc}`,
      `--secureGRPCAddr=127.0.0.1:${ports.secureGrpc}`,
      `--monitoringAddr=127.0.0.1:${ports.monitoring}`,
      `--httpsAddr=127.0.0.1:${ports.https}`,
      `--ctrlz_port=${ports.ctrlz}`,
      '--ctrlz_address=127.0.0.1',
      // A deleted pod's process has nothing to drain here.
      '--shutdownDuration=1s',
    ];
    if (this.stopped) throw new Error('the pod was deleted before istiod started');
    const log = openSync(this.logFile, 'a');
    const child = spawn(...this.command(bin, args), { cwd: this.workdir, env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.status = { ready: false, detail: 'istiod started, not ready yet', url: `http://127.0.0.1:${ports.http}` };
    this.xdsTls = `127.0.0.1:${ports.secureGrpc}`;
    this.host.log(`istiod ${namespace}/${this.deployment.metadata.name} started (pid ${child.pid}, http ${this.status.url}, log ${this.logFile})`);
    return child;
  }

  /**
   * istiod under `setpriv --pdeathsig KILL` where util-linux has it; given a name server, in
   * a mount namespace of its own whose /etc/resolv.conf names only it (istiod's DNS client
   * for gateway hostnames reads no other file).
   */
  private command(bin: string, args: string[]): [string, string[]] {
    const guarded: [string, string[]] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', bin, ...args]] : [bin, args];
    if (!this.host.nameserver || process.getuid?.() !== 0 || !existsSync(UNSHARE)) return guarded;
    const resolvConf = join(this.workdir, 'resolv.conf');
    writeFileSync(resolvConf, `nameserver ${this.host.nameserver}\n`);
    return [UNSHARE, ['--mount', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$0" /etc/resolv.conf && exec "$@"', resolvConf, guarded[0], ...guarded[1]]];
  }

  private async probeUntilExit(child: ChildProcess): Promise<string> {
    let exit: string | undefined;
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve((exit = String(code ?? signal))));
      child.once('error', (error) => resolve((exit = error.message)));
    });
    const url = this.status.url!;
    while (exit === undefined && !this.stopped) {
      const code = await httpStatus(`${url}/ready`);
      if (exit !== undefined || this.stopped) break;
      this.report(code === 200
        ? { ready: true, detail: `istiod (pilot-discovery, pid ${child.pid}) answers /ready at ${url}, xDS and its CA over TLS at ${this.xdsTls}`, url }
        : { ready: false, detail: `istiod (pid ${child.pid}) at ${url}: /ready answers ${code || 'nothing'} yet`, url });
      await Promise.race([sleep(PROBE_MS), exited]);
    }
    if (exit === undefined) await terminate(child);
    return exit ?? (await exited);
  }

  private report(status: PodStatus): void {
    const changed = status.ready !== this.status.ready || status.detail !== this.status.detail;
    this.status = status;
    if (changed) this.onStatus(status);
  }

  private async token(namespace: string, account: string): Promise<string> {
    const answer = await this.host.client.call<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: TOKEN_SECONDS },
    });
    return answer.status.token;
  }

  private kubeconfig(tokenFile: string): string {
    return JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'cluster', cluster: { server: `https://127.0.0.1:${this.host.apiServerPort}`, 'certificate-authority': this.host.caPath } }],
      users: [{ name: 'istiod', user: { tokenFile } }],
      contexts: [{ name: 'istiod', context: { cluster: 'cluster', user: 'istiod' } }],
      'current-context': 'istiod',
    });
  }
}

/** Like a ReplicaSet's pod-template-hash: a changed template is a new pod. */
export function templateHash(deployment: IstiodDeployment): string {
  return createHash('sha256').update(JSON.stringify(deployment.spec.template)).digest('hex').slice(0, 10);
}
