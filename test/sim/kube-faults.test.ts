// Faults in the kube pool (sim/kube/faults.ts, fault-proxy.ts): with CELLBRIDGE_SIM_KUBE_FAULTS=1
// every cluster's endpoint is a proxy in front of its real kube-apiserver, and the pool's
// /_sim/faults rules make named verbs on named resources fail as a loaded API server does.
// The judge is the real API server: what it holds after each fault, and who it says we are.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, AuthenticationV1Api, CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ClusterAnswer } from '../../sim/kube/control-plane.ts';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { setupStack } from '../../sim/setup.ts';

let dir: string;
let pool: KubePoolHandle;
let answer: ClusterAnswer;
let core: CoreV1Api;

async function fault(rule: object): Promise<Response> {
  return fetch(`${pool.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
}

const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { k: 'v' } });
const exists = async (name: string) => core.readNamespacedConfigMap({ name, namespace: 'default' }).then(() => true, (e: ApiException<unknown>) => (e.code === 404 ? false : Promise.reject(e)));
const httpStatus = (code: number) => (e: unknown) => e instanceof ApiException && e.code === code;

before(async () => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-kube-faults-'));
  process.env.CELLBRIDGE_SIM_KUBE_FAULTS = '1';
  const port = await freePort();
  // AKS clusters only: the pool never asks AWS about them.
  pool = await startKubePool({ port, dir: join(dir, 'kube'), awsEndpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, logFile: join(dir, 'kube.log') });
  const put = await fetch(`${pool.url}/clusters/aks-faults`, { method: 'PUT', body: JSON.stringify({ flavor: 'aks', name: 'faults', region: 'westeurope' }) });
  assert.equal(put.status, 200);
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(250)) {
    answer = (await (await fetch(`${pool.url}/clusters/aks-faults`)).json()) as ClusterAnswer;
    assert.notEqual(answer.state, 'failed', answer.error);
    if (answer.state === 'ready') break;
  }
  assert.equal(answer.state, 'ready');
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: answer.endpoint, caData: Buffer.from(answer.caPem).toString('base64') }],
    users: [{ name: 'admin', certData: Buffer.from(answer.adminCertPem!).toString('base64'), keyData: Buffer.from(answer.adminKeyPem!).toString('base64') }],
    contexts: [{ name: 'c', cluster: 'c', user: 'admin' }],
    currentContext: 'c',
  });
  core = config.makeApiClient(CoreV1Api);
  (globalThis as { kubeConfig?: KubeConfig }).kubeConfig = config;
});

after(async () => {
  delete process.env.CELLBRIDGE_SIM_KUBE_FAULTS;
  await pool?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('kube pool fault proxy', () => {
  afterEach(() => fetch(`${pool.url}/_sim/faults`, { method: 'DELETE' }).then((r) => r.arrayBuffer()));

  test('the endpoint handed out reaches the real API server with the caller\'s own identity (client certificate asserted by impersonation)', async () => {
    const config = (globalThis as { kubeConfig?: KubeConfig }).kubeConfig!;
    const review = await config.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    assert.equal(review.status?.userInfo?.username, 'cellbridge-sim');
    assert.ok(review.status?.userInfo?.groups?.includes('system:masters'), JSON.stringify(review.status?.userInfo));
    const calls = (await (await fetch(`${pool.url}/_sim/calls`)).json()) as Record<string, number>;
    assert.ok((calls['create.selfsubjectreviews'] ?? 0) >= 1, JSON.stringify(calls));
  });

  test('throttle answers 429 TooManyRequests with Retry-After and the write does not happen', async () => {
    assert.equal((await fault({ operation: 'create.configmaps', kind: 'throttle', seconds: 2, match: 'cm-throttled' })).status, 201);
    await assert.rejects(core.createNamespacedConfigMap({ namespace: 'default', body: configMap('cm-throttled') }), (e: unknown) => {
      assert.ok(e instanceof ApiException && e.code === 429, String(e));
      assert.equal((e.headers as Record<string, string>)['retry-after'], '2');
      // client-node hands the Status over as the raw body text
      assert.equal((JSON.parse(String(e.body)) as { reason?: string }).reason, 'TooManyRequests');
      return true;
    });
    assert.equal(await exists('cm-throttled'), false);
  });

  test('server-error with status 503 fails the write without effect; applied-server-error answers 503 after the write happened', async () => {
    await fault({ operation: 'create.configmaps', kind: 'server-error', status: 503, match: 'cm-plain' });
    await fault({ operation: 'create.configmaps', kind: 'applied-server-error', status: 503, match: 'cm-applied' });
    await assert.rejects(core.createNamespacedConfigMap({ namespace: 'default', body: configMap('cm-plain') }), httpStatus(503));
    await assert.rejects(core.createNamespacedConfigMap({ namespace: 'default', body: configMap('cm-applied') }), httpStatus(503));
    assert.equal(await exists('cm-plain'), false);
    assert.equal(await exists('cm-applied'), true);
  });

  test('applied-timeout on a server-side apply answers 504 late, and the patch was applied', async () => {
    await fault({ operation: 'patch.configmaps', kind: 'applied-timeout', seconds: 0.4, match: 'cm-late' });
    const t0 = Date.now();
    await assert.rejects(
      core.patchNamespacedConfigMap({ name: 'cm-late', namespace: 'default', body: configMap('cm-late'), fieldManager: 'test', force: true }, setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply)),
      httpStatus(504),
    );
    assert.ok(Date.now() - t0 >= 400);
    assert.equal(await exists('cm-late'), true);
  });

  test('drop closes the connection with no answer (not an API error); only the nth matching call of the named verb is hit', async () => {
    await fault({ operation: 'get.configmaps', kind: 'drop', nth: 2 });
    await core.createNamespacedConfigMap({ namespace: 'default', body: configMap('cm-drop') });
    assert.equal(await exists('cm-drop'), true, 'first get passes');
    await assert.rejects(core.readNamespacedConfigMap({ name: 'cm-drop', namespace: 'default' }), (e: unknown) => !(e instanceof ApiException));
    assert.equal(await exists('cm-drop'), true, 'third get passes');
    const { faults } = (await (await fetch(`${pool.url}/_sim/faults`)).json()) as { faults: { fired: number }[] };
    assert.equal(faults[0]?.fired, 1);
  });

  test('lro-failed and unknown kinds are refused with 400', async () => {
    assert.equal((await fault({ operation: 'create.configmaps', kind: 'lro-failed' })).status, 400);
    assert.equal((await fault({ operation: 'create.configmaps', kind: 'nonsense' })).status, 400);
  });
});
