/**
 * CA rotation on the proving ground, watched by the data-plane harness (sim/trust): in each
 * cluster a real pilot-agent keeps renewing a workload certificate from that cluster's real
 * istiod (TTL of a couple of seconds, so each phase issues new ones), and after every new
 * certificate and every change of the roots istiod publishes, every cluster must trust every
 * cluster's newest certificate. Zero failures, or the rotation has a gap.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AppsV1Api, type KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import type { RunningProcess } from '../../sim/child-process.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startProduct, type Endpoints } from '../../sim/stack.ts';
import { refusal } from '../../sim/trust/chain.ts';
import { watchTrust, type TrustRecord } from '../../sim/trust/watch-trust.ts';
import { WorkloadAgent } from '../../sim/trust/workload-agent.ts';
import { cellKubeConfig, core } from '../support/kube.ts';
import { api, exampleSpec, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

// pickupSeconds bounds the wait for istiod's evidence; the rotation moves on as soon as it shows. 30 s: at load 7 a
// root istiod had loaded was still not published 15 s later.
const FAST_ROTATION = { pickupSeconds: 30, workloadCertTtlSeconds: 2, intervalHours: 720, jitterMinutes: 0 };

const pemCount = (text: string) => (text.match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;

/** Changes one env var of istiod's container and waits for the replacement istiod (a new process) to be ready. */
async function setIstiodEnv(config: KubeConfig, name: string, value: string): Promise<void> {
  const apps = config.makeApiClient(AppsV1Api);
  const pidOf = (d: V1Deployment) => /pid (\d+)\) answers \/ready/.exec(d.status?.conditions?.find((c) => c.type === 'Available' && c.status === 'True')?.message ?? '')?.[1];
  let before: string | undefined;
  // The simulator writes the Deployment's status too: a replace on a stale read is a 409, read again.
  for (let attempt = 1; ; attempt++) {
    const istiod = await apps.readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
    before = pidOf(istiod);
    istiod.spec!.template.spec!.containers[0]!.env!.find((v) => v.name === name)!.value = value;
    try {
      await apps.replaceNamespacedDeployment({ name: 'istiod', namespace: 'istio-system', body: istiod });
      break;
    } catch (error) {
      if ((error as { code?: number }).code !== 409 || attempt >= 10) throw error;
    }
  }
  for (const deadline = Date.now() + 90_000; ; await new Promise((r) => setTimeout(r, 250))) {
    const pid = pidOf(await apps.readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' }));
    if (pid && pid !== before) return;
    if (Date.now() > deadline) throw new Error(`istiod did not restart with ${name}=${value}`);
  }
}

function rotationSpec(name: string): any {
  const spec = exampleSpec('cells', { name });
  spec.pki = { rotation: FAST_ROTATION };
  return spec;
}

async function clusters(e: Endpoints, spec: any) {
  return [
    { name: 'east', config: await cellKubeConfig(e, spec, 'east', 'aws') },
    { name: 'west', config: await cellKubeConfig(e, spec, 'west', 'azure') },
  ];
}

/** Fingerprints (node's SHA-256 format, as the harness records issuers) of each cluster's intermediate and first root, and the PEMs. */
async function cacertsFingerprints(e: Endpoints, spec: any): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const { name, config } of await clusters(e, spec)) {
    const secret = await core(config).readNamespacedSecret({ name: 'cacerts', namespace: 'istio-system' });
    const pem = (key: string) => Buffer.from(secret.data![key]!, 'base64').toString();
    out[`${name} intermediate`] = new X509Certificate(pem('ca-cert.pem')).fingerprint256;
    out[`${name} root`] = new X509Certificate(pem('root-cert.pem')).fingerprint256;
    out[`${name} root pem`] = new X509Certificate(pem('root-cert.pem')).toString();
  }
  return out;
}

const AGENTS_DIR = mkdtempSync(join(tmpdir(), 'cellbridge-rotation-workloads-'));
after(() => rmSync(AGENTS_DIR, { recursive: true, force: true }));
const watch = async (e: Endpoints, spec: any) => watchTrust(await clusters(e, spec), { ttlSeconds: spec.pki.rotation.workloadCertTtlSeconds, parentDir: AGENTS_DIR });

