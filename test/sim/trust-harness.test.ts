// The "no gap in trust" harness (sim/trust, issue 5) against two real kube-apiservers of
// the kube pool: it checks every state a CA rotation writes, passes the right orders of
// intermediate and root rotation, catches the wrong one, and survives an unreadable cacerts.
// The test writes cacerts itself, pausing after each write as the rotation workflow does.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { cacertsData } from '../../activities/pki/cacerts.ts';
import { createRootCa, issueIntermediate, type CaKeyPair } from '../../activities/pki/certificate-authority.ts';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { setupStack } from '../../sim/setup.ts';
import { watchTrust, type TrustRecord } from '../../sim/trust/watch-trust.ts';

const MESH = 'trust';
const CLUSTERS = ['left', 'right'] as const;
type Cluster = (typeof CLUSTERS)[number];
/** What the rotation workflow waits after each write at least. */
const PAUSE_MS = 1_000;

interface PoolAnswer {
  state: 'starting' | 'ready' | 'failed';
  endpoint: string;
  caPem: string;
  adminCertPem: string;
  adminKeyPem: string;
  error?: string;
}

let dir: string;
let pool: KubePoolHandle;
const configs = new Map<Cluster, KubeConfig>();

before(async () => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-trust-'));
  const port = await freePort();
  // Only EKS token reviews reach AWS; these clusters are AKS, so no Moto is needed behind the pool.
  const credentials = { accessKeyId: 'trust-harness', secretAccessKey: 'trust-harness' };
  pool = await startKubePool({ port, dir: join(dir, 'kube'), awsEndpoint: 'http://127.0.0.1:9', credentials, logFile: join(dir, 'kube.log') });
  const answers = await Promise.all(CLUSTERS.map((name) => startAks(name)));
  for (const [i, name] of CLUSTERS.entries()) {
    const config = adminConfig(answers[i]!);
    await core(config).createNamespace({ body: { metadata: { name: 'istio-system' } } });
    configs.set(name, config);
  }
});

after(async () => {
  await pool?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function startAks(name: Cluster): Promise<PoolAnswer> {
  const url = `${pool.url}/clusters/aks-${name}`;
  await fetch(url, { method: 'PUT', body: JSON.stringify({ flavor: 'aks', name, region: 'westeurope' }) });
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(250)) {
    const answer = (await (await fetch(url)).json()) as PoolAnswer;
    assert.notEqual(answer.state, 'failed', answer.error);
    if (answer.state === 'ready') return answer;
  }
  throw new Error(`aks-${name} was not ready in time`);
}

function adminConfig(answer: PoolAnswer): KubeConfig {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: answer.endpoint, caData: base64(answer.caPem) }],
    users: [{ name: 'admin', certData: base64(answer.adminCertPem), keyData: base64(answer.adminKeyPem) }],
    contexts: [{ name: 'c', cluster: 'c', user: 'admin' }],
    currentContext: 'c',
  });
  return config;
}

const core = (config: KubeConfig) => config.makeApiClient(CoreV1Api);
const configOf = (name: Cluster) => configs.get(name) as KubeConfig;

const newRoot = () => createRootCa({ mesh: MESH, keyType: 'ECDSA_P256', validityDays: 3650, now: new Date() });
const intermediate = (root: CaKeyPair, cluster: Cluster) =>
  issueIntermediate({ root, mesh: MESH, cluster, keyType: 'ECDSA_P256', validityDays: 365, minimumDays: 30, now: new Date() });

/** Replaces (or creates) a cluster's cacerts with exactly these keys, then pauses as the workflow does. */
async function writeCacerts(cluster: Cluster, stringData: Record<string, string>): Promise<void> {
  const body = { metadata: { name: 'cacerts', namespace: 'istio-system' }, stringData };
  try {
    await core(configOf(cluster)).replaceNamespacedSecret({ name: 'cacerts', namespace: 'istio-system', body });
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 404)) throw error;
    await core(configOf(cluster)).createNamespacedSecret({ namespace: 'istio-system', body });
  }
  await sleep(PAUSE_MS);
}

/** Writes each cluster's cacerts from its intermediate and the roots, one cluster after the other. */
async function writeAll(intermediates: Record<Cluster, CaKeyPair>, roots: CaKeyPair[]): Promise<void> {
  for (const cluster of CLUSTERS) await writeCacerts(cluster, cacertsData({ intermediate: intermediates[cluster], roots: roots.map((r) => r.certPem) }));
}

