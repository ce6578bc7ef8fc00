/**
 * The failover drill on a mesh the product provisioned through its API (an EKS and an AKS
 * cell) with the proving ground's data plane on: real istiods, real east-west gateways and
 * sidecars (pilot-agent + upstream Envoy) in a network namespace per cloud network, and a
 * backbone link that follows the tunnel fabric's BGP sessions.
 *
 * The drill's report is the product's claim. The test judges it with its own observer: it
 * calls the degraded cell's probe client and reads its echo's state from inside the cell's
 * network namespace (ip netns exec curl, never the product's code), and reads the identities
 * in the X-Forwarded-Client-Cert header the serving sidecar added, against SPIFFE IDs
 * written out here. Bounds: the drill's DestinationRule ejects at the first 5xx, checks
 * every 1 s and ejects for 5 s; failover must come within the 1 s interval plus a 3 s
 * margin of the echo degrading, failback within 5 s + 1 s plus the same margin of its healing.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CoreV1Api, KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { probeObjects } from '../../domain/probe-plan.ts';
import { cellClusterName, cellKubeConfig } from '../support/kube.ts';
import { api, cutTunnels, exampleSpec, FAST_TIME_SCALE, useStack, waitForPhase } from '../support/stack.ts';
import type { Endpoints } from '../../sim/stack.ts';

const run = promisify(execFile);
const MESH = 'drill';
const NS = 'cellbridge-probe';
const SHARED_HOST = 'probe-echo.cellbridge-probe.svc.cluster.local';
const spiffe = (account: string) => `spiffe://cluster.local/ns/${NS}/sa/${account}`;
const FAILOVER_BOUND_MS = 1_000 + 3_000;
const FAILBACK_BOUND_MS = 5_000 + 1_000 + 3_000;
const ROTATION_CERT_TTL_SECONDS = 10;

interface Observation {
  t: number;
  phase?: string;
  degraded?: boolean;
  status: number;
  by?: string;
  uri?: string;
}

describe('failover drill across the clouds', () => {
  // Provisioning's waits are only simulated cloud latency; what the drill measures is real time.
  const stack = useStack('drill', { dataPlane: true, timeScale: FAST_TIME_SCALE });
  const spec = meshSpec();
  before(async () => {
    const e = stack.endpoints();
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, MESH, ['Ready', 'Degraded', 'RolledBack'], 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify(ready.error ?? ready.verification));
  });

  test('POST …/drills on a Ready EKS+AKS mesh: mutual TLS both ways with each cell\'s SPIFFE IDs, the degraded cell fails over to the other cloud and back within the outlier-detection bounds, no failure outside the switch-overs; a second drill meanwhile is refused with 409, an unknown cell with 400, another mesh\'s or an unknown drill ID with 404; the mesh links the drill', { timeout: 600_000 }, async () => {
    const e = stack.endpoints();
    const east = await cellOf(e, 'east', 'aws');

    const started = await api(e, 'POST', `/v1/meshes/${MESH}/drills`);
    assert.equal(started.status, 202, JSON.stringify(started.body));
    assert.equal(started.body.cell, 'east', 'without a failover rule naming a region, the first cell is degraded');
    const busy = await api(e, 'POST', `/v1/meshes/${MESH}/drills`, { cell: 'west' });
    assert.equal(busy.status, 409, JSON.stringify(busy.body));
    assert.equal(busy.body.error, 'MeshBusy');
    const unknownCell = await api(e, 'POST', `/v1/meshes/${MESH}/drills`, { cell: 'north' });
    assert.equal(unknownCell.status, 400, JSON.stringify(unknownCell.body));
    assert.equal((await api(e, 'GET', `/v1/meshes/${MESH}-x/drills/${started.body.drillId}`)).status, 404, 'a drill is read only under its own mesh');
    assert.equal((await api(e, 'GET', `/v1/meshes/${MESH}/drills/drill-${MESH}-0000000f`)).status, 404);

    const observations = await observe(e, east, started.body.href);
    const drill = (await api(e, 'GET', started.body.href)).body;
    assert.equal(drill.workflowStatus, 'COMPLETED', JSON.stringify(drill));
    const report = drill.report;
    console.log(`drill report: ${JSON.stringify({ ...report, crossCell: undefined })}`);
    console.log(`drill timeline: ${drill.timeline.map((t: { phase: string; at: string }) => `${t.phase} ${t.at.slice(11, 23)}`).join(', ')}`);

    // The product's report: mutual TLS both ways, with the identities each side must have.
    const cross = Object.fromEntries(report.crossCell.map((c: any) => [`${c.from}->${c.to}`, c]));
    assert.equal(cross['east->west']?.peerSeen, spiffe('probe-client-east'), JSON.stringify(cross));
    assert.equal(cross['east->west']?.server, spiffe('probe-echo-west'));
    assert.equal(cross['west->east']?.peerSeen, spiffe('probe-client-west'), JSON.stringify(cross));
    assert.equal(cross['west->east']?.server, spiffe('probe-echo-east'));
    assert.ok(report.identitiesSeen.includes(`${spiffe('probe-client-east')} -> ${spiffe('probe-echo-west')}`), `the failover was served by west's echo to east's client: ${report.identitiesSeen}`);
    assert.ok(report.failoverMs <= FAILOVER_BOUND_MS, `failover in ${report.failoverMs} ms`);
    assert.ok(report.failbackMs <= FAILBACK_BOUND_MS, `failback in ${report.failbackMs} ms`);
    assert.equal(report.failuresOutsideWindows, 0);
    assert.ok(report.requestsSent > 10, `requests sent: ${report.requestsSent}`);

    // The test's own observer, judged without the product's code.
    const degradedAt = observations.find((o) => o.degraded === true)?.t;
    assert.ok(degradedAt !== undefined, 'the observer saw east\'s echo degraded');
    const failedOver = observations.find((o) => o.t > degradedAt && o.status === 200 && o.by === spiffe('probe-echo-west'));
    assert.ok(failedOver, 'east\'s client was served by west\'s echo once its own degraded');
    assert.equal(failedOver.uri, spiffe('probe-client-east'), 'west\'s sidecar verified east\'s client certificate');
    assert.ok(failedOver.t - degradedAt <= FAILOVER_BOUND_MS, `observer: failover ${failedOver.t - degradedAt} ms after the echo degraded`);
    const healedAt = observations.find((o) => o.t > degradedAt && o.degraded === false)?.t;
    assert.ok(healedAt !== undefined, 'the observer saw east\'s echo healed');
    const back = observations.find((o) => o.t > healedAt && o.status === 200 && o.by === spiffe('probe-echo-east'));
    assert.ok(back, 'east\'s client was served by its own echo again');
    assert.ok(back.t - healedAt <= FAILBACK_BOUND_MS, `observer: failback ${back.t - healedAt} ms after the echo healed`);
    const firstOk = observations.find((o) => o.status === 200)!.t;
    const lastOk = [...observations].reverse().find((o) => o.status === 200 && o.phase !== 'removing' && o.phase !== 'done')!.t;
    // The degrade happened between the last read of a healthy echo and the first of a degraded one: a request sent in between was in flight across it.
    const windowStart = [...observations].reverse().find((o) => o.t < degradedAt && o.degraded === false)?.t ?? degradedAt;
    const outside = observations.filter((o) => o.status !== 200 && o.t >= firstOk && o.t <= lastOk && !(o.t >= windowStart && o.t <= failedOver.t));
    assert.deepEqual(outside, [], 'no request of the observer failed outside the failover window');
    console.log(`observer: ${observations.length} requests, failover ${failedOver.t - degradedAt} ms, failback ${back.t - healedAt} ms, ${observations.filter((o) => o.status !== 200 && o.t >= firstOk && o.t <= lastOk).length} failed in the window`);

    const status = (await api(e, 'GET', `/v1/meshes/${MESH}`)).body;
    assert.equal(status.latestDrill?.drillId, started.body.drillId);
    const verification = (await api(e, 'GET', `/v1/meshes/${MESH}/verification`)).body;
    assert.equal(verification.latestDrill?.href, started.body.href);
    const { items } = await east.kube.makeApiClient(CoreV1Api).listNamespace();
    assert.ok(!items.some((n) => n.metadata?.name === NS), 'the drill removed its probe');
  });

  test('the fabric\'s outage control cuts cross-cloud requests, and ending it heals them with no other action', { timeout: 300_000 }, async () => {
    const e = stack.endpoints();
    const [east, west] = [await cellOf(e, 'east', 'aws'), await cellOf(e, 'west', 'azure')];
    await deployProbe([east, west]);
    /** Both directions at once: east's client to the echo only west has, and west's to east's. */
    const crossCloud = async () => (await Promise.all([clientCall(east, 'probe-echo-west.cellbridge-probe.svc.cluster.local'), clientCall(west, 'probe-echo-east.cellbridge-probe.svc.cluster.local')])).map((c) => c.status);
    await until('cross-cloud 200s both ways before the outage', async () => ((await crossCloud()).every((s) => s === 200) ? true : undefined), 120_000);
    await cutTunnels(e, `cellbridge-${MESH}`);
    const cutAt = Date.now();
    await until('cross-cloud requests to fail both ways with every tunnel cut', async () => ((await crossCloud()).every((s) => s !== 200) ? true : undefined), 60_000);
    console.log(`outage: failing both ways ${Date.now() - cutAt} ms after the cut`);
    assert.equal((await clientCall(east, SHARED_HOST)).by, spiffe('probe-echo-east'), 'east\'s own echo still answers east');
    await fetch(`${e.azure}/_sim/fabric/outages`, { method: 'DELETE' });
    const healedAt = Date.now();
    await until('cross-cloud requests to succeed both ways once the outage ends', async () => ((await crossCloud()).every((s) => s === 200) ? true : undefined), 90_000);
    console.log(`outage over: healed ${Date.now() - healedAt} ms later`);
  });

  test('drill-style load both ways across the clouds runs through an intermediate and a root rotation with zero failed requests', { timeout: 400_000 }, async () => {
    const e = stack.endpoints();
    const [east, west] = [await cellOf(e, 'east', 'aws'), await cellOf(e, 'west', 'azure')];
    await deployProbe([east, west]);
    const hosts: [CellView, string][] = [[east, 'probe-echo-west.cellbridge-probe.svc.cluster.local'], [west, 'probe-echo-east.cellbridge-probe.svc.cluster.local']];
    await until('cross-cloud 200s both ways before the rotations', async () => ((await Promise.all(hosts.map(([cell, host]) => clientCall(cell, host)))).every((c) => c.status === 200) ? true : undefined), 120_000);
    const before = await Promise.all([east, west].map(clientCertificates));
    let running = true;
    const sent: { t: number; from: string; status: number }[] = [];
    const load = (async () => {
      while (running) {
        const t = Date.now();
        const calls = await Promise.all(hosts.map(([cell, host]) => clientCall(cell, host)));
        calls.forEach((c, i) => sent.push({ t, from: hosts[i]![0].name, status: c.status }));
      }
    })();
    const phases: string[] = [];
    for (const kind of ['intermediate', 'root']) {
      const started = await api(e, 'POST', `/v1/meshes/${MESH}/rotations`, { kind });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      const done = await until(`the ${kind} rotation to end`, async () => {
        const { body } = await api(e, 'GET', `/v1/meshes/${MESH}/rotations/${started.body.rotationId}`);
        return body?.phase === 'done' || body?.phase === 'failed' ? body : undefined;
      }, 240_000);
      assert.equal(done.phase, 'done', JSON.stringify(done));
      phases.push(`${kind} done at ${sent.length} requests`);
    }
    // Certificates issued before the last phase live out their TTL under the new trust: keep the load on past two of them.
    await sleep(2 * ROTATION_CERT_TTL_SECONDS * 1000);
    running = false;
    await load;
    const failed = sent.filter((s) => s.status !== 200);
    // The load proves something only if the data plane went through the rotation: each client's Envoy took new certificates and the new root.
    const after = await Promise.all([east, west].map(clientCertificates));
    console.log(`client certificates before: ${JSON.stringify(before)}; after: ${JSON.stringify(after)}`);
    for (const [i, cell] of [east, west].entries()) {
      assert.notDeepEqual(after[i]!.roots, before[i]!.roots, `${cell.name}'s client Envoy validates peers with the new root after the root rotation`);
      assert.notEqual(after[i]!.leafIssuer + after[i]!.leafSerial, before[i]!.leafIssuer + before[i]!.leafSerial, `${cell.name}'s client Envoy presents a certificate issued during the rotations`);
    }
    console.log(`load through both rotations: ${sent.length} requests, ${failed.length} failed (${phases.join(', ')})`);
    assert.ok(sent.length > 100, `enough requests to judge: ${sent.length}`);
    assert.deepEqual(failed, [], 'no request failed during or after the rotations');
  });
});

