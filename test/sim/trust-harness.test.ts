// The "no gap in trust" harness (sim/trust) against two real kube-apiservers of the kube
// pool, each with a real istiod (installed with the real charts, run by the pool): it watches
// workload certificates the istiods issue to real pilot-agents and the roots they publish,
// finds no gap in a root rotation done in the right order (each step picked up by istiod
// before the next, as istiod's own ConfigMap and certificates show), and catches the wrong
// one. The test writes cacerts itself, as the rotation workflow would.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { ApiException, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { cacertsData } from '../../activities/pki/cacerts.ts';
import { createRootCa, issueIntermediate, type CaKeyPair } from '../../activities/pki/certificate-authority.ts';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { HELM_BIN, ISTIO_DIR, setupStack } from '../../sim/setup.ts';
import { pemBlocks } from '../../sim/trust/chain.ts';
import { watchTrust, type TrustRecord, type TrustWatch } from '../../sim/trust/watch-trust.ts';

const run = promisify(execFile);
const MESH = 'trust';
const CLUSTERS = ['left', 'right'] as const;
type Cluster = (typeof CLUSTERS)[number];
const CHARTS = join(ISTIO_DIR, 'charts', '1.31-dev');
/** Short, so the workloads renew about every second and each state issues certificates. */
const TTL_SECONDS = 2;

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
const kubeconfigs = new Map<Cluster, string>();
let oldRoot: CaKeyPair;
let current: Record<Cluster, CaKeyPair>;

before(async () => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-trust-'));
  const port = await freePort();
  // Only EKS token reviews reach AWS; these clusters are AKS, so no Moto is needed behind the pool.
  const credentials = { accessKeyId: 'trust-harness', secretAccessKey: 'trust-harness' };
  pool = await startKubePool({ port, dir: join(dir, 'kube'), awsEndpoint: 'http://127.0.0.1:9', credentials, logFile: join(dir, 'kube.log') });
  oldRoot = await newRoot();
  current = { left: await intermediate(oldRoot, 'left'), right: await intermediate(oldRoot, 'right') };
  await Promise.all(CLUSTERS.map(async (name) => {
    const answer = await startAks(name);
    const config = adminConfig(answer);
    configs.set(name, config);
    kubeconfigs.set(name, writeKubeconfig(name, answer));
    await core(config).createNamespace({ body: { metadata: { name: 'istio-system', labels: { 'topology.istio.io/network': `network-${name}` } } } });
    // cacerts before istiod, as cellbridge installs it: istiod loads it at start.
    await writeCacerts(name, cacertsData({ intermediate: current[name], roots: [oldRoot.certPem] }));
    await helm(name, ['upgrade', '--install', 'istio-base', join(CHARTS, 'base'), '--namespace', 'istio-system', '--set', 'defaultRevision=default']);
    await helm(name, ['upgrade', '--install', 'istiod', join(CHARTS, 'istiod'), '--namespace', 'istio-system', '--values', valuesFile(name)]);
  }));
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

/** The same admin access as a file, for helm. */
function writeKubeconfig(name: Cluster, answer: PoolAnswer): string {
  const base64 = (text: string) => Buffer.from(text).toString('base64');
  const file = join(dir, `${name}.kubeconfig`);
  writeFileSync(file, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': name,
    clusters: [{ name, cluster: { server: answer.endpoint, 'certificate-authority-data': base64(answer.caPem) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': base64(answer.adminCertPem), 'client-key-data': base64(answer.adminKeyPem) } }],
    contexts: [{ name, context: { cluster: name, user: 'admin' } }],
  }), { mode: 0o600 });
  return file;
}

function valuesFile(name: Cluster): string {
  const file = join(dir, `${name}.values.json`);
  writeFileSync(file, JSON.stringify({
    global: { hub: 'gcr.io/istio-testing', tag: '1.31-dev', meshID: MESH, multiCluster: { clusterName: name }, network: `network-${name}` },
    meshConfig: { trustDomain: 'cluster.local' },
    env: { ISTIO_MULTIROOT_MESH: 'true' },
  }));
  return file;
}

async function helm(name: Cluster, args: string[]): Promise<void> {
  await run(HELM_BIN, [...args, '--kubeconfig', kubeconfigs.get(name)!]);
}

const core = (config: KubeConfig) => config.makeApiClient(CoreV1Api);
const configOf = (name: Cluster) => configs.get(name) as KubeConfig;
const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;

const newRoot = () => createRootCa({ mesh: MESH, keyType: 'ECDSA_P256', validityDays: 3650, now: new Date() });
const intermediate = (root: CaKeyPair, cluster: Cluster) =>
  issueIntermediate({ root, mesh: MESH, cluster, keyType: 'ECDSA_P256', validityDays: 365, minimumDays: 30, now: new Date() });

/** Replaces (or creates) a cluster's cacerts with exactly these keys. */
async function writeCacerts(cluster: Cluster, stringData: Record<string, string>): Promise<void> {
  const body = { metadata: { name: 'cacerts', namespace: 'istio-system' }, stringData };
  try {
    await core(configOf(cluster)).replaceNamespacedSecret({ name: 'cacerts', namespace: 'istio-system', body });
  } catch (error) {
    if (!(error instanceof ApiException && error.code === 404)) throw error;
    await core(configOf(cluster)).createNamespacedSecret({ namespace: 'istio-system', body });
  }
}

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !(await probe()); await sleep(200)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
  }
}