const watch = () => watchTrust(CLUSTERS.map((name) => ({ name, config: configOf(name) })));
const distinctStates = (record: TrustRecord) => new Set(record.evaluations.map((e) => e.state)).size;
const triggers = (record: TrustRecord) => record.evaluations.map((e) => e.changed ?? 'start');

describe('the no-gap-in-trust harness', () => {
  test('one root with an intermediate per cluster: every cluster accepts every cluster\'s workload certificate', async () => {
    const root = await newRoot();
    await writeAll({ left: await intermediate(root, 'left'), right: await intermediate(root, 'right') }, [root]);
    const record = await (await watch()).stop();
    assert.deepEqual(triggers(record), ['start']);
    assert.equal(record.evaluations[0]?.result.ok, true);
    assert.deepEqual(record.failures, []);
    assert.deepEqual(record.unreadable, []);
  });

  test('a root rotation in the right order (both roots everywhere, then new signers, then drop the old root) never opens a gap, and every write is checked', async () => {
    const [oldRoot, nextRoot] = [await newRoot(), await newRoot()];
    const current = { left: await intermediate(oldRoot, 'left'), right: await intermediate(oldRoot, 'right') };
    await writeAll(current, [oldRoot]);
    const watching = await watch();
    const next = { left: await intermediate(nextRoot, 'left'), right: await intermediate(nextRoot, 'right') };
    await writeAll(current, [oldRoot, nextRoot]);
    await writeAll(next, [oldRoot, nextRoot]);
    await writeAll(next, [nextRoot]);
    const record = await watching.stop();
    assert.deepEqual(triggers(record), ['start', 'left', 'right', 'left', 'right', 'left', 'right'], 'one evaluation per write, none missed');
    assert.ok(distinctStates(record) >= 5, `${distinctStates(record)} distinct states`);
    assert.deepEqual(record.failures, []);
    assert.ok(record.evaluations.every((e) => e.result.ok));
    assert.deepEqual(record.unreadable, []);
  });

  test('switching left\'s signer to the new root before right trusts it is caught as a failure of signer left at verifier right', async () => {
    const [oldRoot, nextRoot] = [await newRoot(), await newRoot()];
    await writeAll({ left: await intermediate(oldRoot, 'left'), right: await intermediate(oldRoot, 'right') }, [oldRoot]);
    const watching = await watch();
    await writeCacerts('left', cacertsData({ intermediate: await intermediate(nextRoot, 'left'), roots: [oldRoot.certPem, nextRoot.certPem] }));
    const record = await watching.stop();
    assert.deepEqual(triggers(record), ['start', 'left']);
    assert.equal(record.evaluations[0]?.result.ok, true);
    assert.deepEqual(record.failures.map((f) => `${f.signer} -> ${f.verifier}`), ['left -> right']);
    assert.match(record.failures[0]?.reason ?? '', /left intermediate CA .* is issued by none of right's 1 trusted root/);
  });

  test('an intermediate rotation under the same root in one cluster keeps trust', async () => {
    const root = await newRoot();
    await writeAll({ left: await intermediate(root, 'left'), right: await intermediate(root, 'right') }, [root]);
    const watching = await watch();
    await writeCacerts('left', cacertsData({ intermediate: await intermediate(root, 'left'), roots: [root.certPem] }));
    const record = await watching.stop();
    assert.deepEqual(triggers(record), ['start', 'left']);
    assert.equal(distinctStates(record), 2);
    assert.deepEqual(record.failures, []);
  });

  test('a cacerts that briefly does not parse, then is deleted, is counted while the last good one holds, and checking resumes when it returns', async () => {
    const root = await newRoot();
    await writeAll({ left: await intermediate(root, 'left'), right: await intermediate(root, 'right') }, [root]);
    const watching = await watch();
    const { 'ca-key.pem': _key, ...withoutKey } = cacertsData({ intermediate: await intermediate(root, 'left'), roots: [root.certPem] });
    await writeCacerts('left', withoutKey);
    await core(configOf('left')).deleteNamespacedSecret({ name: 'cacerts', namespace: 'istio-system' });
    await sleep(PAUSE_MS);
    await writeCacerts('left', cacertsData({ intermediate: await intermediate(root, 'left'), roots: [root.certPem] }));
    const record = await watching.stop();
    assert.deepEqual(record.unreadable.map((u) => u.cluster), ['left', 'left']);
    assert.match(record.unreadable[0]?.reason ?? '', /lacks ca-key\.pem/);
    assert.match(record.unreadable[1]?.reason ?? '', /does not exist/);
    assert.deepEqual(triggers(record), ['start', 'left'], 'the unreadable states are not evaluated');
    assert.deepEqual(record.failures, []);
  });
});