/** The probe as the drill deploys it (applied by the test, to have cross-cloud traffic to judge outside a drill). */
async function deployProbe(cells: CellView[]): Promise<void> {
  for (const cell of cells) {
    const objects = KubernetesObjectApi.makeApiClient(cell.kube);
    for (const object of probeObjects({ name: cell.name }, 'cellbridge/probe:test')) await objects.patch(object as KubernetesObject, undefined, undefined, 'drill-test', true, PatchStrategy.ServerSideApply);
  }
}

interface CellView {
  name: string;
  kube: KubeConfig;
  /** The pool's cluster key and URL. */
  key: string;
  pool: string;
  /** The cell's network namespace on this machine (the pool's). */
  network: string;
}

async function cellOf(e: Endpoints, name: string, cloud: 'aws' | 'azure'): Promise<CellView> {
  const { clusters } = (await (await fetch(`${e.kube}/clusters`)).json()) as { clusters: { key: string; name: string }[] };
  const key = clusters.find((c) => c.name === cellClusterName(MESH, name))?.key;
  assert.ok(key, `the pool has ${name}'s cluster`);
  const network = await until(`${name}'s network namespace`, async () => {
    const { proxies } = (await (await fetch(`${e.kube}/clusters/${key}/proxies`)).json()) as { proxies: { networkNamespace: string }[] };
    return proxies[0]?.networkNamespace;
  }, 60_000);
  return { name, kube: await cellKubeConfig(e, meshSpec(), name, cloud), network, key, pool: e.kube };
}

