// A real istiod for the istiod Deployment of a pool cluster (sim/kube/simulator/istiod.ts),
// judged only by what istiod itself writes and serves, read with node's X509Certificate and
// TLS and certificates made here with the openssl CLI: without `cacerts` istiod signs with
// a self-signed root of its own; once `cacerts` is plugged in (and the pod restarted, as
// `kubectl rollout restart` does) it serves exactly that root; an intermediate written
// later reaches the running istiod through its Secret volume; uninstalling stops it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Deployment } from '@kubernetes/client-node';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { HELM_BIN, ISTIO_DIR, setupStack } from '../../sim/setup.ts';

const run = promisify(execFile);
const CHARTS = join(ISTIO_DIR, 'charts', '1.31-dev');
const NS = 'istio-system';
const KEY = 'eks-us-east-1-solo';

let dir: string;
let pool: KubePoolHandle;
let kubeconfigPath: string;
const kube = new KubeConfig();
const core = () => kube.makeApiClient(CoreV1Api);
const apps = () => kube.makeApiClient(AppsV1Api);

before(async () => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-istiod-'));
  // An EKS cluster (its load balancers have DNS names); the pool's admin certificate is all this test uses, so nothing listens at the AWS endpoint.
  pool = await startKubePool({
    port: await freePort(), dir: join(dir, 'kube'), awsEndpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' }, logFile: join(dir, 'kube.log'),
  });
  await fetch(`${pool.url}/clusters/${KEY}`, { method: 'PUT', body: JSON.stringify({ flavor: 'eks', name: 'solo', region: 'us-east-1' }) });
  const answer = await until('the cluster', async () => {
    const a = (await (await fetch(`${pool.url}/clusters/${KEY}`)).json()) as { state: string; endpoint: string; caPem: string; error?: string };
    assert.notEqual(a.state, 'failed', a.error);
    return a.state === 'ready' ? a : undefined;
  }, 180_000);
  const b64 = (text: string) => Buffer.from(text).toString('base64');
  const pki = (file: string) => readFileSync(join(dir, 'kube', 'clusters', KEY, file), 'utf8');
  kubeconfigPath = join(dir, 'solo.kubeconfig');
  writeFileSync(kubeconfigPath, JSON.stringify({
    apiVersion: 'v1', kind: 'Config', 'current-context': 'solo',
    clusters: [{ name: 'solo', cluster: { server: answer.endpoint, 'certificate-authority-data': b64(answer.caPem) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64(pki('admin.pem')), 'client-key-data': b64(pki('admin-key.pem')) } }],
    contexts: [{ name: 'solo', context: { cluster: 'solo', user: 'admin' } }],
  }), { mode: 0o600 });
  kube.loadFromFile(kubeconfigPath);
  await core().createNamespace({ body: { metadata: { name: NS, labels: { 'topology.istio.io/network': 'network-solo' } } } });
  await helm(['upgrade', '--install', 'istio-base', join(CHARTS, 'base'), '--namespace', NS, '--set', 'defaultRevision=default']);
});

