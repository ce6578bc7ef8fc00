/**
 * A cells mesh whose cluster API servers misbehave, then whose remote secrets are hostile;
 * one stack and one mesh for both (each EKS+AKS mesh costs real API servers and istiods).
 *
 * An API-server blip during the Istio install is retried, not rolled back: a 503 answered
 * once to a server-side apply of an Istio object (the cross-network Gateway), once to helm
 * installing istiod and once to helm creating istio-base's first CRD (helm's retry is then an
 * upgrade, whose Istio validators fail closed) still ends Ready, with every resource kept.
 * The kube pool's fault proxies (sim/kube/fault-proxy.ts) play the 503s in front of the
 * real API servers.
 *
 * Remote secrets are written by whoever can write Secrets in istio-system, and the
 * worker reads them during verification. This plants hostile ones in the Ready mesh (real
 * API servers, real istiod) and re-verifies: an exec credential plugin must not run on
 * the worker, and a token must not be sent to a server that is not the peer's own API
 * server. The judges are the file system (the plugin's marker file) and a TLS listener
 * on loopback that records every request it gets. Teardown still removes it all.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { CoreV1Api } from '@kubernetes/client-node';
import { dump, load } from 'js-yaml';
import { cellClusterName, cellKubeConfig, core } from '../support/kube.ts';
import { api, clearFaults, exampleSpec, FAST_TIME_SCALE, faultsFired, injectFault, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

const MESH = 'mesh-h';
const DONE = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const b64 = (s: string) => Buffer.from(s).toString('base64');

interface Seen { method: string; path: string; userAgent: string; bearer: boolean }

/** An HTTPS server on loopback with its own CA (made by openssl), recording what reaches it. */
async function recordingListener(): Promise<{ server: Server; url: string; caPem: string; connections: number[]; requests: Seen[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'cellbridge-foreign-'));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=foreign', '-days', '2',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
  const caPem = readFileSync(join(dir, 'cert.pem'), 'utf8');
  const connections: number[] = [];
  const requests: Seen[] = [];
  const server = createServer({ cert: caPem, key: readFileSync(join(dir, 'key.pem')) }, (req, res) => {
    requests.push({ method: req.method ?? '', path: req.url ?? '', userAgent: String(req.headers['user-agent'] ?? ''), bearer: /^Bearer /i.test(String(req.headers.authorization ?? '')) });
    res.writeHead(403, { 'content-type': 'application/json' }).end('{"kind":"Status","code":403}');
  });
  server.on('secureConnection', () => connections.push(Date.now()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, caPem, connections, requests };
}

/** Replaces the kubeconfig inside a remote secret, keeping its istioctl labels and annotation. */
async function plant(kube: CoreV1Api, secretName: string, key: string, kubeconfig: object): Promise<void> {
  const secret = await kube.readNamespacedSecret({ name: secretName, namespace: 'istio-system' });
  secret.data = { [key]: b64(dump(kubeconfig)) };
  await kube.replaceNamespacedSecret({ name: secretName, namespace: 'istio-system', body: secret });
}

