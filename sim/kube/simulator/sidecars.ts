// Pods with an Istio sidecar run for real: for every pod labelled
// `sidecar.istio.io/inject=true` (but the gateway chart's, which ask for the `gateway`
// template and are gateways.ts's) the simulator plays the injector's part (the labels its
// webhook adds, which istiod reads: `security.istio.io/tlsMode=istio` makes the pod an mTLS
// endpoint, without which no other network is sent to it) and runs `pilot-agent proxy
// sidecar` with upstream Envoy in the cell's network namespace (proxy-pod.ts). Nothing
// intercepts traffic (no iptables): the workload's listeners come from a `Sidecar` resource
// with explicit ingress and egress ports, as Istio supports for interception mode NONE.
// Containers of the `cellbridge/probe` image run as the probe application
// (probe/probe.ts, the product's) beside the sidecar; other containers are not run.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { MERGE_PATCH, type AdminClient } from './admin-client.ts';
import type { CellDataPlane } from './cell-data-plane.ts';
import { workloadOf, type Pod } from './pods.ts';
import { ProxyPod } from './proxy-pod.ts';
import type { Controller } from './reflector.ts';

export const SIDECAR_SELECTOR = 'sidecar.istio.io/inject=true';
/** The image whose containers the simulator runs as the probe application. */
export const PROBE_IMAGE = 'cellbridge/probe';
const PROBE_PROGRAM = fileURLToPath(new URL('../../../probe/probe.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../..', import.meta.url));
const RESTART_MS = 2_000;
const SETPRIV = '/usr/bin/setpriv';

export interface SidecarHost {
  clusterKey: string;
  client: AdminClient;
  logDir: string;
  log(line: string): void;
}

export interface Sidecars {
  controller: Controller<Pod>;
  /** Each running sidecar by `<namespace>/<pod>`. */
  proxies(): Map<string, ProxyPod>;
  stop(): Promise<void>;
}

interface Running {
  proxy: ProxyPod;
  apps: App[];
  /** The pod's address, routed from the host (its API server's pod proxy). */
  podIp: string;
}

export function sidecars(host: SidecarHost, cell: CellDataPlane): Sidecars {
  const running = new Map<string, Running>();

  const stopPod = async (key: string) => {
    const pod = running.get(key);
    running.delete(key);
    await Promise.all([pod?.proxy.stop(), ...(pod?.apps ?? []).map((app) => app.stop())]);
    if (pod) await (await cell.network()).unrouteFromHost(pod.podIp);
  };

  return {
    controller: {
      path: `/api/v1/pods?labelSelector=${encodeURIComponent(SIDECAR_SELECTOR)}`,
      async reconcile(pod) {
        const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
        if (pod.metadata.deletionTimestamp) return void (await stopPod(key));
        if (running.has(key) || !pod.status?.podIP || !pod.spec.nodeName || isGateway(pod)) return;
        if (await injectLabels(host.client, pod)) return; // its next version arrives with them
        const network = await cell.network();
        const proxy = new ProxyPod(cell.proxyHost, pod, 'sidecar', [], (status) => host.log(`sidecar ${key}: ${status.detail}`));
        const apps = pod.spec.containers.filter((c) => c.image?.split(':')[0] === PROBE_IMAGE).map((container) => {
          const logFile = join(host.logDir, 'proxies', `${host.clusterKey}-${key.replace('/', '-')}-${container.name}.log`);
          const env: Record<string, string> = {
            ...containerEnv(container), POD_IP: pod.status!.podIP!, POD_NAME: pod.metadata.name, POD_NAMESPACE: pod.metadata.namespace ?? 'default',
            PATH: process.env.PATH ?? '/usr/bin:/bin',
          };
          const args = (container as { args?: string[] }).args ?? [];
          return new App(network.exec(SETPRIV, ['--pdeathsig', 'KILL', process.execPath, '--import', 'tsx', PROBE_PROGRAM, ...args]), env, logFile, host.log);
        });
        running.set(key, { proxy, apps, podIp: pod.status.podIP });
        await network.routeFromHost(pod.status.podIP);
      },
      forget(pod) {
        void stopPod(`${pod.metadata.namespace}/${pod.metadata.name}`);
      },
    },
    proxies: () => new Map([...running].map(([key, pod]) => [key, pod.proxy])),
    async stop() {
      await Promise.all([...running.keys()].map(stopPod));
    },
  };
}

/** The gateway chart's pods ask for injection too, of the `gateway` template: gateways.ts runs those. */
function isGateway(pod: Pod): boolean {
  return (pod.metadata.annotations?.['inject.istio.io/templates'] ?? '').split(',').includes('gateway');
}

/** Adds what Istio's injector labels an injected pod with; answers whether it had to. */
async function injectLabels(client: AdminClient, pod: Pod): Promise<boolean> {
  const labels = pod.metadata.labels ?? {};
  const name = labels['app.kubernetes.io/name'] ?? labels.app ?? workloadOf(pod)?.name ?? pod.metadata.name;
  const wanted: Record<string, string> = {
    'security.istio.io/tlsMode': 'istio',
    'service.istio.io/canonical-name': name,
    'service.istio.io/canonical-revision': labels['app.kubernetes.io/version'] ?? labels.version ?? 'latest',
  };
  const missing = Object.fromEntries(Object.entries(wanted).filter(([label]) => labels[label] === undefined));
  if (!Object.keys(missing).length) return false;
  await client.call('PATCH', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`, { metadata: { labels: missing } }, MERGE_PATCH);
  return true;
}

function containerEnv(container: object): Record<string, string> {
  const env = (container as { env?: { name: string; value?: string }[] }).env ?? [];
  return Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
}

/** One application container's process, started again when it exits, as the kubelet would. */
class App {
  private child?: ChildProcess;
  private stopped = false;
  private readonly done: Promise<void>;

  constructor(private readonly command: [string, string[]], private readonly env: Record<string, string>, private readonly logFile: string, private readonly log: (line: string) => void) {
    this.done = this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.child?.kill('SIGTERM');
    await this.done;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      mkdirSync(join(this.logFile, '..'), { recursive: true });
      const log = openSync(this.logFile, 'a');
      const child = spawn(this.command[0], this.command[1], { cwd: REPO, env: this.env, stdio: ['ignore', log, log] });
      closeSync(log);
      this.child = child;
      const exit = await new Promise<string>((resolve) => {
        child.once('exit', (code, signal) => resolve(String(code ?? signal)));
        child.once('error', (error) => resolve(error.message));
      });
      if (this.stopped) return;
      this.log(`application exited (${exit}); see ${this.logFile}`);
      await sleep(RESTART_MS);
    }
  }
}