after(async () => {
  await pool?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a real istiod per istiod Deployment', () => {
  let selfSigned: X509Certificate;

  test('without cacerts, istiod reports Ready from its own /ready and falls back to a self-signed root of its own in istio-ca-root-cert', async () => {
    await helm(['upgrade', '--install', 'istiod', join(CHARTS, 'istiod'), '--namespace', NS, '--values', valuesFile()]);
    const running = await readyIstiod();
    assert.equal((await fetch(`${running.url}/ready`)).status, 200, 'the address in the Deployment status is a live istiod');
    const root = await rootConfigMap('default');
    assert.equal(root.length, 1);
    selfSigned = root[0]!;
    assert.equal(selfSigned.issuer, selfSigned.subject, 'self-signed');
    assert.ok(selfSigned.verify(selfSigned.publicKey));
    assert.match(selfSigned.subject, /O=cluster\.local/, 'istiod names its own root after the trust domain');
  });

  test('with cacerts plugged in and the pod restarted, istio-ca-root-cert holds exactly root-cert.pem and istiod\'s TLS certificate chains to ca-cert.pem', async () => {
    const pki = makePki('first');
    await core().createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'cacerts' }, stringData: await pki } });
    const before = await readyIstiod();
    await restart();
    const running = await readyIstiod((r) => r.pid !== before.pid);
    const { 'root-cert.pem': rootPem, 'ca-cert.pem': intermediatePem } = await pki;
    const root = new X509Certificate(rootPem);
    const served = await until('istio-ca-root-cert with the plugged-in root', async () => {
      const certs = await rootConfigMap('default');
      return certs[0]?.fingerprint256 === selfSigned.fingerprint256 ? undefined : certs;
    });
    assert.deepEqual(served.map((c) => c.fingerprint256), [root.fingerprint256], 'the mesh root, and only it');
    const leaf = await tlsLeaf(running.xdsTls);
    assert.ok(leaf.checkIssued(new X509Certificate(intermediatePem)) && leaf.verify(new X509Certificate(intermediatePem).publicKey), 'istiod\'s serving certificate is signed by the plugged-in intermediate');
    assert.ok(new X509Certificate(intermediatePem).verify(root.publicKey));
  });

  test('an intermediate written to cacerts later reaches the running istiod through its Secret volume: its TLS certificate is reissued by the new intermediate, no restart', async () => {
    const running = await readyIstiod();
    const current = (await core().readNamespacedSecret({ name: 'cacerts', namespace: NS })).data!;
    const next = await makePki('second', { rootPem: decode(current['root-cert.pem']!), rootKeyPem: readFileSync(join(dir, 'first', 'root-key.pem'), 'utf8') });
    await core().replaceNamespacedSecret({ name: 'cacerts', namespace: NS, body: { metadata: { name: 'cacerts', namespace: NS }, stringData: next } });
    const intermediate = new X509Certificate(next['ca-cert.pem']);
    await until('istiod to sign with the new intermediate', async () => ((await tlsLeaf(running.xdsTls)).verify(intermediate.publicKey) ? true : undefined), 60_000);
    assert.equal((await readyIstiod()).pid, running.pid, 'the same process');
  });

  test('helm uninstall stops istiod', async () => {
    const { pid } = await readyIstiod();
    await helm(['uninstall', 'istiod', '--namespace', NS, '--wait', '--timeout', '1m']);
    await until('istiod to exit', async () => (alive(pid) ? undefined : true));
  });
});

/** The Deployment's Available condition as the simulator writes it for a real istiod: its pid and addresses. */
async function readyIstiod(accept: (r: { pid: number }) => boolean = () => true): Promise<{ pid: number; url: string; xdsTls: string }> {
  return until('istiod Ready', async () => {
    const deployment = await apps().readNamespacedDeployment({ name: 'istiod', namespace: NS }).catch(() => undefined);
    const available = deployment?.status?.conditions?.find((c) => c.type === 'Available' && c.status === 'True');
    const match = /pid (\d+)\) answers \/ready at (http:\/\/127\.0\.0\.1:\d+), xDS and its CA over TLS at (127\.0\.0\.1:\d+)/.exec(available?.message ?? '');
    if (!match || !ready(deployment!)) return undefined;
    const found = { pid: Number(match[1]), url: match[2]!, xdsTls: match[3]! };
    return accept(found) ? found : undefined;
  }, 90_000);
}

function ready(deployment: V1Deployment): boolean {
  const { spec, status } = deployment;
  return status?.observedGeneration === deployment.metadata?.generation && status?.readyReplicas === spec?.replicas;
}