async function currentKubeconfig(kube: CoreV1Api, secretName: string, key: string): Promise<any> {
  const secret = await kube.readNamespacedSecret({ name: secretName, namespace: 'istio-system' });
  return load(Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8'));
}

/** The secret, in the other cell, that reaches `cell`: named after its cluster, which is also its data key (istioctl's format). */
const remoteSecretOf = (cell: string) => ({ secret: `istio-remote-secret-${cellClusterName(MESH, cell)}`, key: cellClusterName(MESH, cell) });
const failedChecks = (status: any) => status.verification.checks.filter((c: any) => !c.pass);

// Before the stack starts: the pool puts a fault proxy in front of every API server.
process.env.CELLBRIDGE_SIM_KUBE_FAULTS = '1';
const stack = useStack('hostile-remote-secret', { timeScale: FAST_TIME_SCALE });
const spec = exampleSpec('cells', { name: MESH });

describe('Kubernetes faults during the Istio install', () => {
  test('a 503 once on an Istio object write, once on helm installing istiod and once on helm installing istio-base\'s CRDs: the mesh reaches Ready, nothing is rolled back', async () => {
    const e = stack.endpoints();
    await injectFault(e.kube, { operation: 'patch.gateways', kind: 'server-error', status: 503, count: 1 });
    await injectFault(e.kube, { operation: 'create.deployments', kind: 'server-error', status: 503, count: 1, match: 'istiod' });
    await injectFault(e.kube, { operation: 'create.customresourcedefinitions', kind: 'server-error', status: 503, count: 1 });
    try {
      assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
      const final = await waitForPhase(e, MESH, DONE, 900_000);
      assert.equal(final.phase, 'Ready', JSON.stringify({ error: final.error, failures: final.cleanupFailures, failed: final.verification && failedChecks(final) }));
      assert.deepEqual((await faultsFired(e.kube)).map((f) => [f.operation, f.fired]), [['patch.gateways', 1], ['create.deployments', 1], ['create.customresourcedefinitions', 1]], 'every fault was played');
      assert.deepEqual(final.resources.filter((r: { state: string }) => r.state === 'deleted').map((r: { id: string }) => r.id), [], 'nothing was rolled back');
    } finally {
      await clearFaults(e);
    }
  });
});

describe('hostile remote secrets are refused during verification: nothing runs on the worker, no token leaves for a foreign server', () => {
  let listener: Awaited<ReturnType<typeof recordingListener>>;
  const marker = join(tmpdir(), `cellbridge-exec-marker-${randomUUID()}`);
  before(async () => {
    listener = await recordingListener();
  });
  after(async () => {
    listener?.server.closeAllConnections();
    await new Promise((resolve) => listener?.server.close(resolve));
    rmSync(marker, { force: true });
  });

  test('an exec plugin (touching a marker file) and a server elsewhere (a recording TLS listener) fail remote-secret.accepted, naming why; the marker never appears; the worker never contacts the listener; the mesh is Degraded', async () => {
    const e = stack.endpoints();
    const ready = (await api(e, 'GET', `/v1/meshes/${MESH}`)).body;
    assert.equal(ready.phase, 'Ready', 'the mesh the install-fault test brought up');

    const [east, west] = await Promise.all([cellKubeConfig(e, spec, 'east', 'aws'), cellKubeConfig(e, spec, 'west', 'azure')]);
    // west holds the secret that reaches east, east the one that reaches west.
    const toEast = remoteSecretOf('east');
    const toWest = remoteSecretOf('west');
    const eastReal = await currentKubeconfig(core(west), toEast.secret, toEast.key);
    const westReal = await currentKubeconfig(core(east), toWest.secret, toWest.key);

    // 1. East's real server and CA, but the credential is a program to run.
    const execConfig = structuredClone(eastReal);
    execConfig.users[0].user = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: '/bin/sh', args: ['-c', `touch ${marker}`], interactiveMode: 'Never' } };
    await plant(core(west), toEast.secret, toEast.key, execConfig);
    // 2. West's real token, sent to a server that is not west's (with a CA that vouches for it).
    const foreignConfig = structuredClone(westReal);
    foreignConfig.clusters[0].cluster = { server: listener.url, 'certificate-authority-data': b64(listener.caPem) };
    await plant(core(east), toWest.secret, toWest.key, foreignConfig);

    // istiod also reads remote secrets; it refuses exec plugins itself, so a marker now would not be the worker's doing.
    await new Promise((r) => setTimeout(r, 2_000));
    assert.equal(existsSync(marker), false, 'nothing ran the plugin before re-verification');
    const beforeVerification = listener.requests.length;

    assert.equal((await api(e, 'POST', `/v1/meshes/${MESH}/verification`)).status, 202);
    const degraded = await waitForPhase(e, MESH, ['Degraded'], 120_000);
    assert.equal(existsSync(marker), false, 'the exec plugin never ran on the worker');
    // istiod (real pilot-discovery on this host) watches the planted secret and may call the listener itself,
    // with its own user agent and GETs; the worker's call would be a SelfSubjectReview.
    const notIstiod = listener.requests.slice(beforeVerification).filter((r) => !r.userAgent.startsWith('pilot-discovery'));
    assert.deepEqual(notIstiod, [], `the worker sent nothing to the foreign server (it got ${JSON.stringify(listener.requests)})`);
    assert.deepEqual(listener.requests.filter((r) => r.path.includes('selfsubjectreviews')), [], 'no SelfSubjectReview (the verification\'s request) reached the foreign server');

    const failed = failedChecks(degraded);
    assert.deepEqual(failed.map((c: any) => `${c.id} ${c.cluster}`).sort(), ['remote-secret.accepted east', 'remote-secret.accepted west']);
    const byCluster = Object.fromEntries(failed.map((c: any) => [c.cluster, c.evidence]));
    assert.match(byCluster.west, /^remote secret for east is refused, nothing was run or sent: users\[0\]\.user\.exec: runs a program on the worker/);
    assert.ok(byCluster.east.includes(`names server ${listener.url}, not west's API server ${westReal.clusters[0].cluster.server}; its token was not sent`), byCluster.east);
  });

  test('a remote secret naming the peer\'s real server but another CA fails remote-secret.accepted naming both CA fingerprints, and nothing is sent', async () => {
    const e = stack.endpoints();
    const [east, west] = await Promise.all([cellKubeConfig(e, spec, 'east', 'aws'), cellKubeConfig(e, spec, 'west', 'azure')]);
    const toWest = remoteSecretOf('west');
    const westServer = west.getCurrentCluster()!.server;
    const westCaPem = Buffer.from(west.getCurrentCluster()!.caData!, 'base64').toString('utf8');
    const config = await currentKubeconfig(core(east), toWest.secret, toWest.key);
    config.clusters[0].cluster = { server: westServer, 'certificate-authority-data': b64(listener.caPem) };
    await plant(core(east), toWest.secret, toWest.key, config);

    const checkedAfter = Date.now();
    assert.equal((await api(e, 'POST', `/v1/meshes/${MESH}/verification`)).status, 202);
    const degraded = await until(async () => {
      const status = (await api(e, 'GET', `/v1/meshes/${MESH}`)).body;
      return status.phase === 'Degraded' && Date.parse(status.verification?.checkedAt ?? '') >= checkedAfter ? status : undefined;
    });
    const eastCheck = failedChecks(degraded).find((c: any) => c.cluster === 'east' && c.id === 'remote-secret.accepted');
    // The judge of each fingerprint is openssl, not the product's certificate code.
    const fingerprint = (pem: string) => execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: pem }).toString().split('=')[1]!.trim().replace(/:/g, '').toLowerCase();
    assert.ok(eastCheck, JSON.stringify(failedChecks(degraded)));
    assert.equal(eastCheck.evidence, `remote secret for west trusts CA ${fingerprint(listener.caPem)}, not west's API server CA ${fingerprint(westCaPem)}; its token was not sent`);
  });

  test('teardown still removes a mesh whose remote secrets were tampered with: DELETE leaves nothing in either cloud', async () => {
    const e = stack.endpoints();
    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    const gone = await waitForPhase(e, MESH, ['Deleted', 'TeardownIncomplete'], 900_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.equal(existsSync(marker), false, 'the exec plugin never ran, through teardown either');
    assert.deepEqual(await meshInventory(e, MESH), []);
  });
});

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`not there within ${timeoutMs} ms`);
}