/** What the cell's probe client's Envoy holds now (its admin API, inside the cell's network): its workload certificate and the roots it validates peers with. */
async function clientCertificates(cell: CellView): Promise<{ leafIssuer: string; leafSerial: string; roots: string[] }> {
  const proxy = await until(`${cell.name}'s probe client's sidecar ready`, async () => {
    const { proxies } = (await (await fetch(`${cell.pool}/clusters/${cell.key}/proxies`)).json()) as { proxies: { pod: string; adminPort: number; ready: boolean }[] };
    return proxies.find((p) => p.pod.startsWith(`${NS}/probe-client-`) && p.ready);
  }, 60_000);
  const dump = JSON.parse((await curl(cell, `http://127.0.0.1:${proxy.adminPort}/config_dump?resource=dynamic_active_secrets`))!) as { configs: { name: string; secret?: { tls_certificate?: { certificate_chain?: { inline_bytes?: string } }; validation_context?: { trusted_ca?: { inline_bytes?: string } } } }[] };
  const chain = dump.configs.find((c) => c.name === 'default')?.secret?.tls_certificate?.certificate_chain?.inline_bytes;
  const trusted = dump.configs.find((c) => c.name === 'ROOTCA')?.secret?.validation_context?.trusted_ca?.inline_bytes;
  assert.ok(chain && trusted, `${cell.name}'s client Envoy holds its certificate and its roots`);
  const leaf = new X509Certificate(Buffer.from(chain, 'base64'));
  const roots = (Buffer.from(trusted, 'base64').toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((pem) => new X509Certificate(pem).fingerprint256).sort();
  return { leafIssuer: leaf.issuer, leafSerial: leaf.serialNumber, roots };
}

/**
 * cells.json, with rotations fast enough for a test (workload certificates of 10 s, so a
 * root rotation waits 10 s in phase 2), and pod ranges of its own: the host routes each
 * sidecar pod's IP into its cell's network (sim/README.md, "Pod proxy"), and the
 * east-west-gateway sim test, which may run beside this file, has pods in cells.json's ranges.
 */
function meshSpec() {
  const base = exampleSpec('cells', { name: MESH });
  const vpc = { cidr: '10.30.0.0/16', subnets: [{ cidr: '10.30.0.0/24' }, { cidr: '10.30.1.0/24' }] };
  const cells = base.cells.map((cell: { cloud: string }) => (cell.cloud === 'azure' ? { ...cell, podCidr: '10.245.0.0/16' } : cell));
  return { ...base, aws: { ...base.aws, vpc }, cells, pki: { rotation: { pickupSeconds: 10, workloadCertTtlSeconds: ROTATION_CERT_TTL_SECONDS } } };
}

async function podIp(cell: CellView, app: string): Promise<string | undefined> {
  const { items } = await cell.kube.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NS, labelSelector: `app=${app}` }).catch(() => ({ items: [] }));
  return items.find((p) => p.status?.podIP && !p.metadata?.deletionTimestamp)?.status?.podIP;
}