async function rotate(e: Endpoints, mesh: string, kind: 'intermediate' | 'root', timeoutMs = 120_000): Promise<any> {
  const started = await api(e, 'POST', `/v1/meshes/${mesh}/rotations`, { kind });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return waitForRotation(e, mesh, started.body.rotationId, timeoutMs);
}

async function waitForRotation(e: Endpoints, mesh: string, rotationId: string, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await api(e, 'GET', `/v1/meshes/${mesh}/rotations/${rotationId}`);
    // 503 (no worker answered the progress query in time, e.g. while a killed worker is replaced) says: retry.
    if ((status !== 503 && body.workflowStatus !== 'RUNNING') || Date.now() > deadline) return body;
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** No failure, and istiod was seen issuing workload certificates from each cluster's new intermediate (the harness measured the new state, not only the old). */
function assertNoGap(record: TrustRecord, after: Record<string, string>): void {
  assert.deepEqual(record.failures.map((f) => `${f.signer} → ${f.verifier}: ${f.reason}`), [], 'no workload certificate was ever untrusted by a peer');
  for (const cluster of ['east', 'west']) {
    assert.ok(record.issued.some((i) => i.cluster === cluster && i.issuer === after[`${cluster} intermediate`]), `${cluster}'s istiod issued from its new intermediate while watched (${record.issued.length} certificates seen)`);
  }
}

describe('CA rotation', () => {
  // The worker and the API are started here, not by the stack, so that one test can kill the worker.
  const stack = useStack('rotation', { product: false });
  const logs = join(STACK_DIR, 'test', 'rotation', 'logs');
  const spec = rotationSpec('rot');
  const processes: RunningProcess[] = [];
  let worker: RunningProcess;
  after(async () => {
    for (const p of processes) await p.stop();
  });

  before(async () => {
    const e = stack.endpoints();
    processes.push(await startProduct('api', e.productEnv, join(logs, 'api.log')));
    worker = await startProduct('worker', e.productEnv, join(logs, 'worker-1.log'));
    processes.push(worker);
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, 'rot', ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'], 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify(ready.error));
  });

  test('the schedule is created at Ready, shown, paused with a note, resumed and its interval changed', async () => {
    const e = stack.endpoints();
    const schedule = await api(e, 'GET', '/v1/meshes/rot/rotation-schedule');
    assert.equal(schedule.status, 200, JSON.stringify(schedule.body));
    assert.deepEqual([schedule.body.scheduleId, schedule.body.intervalHours, schedule.body.paused], ['rotation-schedule-rot', 720, false]);
    assert.ok(schedule.body.nextRuns.length > 0);
    const paused = await api(e, 'PATCH', '/v1/meshes/rot/rotation-schedule', { paused: true, note: 'change freeze' });
    assert.deepEqual([paused.body.paused, paused.body.note], [true, 'change freeze']);
    const resumed = await api(e, 'PATCH', '/v1/meshes/rot/rotation-schedule', { paused: false, intervalHours: 168 });
    assert.deepEqual([resumed.body.paused, resumed.body.intervalHours], [false, 168]);
    assert.equal((await api(e, 'PATCH', '/v1/meshes/rot/rotation-schedule', { intervalHours: 0 })).status, 400);
  });

  test('an intermediate rotation gives every cluster a new intermediate under the same root, with zero trust gaps', async () => {
    const e = stack.endpoints();
    const before = await cacertsFingerprints(e, spec);
    const watching = await watch(e, spec);
    const done = await rotate(e, 'rot', 'intermediate');
    // The workloads renew within one TTL: the watch sees the last cluster's new intermediate issue.
    await new Promise((r) => setTimeout(r, spec.pki.rotation.workloadCertTtlSeconds * 1000));
    const record = await watching.stop();
    assert.equal(done.phase, 'done', JSON.stringify(done));
    assert.deepEqual(done.clusters, { east: 'done', west: 'done' });
    const after = await cacertsFingerprints(e, spec);
    assertNoGap(record, after);
    assert.notEqual(after['east intermediate'], before['east intermediate']);
    assert.notEqual(after['west intermediate'], before['west intermediate']);
    assert.deepEqual([after['east root'], after['west root']], [before['east root'], before['west root']]);
  });

  test('a root rotation moves every cluster through the three phases to the new root with zero trust gaps, then retires the old root', async () => {
    const e = stack.endpoints();
    const before = await cacertsFingerprints(e, spec);
    const watching = await watch(e, spec);
    const done = await rotate(e, 'rot', 'root');
    const record = await watching.stop();
    assert.equal(done.phase, 'done', JSON.stringify(done));
    const after = await cacertsFingerprints(e, spec);
    assertNoGap(record, after);
    assert.notEqual(after['east root'], before['east root']);
    assert.equal(after['east root'], after['west root'], 'one new root everywhere, the old one dropped');
    for (const { name, config } of await clusters(e, spec)) {
      const agent = await WorkloadAgent.start({ config, parentDir: AGENTS_DIR, ttlSeconds: spec.pki.rotation.workloadCertTtlSeconds });
      try {
        const { chain } = await agent.certificate();
        assert.equal(refusal(chain, [after[`${name} root pem`]!], new Date()), undefined, `${name}: a new workload certificate chains to the new root`);
        assert.ok(refusal(chain, [before[`${name} root pem`]!], new Date()), `${name}: and not to the old one`);
      } finally {
        await agent.stop();
      }
    }
    const verification = await api(e, 'POST', '/v1/meshes/rot/verification');
    assert.equal(verification.status, 202);
    assert.equal((await waitForPhase(e, 'rot', ['Ready', 'Degraded'])).phase, 'Ready', 'the mesh verifies against the new root in the store');
  });

  test('the harness catches the wrong order: east signing with a new root (trusting both, which istiod accepts) before west trusts it is a gap', async () => {
    const e = stack.endpoints();
    const { createRootCa, issueIntermediate } = await import('../../activities/pki/certificate-authority.ts');
    const { cacertsData } = await import('../../activities/pki/cacerts.ts');
    const [east] = await clusters(e, spec);
    const watching = await watch(e, spec);
    const newRoot = await createRootCa({ mesh: 'rot', keyType: 'ECDSA_P256', validityDays: 3650, now: new Date() });
    const intermediate = await issueIntermediate({ root: newRoot, mesh: 'rot', cluster: 'rot-east', keyType: 'ECDSA_P256', validityDays: 365, minimumDays: 90, now: new Date() });
    const saved = await core(east!.config).readNamespacedSecret({ name: 'cacerts', namespace: 'istio-system' });
    const currentRoot = Buffer.from(saved.data!['root-cert.pem']!, 'base64').toString();
    // Phase 2 in east before phase 1 reached west. istiod refuses a root bundle that neither contains nor is contained in its own, so the wrong write keeps the current root too.
    await core(east!.config).replaceNamespacedSecret({ name: 'cacerts', namespace: 'istio-system', body: { metadata: { name: 'cacerts', namespace: 'istio-system' }, stringData: cacertsData({ intermediate, roots: [currentRoot, newRoot.certPem] }) } });
    try {
      const deadline = Date.now() + 60_000;
      while (!watching.snapshot().failures.some((f) => f.signer === 'east' && f.verifier === 'west') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    } finally {
      await core(east!.config).replaceNamespacedSecret({ name: 'cacerts', namespace: 'istio-system', body: { metadata: { name: 'cacerts', namespace: 'istio-system' }, data: saved.data } });
    }
    const record = await watching.stop();
    assert.ok(record.failures.some((f) => f.signer === 'east' && f.verifier === 'west'), JSON.stringify(record.failures.slice(0, 3)));
    // After the restore east trusts only the current root again, and refuses its own workload's new-root certificate until it is renewed.
    assert.ok(record.failures.every((f) => f.signer === 'east'), `west's certificates were never refused: ${JSON.stringify(record.failures.filter((f) => f.signer !== 'east').slice(0, 3))}`);
  });

  test('an intermediate rotation whose check fails in the second cluster restores it and keeps the first', async () => {
    const e = stack.endpoints();
    const [, west] = await clusters(e, spec);
    const before = await cacertsFingerprints(e, spec);
    const { AppsV1Api } = await import('@kubernetes/client-node');
    const apps = west!.config.makeApiClient(AppsV1Api);
    const istiod = await apps.readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
    await apps.deleteNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
    const done = await rotate(e, 'rot', 'intermediate');
    assert.equal(done.phase, 'failed');
    assert.deepEqual(done.clusters, { east: 'done', west: 'restored' });
    assert.match(done.error, /west[\s\S]*istiod is not ready/);
    const after = await cacertsFingerprints(e, spec);
    assert.notEqual(after['east intermediate'], before['east intermediate'], 'the first cluster keeps its new intermediate');
    assert.equal(after['west intermediate'], before['west intermediate'], 'the failed cluster has its previous intermediate back');
    await apps.createNamespacedDeployment({ namespace: 'istio-system', body: { metadata: { name: 'istiod', namespace: 'istio-system', labels: istiod.metadata?.labels }, spec: istiod.spec! } });
  });

  test('a root rotation whose new roots west\'s istiod refuses (ISTIO_MULTIROOT_MESH off: it keeps its root) fails in phase 1 on the roots istiod publishes, though cacerts holds the write', async () => {
    const e = stack.endpoints();
    const [, west] = await clusters(e, spec);
    await setIstiodEnv(west!.config, 'ISTIO_MULTIROOT_MESH', 'false');
    try {
      const done = await rotate(e, 'rot', 'root');
      assert.equal(done.phase, 'failed', JSON.stringify(done));
      assert.equal(done.clusters.west, 'waiting-pickup', JSON.stringify(done));
      assert.match(done.error, /cluster west after the write: istiod publishes root\(s\) \S+ in istio-ca-root-cert, not \S+, \S+/);
      const cacerts = await core(west!.config).readNamespacedSecret({ name: 'cacerts', namespace: 'istio-system' });
      assert.equal(pemCount(Buffer.from(cacerts.data!['root-cert.pem']!, 'base64').toString()), 2, 'cacerts itself holds both roots: only istiod\'s evidence tells the write was not taken');
    } finally {
      await setIstiodEnv(west!.config, 'ISTIO_MULTIROOT_MESH', 'true');
    }
  });

  test('a worker killed (SIGKILL) during phase 2 of a root rotation leaves progress answering 503 WorkerUnavailable + Retry-After until it is replaced, and the rotation completes with zero trust gaps', async () => {
    const e = stack.endpoints();
    const watching = await watch(e, spec);
    const started = await api(e, 'POST', '/v1/meshes/rot/rotations', { kind: 'root' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    for (;;) {
      const { body } = await api(e, 'GET', `/v1/meshes/rot/rotations/${started.body.rotationId}`);
      if (body.phase === 'sign-with-new-root') break;
      assert.equal(body.workflowStatus, 'RUNNING', JSON.stringify(body));
      await new Promise((r) => setTimeout(r, 50));
    }
    await worker.stop('SIGKILL');
    // With no worker alive, progress is "retry later" (503 + Retry-After), never a 502.
    const orphaned = await fetch(`${e.api}/v1/meshes/rot/rotations/${started.body.rotationId}`);
    const orphanedBody = await orphaned.json();
    assert.deepEqual([orphaned.status, orphanedBody.error], [503, 'WorkerUnavailable'], JSON.stringify(orphanedBody));
    assert.ok(orphaned.headers.get('retry-after'), 'a 503 says when to retry');
    worker = await startProduct('worker', e.productEnv, join(logs, 'worker-2.log'));
    processes.push(worker);
    const done = await waitForRotation(e, 'rot', started.body.rotationId, 180_000);
    const record = await watching.stop();
    assert.equal(done.phase, 'done', JSON.stringify(done));
    assertNoGap(record, await cacertsFingerprints(e, spec));
  });

  test('teardown deletes the schedule and every resource', async () => {
    const e = stack.endpoints();
    assert.equal((await api(e, 'DELETE', '/v1/meshes/rot')).status, 202);
    assert.equal((await waitForPhase(e, 'rot', ['Deleted', 'TeardownIncomplete'], 300_000)).phase, 'Deleted');
    assert.equal((await api(e, 'GET', '/v1/meshes/rot/rotation-schedule')).status, 404);
    assert.deepEqual(await meshInventory(e, 'rot'), []);
  });
});