/** What `kubectl rollout restart` does: a new pod template annotation. */
async function restart(): Promise<void> {
  await apps().patchNamespacedDeployment({
    name: 'istiod', namespace: NS,
    body: [{ op: 'add', path: '/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt', value: new Date().toISOString() }],
  });
}

async function rootConfigMap(namespace: string): Promise<X509Certificate[]> {
  return until(`istio-ca-root-cert in ${namespace}`, async () => {
    const map = await core().readNamespacedConfigMap({ name: 'istio-ca-root-cert', namespace }).catch(() => undefined);
    const pem = map?.data?.['root-cert.pem'];
    return pem ? pemBlocks(pem).map((block) => new X509Certificate(block)) : undefined;
  }, 60_000);
}

/** The certificate istiod presents on its xDS TLS port, not verified here: the test does that. */
function tlsLeaf(address: string): Promise<X509Certificate> {
  const [host, port] = address.split(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(port), rejectUnauthorized: false, ALPNProtocols: ['h2'], servername: 'istiod.istio-system.svc' }, () => {
      const leaf = socket.getPeerX509Certificate();
      socket.end();
      if (leaf) resolve(leaf);
      else reject(new Error(`no certificate from ${address}`));
    });
    socket.once('error', reject);
  });
}

function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

function decode(b64: string): string {
  return Buffer.from(b64, 'base64').toString('utf8');
}

type CaCerts = Record<'root-cert.pem' | 'ca-cert.pem' | 'ca-key.pem' | 'cert-chain.pem', string>;

/** A root (or the given one) and an intermediate under it, with the openssl CLI, as the cacerts Secret's four files. */
async function makePki(name: string, existingRoot?: { rootPem: string; rootKeyPem: string }): Promise<CaCerts> {
  const out = join(dir, name);
  const file = (f: string) => join(out, f);
  await run('mkdir', ['-p', out]);
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-config', '/dev/null'];
  if (existingRoot) {
    writeFileSync(file('root.pem'), existingRoot.rootPem);
    writeFileSync(file('root-key.pem'), existingRoot.rootKeyPem);
  } else {
    await run('openssl', ['req', '-x509', ...key, '-keyout', file('root-key.pem'), '-out', file('root.pem'), '-subj', '/O=istiod-test/CN=Test Root', '-days', '30',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }
  await run('openssl', ['req', '-new', ...key, '-keyout', file('ca-key.pem'), '-out', file('ca.csr'), '-subj', `/O=istiod-test/CN=Test Intermediate ${name}`]);
  writeFileSync(file('ext.cnf'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign,digitalSignature\nsubjectAltName=URI:spiffe://cluster.local/ns/istio-system/sa/citadel\n');
  await run('openssl', ['x509', '-req', '-in', file('ca.csr'), '-CA', file('root.pem'), '-CAkey', file('root-key.pem'), '-CAcreateserial', '-out', file('ca-cert.pem'), '-days', '20', '-extfile', file('ext.cnf')]);
  const [root, intermediate, caKey] = ['root.pem', 'ca-cert.pem', 'ca-key.pem'].map((f) => readFileSync(file(f), 'utf8')) as [string, string, string];
  return { 'root-cert.pem': root, 'ca-cert.pem': intermediate, 'ca-key.pem': caKey, 'cert-chain.pem': intermediate + root };
}

function valuesFile(): string {
  const file = join(dir, 'istiod.values.json');
  writeFileSync(file, JSON.stringify({
    global: { hub: 'gcr.io/istio-testing', tag: '1.31-dev', meshID: 'mesh1', multiCluster: { clusterName: 'solo' }, network: 'network-solo' },
    meshConfig: { trustDomain: 'cluster.local' },
    env: { ISTIO_MULTIROOT_MESH: 'true' },
  }));
  return file;
}

async function helm(args: string[]): Promise<string> {
  const { stdout } = await run(HELM_BIN, [...args, '--kubeconfig', kubeconfigPath]);
  return stdout;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
    const value = await probe();
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}