async function curl(cell: CellView, url: string): Promise<string | undefined> {
  return run('ip', ['netns', 'exec', cell.network, 'curl', '-sf', '--max-time', '6', url]).then((r) => r.stdout, () => undefined);
}

/** One request of the cell's probe client, asked inside the cell's network: the status and the identities the serving sidecar put in XFCC. */
async function clientCall(cell: CellView, host: string, clientIp?: string): Promise<Pick<Observation, 'status' | 'by' | 'uri'>> {
  const ip = clientIp ?? (await podIp(cell, 'probe-client'));
  const out = ip ? await curl(cell, `http://${ip}:9090/call?host=${host}&path=/`) : undefined;
  if (!out) return { status: -1 };
  const call = JSON.parse(out) as { status: number; body?: string };
  if (call.status !== 200) return { status: call.status };
  const xfcc: string = JSON.parse(call.body!).headers?.['x-forwarded-client-cert'] ?? '';
  const field = (name: string) => /^"?(.*?)"?$/.exec(xfcc.split(';').find((kv) => kv.startsWith(`${name}=`))?.slice(name.length + 1) ?? '')?.[1];
  return { status: 200, by: field('By'), uri: field('URI') };
}

/** Samples the degraded cell (its client's requests to the shared echo, its echo's state) until the drill ends. */
async function observe(e: Endpoints, cell: CellView, href: string): Promise<Observation[]> {
  const observations: Observation[] = [];
  let phase = 'claiming';
  let status = 'RUNNING';
  const poller = (async () => {
    while (status === 'RUNNING') {
      const drill = (await api(e, 'GET', href)).body;
      [phase, status] = [drill?.phase ?? phase, drill?.workflowStatus ?? status];
      await sleep(300);
    }
  })();
  let clientIp: string | undefined;
  let echoIp: string | undefined;
  const deadline = Date.now() + 300_000;
  while (status === 'RUNNING' && Date.now() < deadline) {
    clientIp ??= await podIp(cell, 'probe-client');
    echoIp ??= await podIp(cell, 'probe-echo');
    if (!clientIp || !echoIp) {
      await sleep(300);
      continue;
    }
    const t = Date.now();
    const [state, call] = await Promise.all([curl(cell, `http://${echoIp}:9081/state`), clientCall(cell, SHARED_HOST, clientIp)]);
    observations.push({ t, phase, ...(state ? { degraded: (JSON.parse(state) as { degraded: boolean }).degraded } : {}), ...call });
  }
  await poller;
  return observations;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(300)) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}