/** istiod's evidence that it took a trust bundle: the roots it publishes in istio-ca-root-cert. */
async function publishes(cluster: Cluster, roots: CaKeyPair[]): Promise<void> {
  await until(`${cluster}'s istiod to publish ${roots.length} root(s)`, async () => {
    const pem = (await core(configOf(cluster)).readNamespacedConfigMap({ name: 'istio-ca-root-cert', namespace: 'default' }).catch(() => undefined))?.data?.['root-cert.pem'] ?? '';
    return pemBlocks(pem).map(fingerprint).join() === roots.map((r) => fingerprint(r.certPem)).join();
  });
}

/** istiod's evidence that it signs with an intermediate: a workload certificate the harness saw it issue. */
async function issues(watching: TrustWatch, cluster: Cluster, by: CaKeyPair): Promise<void> {
  await until(`${cluster}'s istiod to issue from its new intermediate`, () => watching.snapshot().issued.some((i) => i.cluster === cluster && i.issuer === fingerprint(by.certPem)));
}

const watch = () => watchTrust(CLUSTERS.map((name) => ({ name, config: configOf(name) })), { ttlSeconds: TTL_SECONDS, parentDir: join(dir, 'workloads') });
const issuers = (record: TrustRecord, cluster: Cluster) => new Set(record.issued.filter((i) => i.cluster === cluster).map((i) => i.issuer));

describe('the no-gap-in-trust harness, judged by real istiods', () => {
  test('one root with an intermediate per cluster: every cluster accepts the workload certificates every istiod issues, renewed within the TTL', async () => {
    const watching = await watch();
    await sleep(TTL_SECONDS * 1000);
    const record = await watching.stop();
    assert.deepEqual(record.failures, []);
    assert.ok(record.evaluations.length >= 3 && record.evaluations.every((e) => e.result.ok), `${record.evaluations.length} evaluations`);
    for (const cluster of CLUSTERS) {
      assert.deepEqual([...issuers(record, cluster)], [fingerprint(current[cluster].certPem)], `${cluster}'s istiod signs with its own intermediate`);
      assert.ok(record.issued.filter((i) => i.cluster === cluster).length >= 2, `${cluster}'s workload renewed`);
    }
  });

  test('a root rotation in the right order (both roots everywhere, then new signers, then drop the old root), each step picked up before the next, never opens a gap', async () => {
    const nextRoot = await newRoot();
    const watching = await watch();
    for (const cluster of CLUSTERS) await writeCacerts(cluster, cacertsData({ intermediate: current[cluster], roots: [oldRoot.certPem, nextRoot.certPem] }));
    for (const cluster of CLUSTERS) await publishes(cluster, [oldRoot, nextRoot]);
    const next = { left: await intermediate(nextRoot, 'left'), right: await intermediate(nextRoot, 'right') };
    for (const cluster of CLUSTERS) await writeCacerts(cluster, cacertsData({ intermediate: next[cluster], roots: [oldRoot.certPem, nextRoot.certPem] }));
    for (const cluster of CLUSTERS) await issues(watching, cluster, next[cluster]);
    // One workload certificate lifetime: no certificate from the old root is still in use.
    await sleep(TTL_SECONDS * 1000);
    for (const cluster of CLUSTERS) await writeCacerts(cluster, cacertsData({ intermediate: next[cluster], roots: [nextRoot.certPem] }));
    for (const cluster of CLUSTERS) await publishes(cluster, [nextRoot]);
    const record = await watching.stop();
    assert.deepEqual(record.failures.map((f) => f.reason), []);
    assert.ok(new Set(record.evaluations.map((e) => e.state)).size >= 5, `${new Set(record.evaluations.map((e) => e.state)).size} distinct states`);
    assert.deepEqual(record.unreadable, []);
    oldRoot = nextRoot;
    current = next;
  });

  test('switching left\'s signer to a new root (trusting both) before right trusts it is caught as a failure of signer left at verifier right', async () => {
    const nextRoot = await newRoot();
    const watching = await watch();
    const early = await intermediate(nextRoot, 'left');
    await writeCacerts('left', cacertsData({ intermediate: early, roots: [oldRoot.certPem, nextRoot.certPem] }));
    await issues(watching, 'left', early);
    const record = await watching.stop();
    assert.ok(record.evaluations[0]?.result.ok, 'the mesh had no gap before the write');
    assert.deepEqual([...new Set(record.failures.map((f) => `${f.signer} -> ${f.verifier}`))], ['left -> right']);
    assert.match(record.failures[0]?.reason ?? '', /right refuses left's workload certificate: .* is issued by none of the 1 trusted root/);
  });
});
