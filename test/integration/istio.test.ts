/**
 * Istio multi-primary across an EKS and an AKS cell, on real API servers with the real
 * charts: one root of trust (checked with openssl), the istioctl remote-secret format,
 * verification that passes, and that fails check by check when the mesh is broken. A real
 * istiod runs for each cluster (the kube pool starts one per istiod Deployment) and is the
 * judge of what cellbridge installed: the root it serves, its readiness, its peer sync, and
 * the workload certificates it issues to the real pilot-agent (sim/trust/workload-agent.ts),
 * judged with openssl and node's TLS: they chain to the shared root, and an EKS and an AKS
 * workload complete mutual TLS in both directions, until one cell's root is foreign. The
 * real istioctl judges the same Ready mesh before it is broken (test/support/istioctl.ts):
 * `istioctl analyze --all-namespaces` (multicluster: it follows the remote secrets) finds no
 * error, and finds the one a deliberately broken gateway makes; `istioctl
 * create-remote-secret` for the same cluster makes what cellbridge wrote.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { connect } from 'node:tls';
import { AppsV1Api, KubeConfig, KubernetesObjectApi, loadYaml, type V1Deployment, type V1Secret } from '@kubernetes/client-node';
import { createRootCa, issueIntermediate } from '../../activities/pki/certificate-authority.ts';
import { cacertsData } from '../../activities/pki/cacerts.ts';
import { mutualTls, type HandshakeResult, type TlsWorkload } from '../../sim/trust/mutual-tls.ts';
import { WorkloadAgent, type WorkloadCertificate } from '../../sim/trust/workload-agent.ts';
import { analyze, EXIT_ANALYZER_FOUND_ISSUES, istioctl, istioctlBuilt, writeKubeconfigs } from '../support/istioctl.ts';
import { cellClusterName, cellKubeConfig, core } from '../support/kube.ts';
import { api, clearFaults, cutTunnels, exampleSpec, FAST_TIME_SCALE, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

const DONE = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const text = (secret: V1Secret, key: string) => Buffer.from(secret.data?.[key] ?? '', 'base64').toString('utf8');

describe('Istio multi-primary across the clouds', () => {
  const stack = useStack('istio', { timeScale: FAST_TIME_SCALE });

  // mesh-a is judged by the tests below in turn: healthy, by istioctl, then broken piece by piece and deleted.
  const spec = exampleSpec('cells', { name: 'mesh-a' });
  const eastCluster = cellClusterName('mesh-a', 'east');
  const kubeconfigDir = mkdtempSync(join(tmpdir(), 'cellbridge-istioctl-'));
  after(() => rmSync(kubeconfigDir, { recursive: true, force: true }));

  test('one POST reaches a verified Ready mesh; every intermediate chains to one root; workload certificates from the EKS and AKS istiods chain to it and complete mTLS both ways; remote secrets are in the istioctl format', async () => {
    const e = stack.endpoints();
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, 'mesh-a', DONE, 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify({ error: ready.error, failed: ready.verification?.checks?.filter((c: any) => !c.pass) }));
    const verification = (await api(e, 'GET', '/v1/meshes/mesh-a/verification')).body;
    assert.equal(verification.passed, true);
    assert.equal(verification.checks.filter((c: any) => c.id === 'remote-secret.accepted' && c.pass).length, 2, 'a remote secret in each direction, accepted by the peer');
    const routable = Object.fromEntries(verification.checks.filter((c: any) => c.id === 'east-west.routable').map((c: any) => [c.cluster, c]));
    // EKS: the NLB hostname's addresses, inside the VPC that Azure learned from AWS; AKS: the internal frontend, inside the VNet AWS learned.
    assert.match(routable.east?.evidence ?? '', /^istio-eastwestgateway at \S+\.elb\.us-east-1\.amazonaws\.com \(resolves to 10\.10\.[01]\.\d+, 10\.10\.[01]\.\d+\): .*; Azure's VPN gateway learned from AWS over BGP: 10\.10\.0\.0\/16$/, JSON.stringify(routable.east));
    assert.match(routable.west?.evidence ?? '', /^istio-eastwestgateway at 10\.20\.[0-3]\.\d+: \S+ inside 10\.20\.0\.0\/16; the Transit Gateway learned from Azure over BGP: 10\.20\.0\.0\/16$/, JSON.stringify(routable.west));
    assert.ok(routable.east.pass && routable.west.pass);

    const [east, west] = await Promise.all([cellKubeConfig(e, spec, 'east', 'aws'), cellKubeConfig(e, spec, 'west', 'azure')]);
    const cacerts = await Promise.all([east, west].map((c) => core(c).readNamespacedSecret({ name: 'cacerts', namespace: 'istio-system' })));
    assert.equal(text(cacerts[0]!, 'root-cert.pem'), text(cacerts[1]!, 'root-cert.pem'), 'root-cert.pem is byte-identical in every cluster');
    const dir = mkdtempSync(join(tmpdir(), 'cellbridge-openssl-'));
    writeFileSync(join(dir, 'root.pem'), text(cacerts[0]!, 'root-cert.pem'));
    for (const [i, secret] of cacerts.entries()) {
      writeFileSync(join(dir, `int-${i}.pem`), text(secret, 'ca-cert.pem'));
      assert.match(execFileSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), join(dir, `int-${i}.pem`)]).toString(), /: OK/);
    }
    assert.notEqual(text(cacerts[0]!, 'ca-cert.pem'), text(cacerts[1]!, 'ca-cert.pem'), 'each cluster has its own intermediate');
    await assertRealIstiods([
      { config: east, cacerts: cacerts[0]!, peer: cellClusterName('mesh-a', 'west') },
      { config: west, cacerts: cacerts[1]!, peer: cellClusterName('mesh-a', 'east') },
    ]);
    await assertWorkloadMtls(east, west, cacerts[0]!, cacerts[1]!);

    const remote = await core(west).readNamespacedSecret({ name: `istio-remote-secret-${eastCluster}`, namespace: 'istio-system' });
    assert.equal(remote.metadata?.labels?.['istio/multiCluster'], 'true');
    assert.equal(remote.metadata?.annotations?.['networking.istio.io/cluster'], eastCluster);
    assert.deepEqual(Object.keys(remote.data ?? {}), [eastCluster]);
    assert.match(text(remote, eastCluster), new RegExp(`current-context: ${eastCluster}[\\s\\S]*token: `));
  });

  test('istioctl analyze --all-namespaces, from either cluster and following its remote secret to the other, exits 0 and reports no error (IST0147 on the uninjectable gateway pods aside)', async (t) => {
    await istioctlBuilt();
    t.diagnostic(istioctl(['version', '--remote=false']).stdout.trim());
    const { files } = await writeKubeconfigs(stack.endpoints(), spec, kubeconfigDir);
    for (const cell of ['east', 'west'] as const) {
      const { status, messages, raw } = analyze(files[cell]);
      t.diagnostic(`${cell}: ${raw}`);
      assert.deepEqual(messages.filter((m) => m.level === 'Error').map((m) => `${m.code} ${m.origin ?? ''}: ${m.message}`), [], `${cell}: no analyzer error`);
      assert.equal(status, 0, `${cell}: istioctl analyze exit code\n${raw}`);
      const peer = cell === 'east' ? 'west' : 'east';
      // The peer is named in a message tag ([cluster-…]) or in a multicluster finding's cluster list (IST0170), whichever the analyzers report.
      assert.match(raw, new RegExp(`\\b${spec.name}-${peer}-`), `${cell}: the analysis covered the peer cluster named in the remote secret`);
    }
  });

  test('the remote secret cellbridge wrote for east (in west) has what istioctl create-remote-secret makes for east: name, namespace, label, annotation, data key, kubeconfig server, CA and a token user', async (t) => {
    const { files, configs: { east, west } } = await writeKubeconfigs(stack.endpoints(), spec, kubeconfigDir);
    // The name east's istiod knows its cluster by (its CLUSTER_ID), which is what a remote secret must carry.
    const istiod = await east.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
    const clusterName = istiod.spec?.template.spec?.containers.flatMap((c) => c.env ?? []).find((v) => v.name === 'CLUSTER_ID')?.value ?? '';
    assert.match(clusterName, new RegExp(`^${spec.name}-east`));
    const run = istioctl(['create-remote-secret', '--kubeconfig', files.east, '--name', clusterName]);
    assert.equal(run.status, 0, run.stderr);
    const documents = run.stdout.split(/^---\s*$/m).map((part) => part.trim()).filter(Boolean).map((part) => loadYaml<{ kind?: string }>(part));
    const theirs = documents.find((o) => o?.kind === 'Secret') as V1Secret;
    assert.ok(theirs, `istioctl printed a Secret:\n${run.stdout.replace(/token: .*/g, 'token: …')}`);
    const ours = await core(west).readNamespacedSecret({ name: theirs.metadata?.name ?? '', namespace: theirs.metadata?.namespace ?? 'istio-system' });
    t.diagnostic(`istioctl: ${theirs.metadata?.namespace}/${theirs.metadata?.name} labels ${JSON.stringify(theirs.metadata?.labels)} annotations ${JSON.stringify(theirs.metadata?.annotations)}`);

    assert.equal(theirs.metadata?.name, `istio-remote-secret-${clusterName}`);
    assert.equal(ours.metadata?.namespace, theirs.metadata?.namespace);
    const istioKeys = (record: Record<string, string> | undefined) => Object.fromEntries(Object.entries(record ?? {}).filter(([k]) => k.includes('istio')));
    assert.deepEqual(istioKeys(ours.metadata?.labels), istioKeys(theirs.metadata?.labels), 'labels');
    assert.deepEqual(istioKeys(ours.metadata?.annotations), istioKeys(theirs.metadata?.annotations), 'annotations');
    assert.deepEqual(Object.keys(ours.data ?? {}), Object.keys(theirs.data ?? theirs.stringData ?? {}), 'data keys');

    const kubeconfigOf = (secret: V1Secret) => {
      const config = new KubeConfig();
      config.loadFromString(secret.stringData?.[clusterName] ?? text(secret, clusterName));
      return config;
    };
    const [mine, istio] = [kubeconfigOf(ours), kubeconfigOf(theirs)];
    const shape = (config: KubeConfig) => ({
      currentContext: config.getCurrentContext(),
      clusters: config.getClusters().map((c) => ({ name: c.name, server: c.server, caData: c.caData })),
      contexts: config.getContexts().map((c) => ({ name: c.name, cluster: c.cluster, user: c.user })),
      users: config.getUsers().map((u) => ({ name: u.name, token: Boolean(u.token), certificate: Boolean(u.certData), exec: Boolean(u.exec), authProvider: Boolean(u.authProvider) })),
    });
    assert.deepEqual(shape(mine), shape(istio), 'the kubeconfigs agree on everything but the token');
  });

  test('with the east-west gateway Deployments deleted (in both clusters: multicluster analysis finds a selector\'s pods in any), istioctl analyze reports IST0101 (selector istio=eastwestgateway not found) for the cross-network Gateway and exits 79; put back, the gateways are ready again', async (t) => {
    const { files, configs } = await writeKubeconfigs(stack.endpoints(), spec, kubeconfigDir);
    const removed = new Map<'east' | 'west', V1Deployment>();
    for (const cell of ['east', 'west'] as const) {
      const apps = configs[cell].makeApiClient(AppsV1Api);
      removed.set(cell, await apps.readNamespacedDeployment({ name: 'istio-eastwestgateway', namespace: 'istio-system' }));
      await apps.deleteNamespacedDeployment({ name: 'istio-eastwestgateway', namespace: 'istio-system' });
    }
    // The garbage collector takes the ReplicaSets and their pods with the Deployments.
    await until(async () => {
      const left = await Promise.all((['east', 'west'] as const).map(async (cell) => (await core(configs[cell]).listNamespacedPod({ namespace: 'istio-system', labelSelector: 'istio=eastwestgateway' })).items.length));
      return left.every((n) => n === 0) || undefined;
    }, 60_000);
    const result = analyze(files.west);
    // Put the gateways back, ready, for the checks that follow and for the teardown, which
    // waits for a release's workloads to be ready before it uninstalls it.
    for (const [cell, deployment] of removed) {
      const { name, namespace, labels, annotations } = deployment.metadata!;
      await configs[cell].makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace: namespace!, body: { metadata: { name, namespace, labels, annotations }, spec: deployment.spec! } });
    }
    t.diagnostic(result.raw);
    const selectorErrors = result.messages.filter((m) => m.code === 'IST0101' && m.level === 'Error' && m.origin === 'Gateway istio-system/cross-network-gateway' && /istio=eastwestgateway/.test(m.message));
    // The analysis merges the clusters' Gateways: the local one is reported.
    assert.deepEqual(selectorErrors.map((m) => m.cluster), ['default'], result.raw);
    assert.equal(result.status, EXIT_ANALYZER_FOUND_ISSUES);
    for (const cell of ['east', 'west'] as const) {
      const apps = configs[cell].makeApiClient(AppsV1Api);
      await until(async () => {
        const status = (await apps.readNamespacedDeployment({ name: 'istio-eastwestgateway', namespace: 'istio-system' })).status;
        return (status?.readyReplicas ?? 0) >= (removed.get(cell)!.spec?.replicas ?? 1) || undefined;
      });
    }
  });

  test('mesh-a broken piece by piece: not once a foreign root is planted (no mutual TLS across roots), and verification fails exactly the broken checks; DELETE leaves nothing', async () => {
    const e = stack.endpoints();
    const [east, west] = await Promise.all([cellKubeConfig(e, spec, 'east', 'aws'), cellKubeConfig(e, spec, 'west', 'azure')]);
    // Break the mesh, one piece per check, then ask for verification again.
    const foreignRoot = await createRootCa({ mesh: 'intruder', keyType: 'ECDSA_P256', validityDays: 3650, now: new Date() });
    const foreign = cacertsData({ intermediate: await issueIntermediate({ root: foreignRoot, mesh: 'intruder', cluster: 'x', keyType: 'ECDSA_P256', validityDays: 365, minimumDays: 90, now: new Date() }), roots: [foreignRoot.certPem] });
    await core(west).replaceNamespacedSecret({ name: 'cacerts', namespace: 'istio-system', body: { metadata: { name: 'cacerts', namespace: 'istio-system' }, stringData: foreign } });
    await assertForeignRootBreaksMtls(east, west, foreign);
    await core(west).deleteNamespacedSecret({ name: `istio-remote-secret-${eastCluster}`, namespace: 'istio-system' });
    await core(east).patchNamespace({ name: 'istio-system', body: [{ op: 'remove', path: '/metadata/labels/topology.istio.io~1network' }] });
    await core(east).createNamespacedSecret({ namespace: 'istio-system', body: { metadata: { name: 'leftover-creds' }, stringData: { credentials: '[default]\naws_access_key_id = AKIAABCDEFGHIJKLMNOP\naws_secret_access_key = x' } } });
    // Every tunnel of the mesh cut: each cloud withdraws what it learned over BGP, so neither gateway is reachable.
    await cutTunnels(e, 'cellbridge-mesh-a');
    assert.equal((await api(e, 'POST', '/v1/meshes/mesh-a/verification')).status, 202);
    const degraded = await waitForPhase(e, 'mesh-a', ['Degraded'], 60_000);
    await clearFaults(e);
    const failed = degraded.verification.checks.filter((c: any) => !c.pass).map((c: any) => `${c.id} ${c.cluster ?? ''}`.trim()).sort();
    assert.match(degraded.verification.checks.find((c: any) => c.id === 'east-west.routable' && c.cluster === 'east').evidence, /outside every learned prefix; Azure's VPN gateway learned from AWS nothing over BGP$/);
    assert.deepEqual(failed, [
      'east-west.routable east',
      'east-west.routable west',
      'intermediate.chain-and-margin west',
      'network.label east',
      'remote-secret.accepted west',
      'root.same-fingerprint west',
      'secrets.no-static-cloud-credentials east',
    ]);

    assert.equal((await api(e, 'DELETE', '/v1/meshes/mesh-a')).status, 202);
    const gone = await waitForPhase(e, 'mesh-a', ['Deleted', 'TeardownIncomplete'], 300_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.deepEqual(await meshInventory(e, 'mesh-a'), []);
  });

  test('a fault during the AKS istiod install rolls back everything: no Istio objects, no cloud resources', async () => {
    const e = stack.endpoints();
    const spec = exampleSpec('cells', { name: 'mesh-b' });
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    // A policy engine in the AKS cluster refuses istiod, as soon as istio-system exists (real admission, CEL).
    const west = await until(async () => {
      const config = await cellKubeConfig(e, spec, 'west', 'azure').catch(() => undefined);
      return config && (await core(config).readNamespace({ name: 'istio-system' }).then(() => config, () => undefined));
    });
    await denyIstiod(west);
    const final = await waitForPhase(e, 'mesh-b', DONE, 300_000);
    assert.equal(final.phase, 'RolledBack', JSON.stringify({ error: final.error, failures: final.cleanupFailures }));
    assert.match(final.error, /istio\/west\/istiod[\s\S]*denied/);
    const istio = final.resources.filter((r: any) => r.id.startsWith('istio/') || r.id.startsWith('pki/'));
    assert.ok(istio.length > 0 && istio.every((r: any) => ['deleted', 'pending'].includes(r.state)), JSON.stringify(istio.map((r: any) => `${r.id} ${r.state}`)));
    assert.deepEqual(await meshInventory(e, 'mesh-b'), []);
  });

  test('ambient mode installs istio-cni, ztunnel and a Gateway API east-west gateway (istio-east-west, HBONE 15008), with multi-network istiod', async () => {
    const e = stack.endpoints();
    const spec = { ...exampleSpec('cells', { name: 'mesh-c' }), istio: { dataplane: 'ambient' } };
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, 'mesh-c', DONE, 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify({ error: ready.error, failed: ready.verification?.checks?.filter((c: any) => !c.pass) }));
    for (const [cell, cloud] of [['east', 'aws'], ['west', 'azure']] as const) {
      const config = await cellKubeConfig(e, spec, cell, cloud);
      const apps = config.makeApiClient(AppsV1Api);
      for (const name of ['ztunnel', 'istio-cni-node']) {
        const ds = await apps.readNamespacedDaemonSet({ name, namespace: 'istio-system' });
        assert.ok((ds.status?.numberReady ?? 0) > 0, `${cell}: ${name} ready`);
      }
      const istiod = await apps.readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
      const env = istiod.spec?.template.spec?.containers[0]?.env ?? [];
      assert.equal(env.find((v) => v.name === 'AMBIENT_ENABLE_MULTI_NETWORK')?.value, 'true', `${cell}: istiod runs multi-network ambient`);
      const cacerts = await core(config).readNamespacedSecret({ name: 'cacerts', namespace: 'istio-system' });
      await assertRealIstiods([{ config, cacerts, peer: cellClusterName('mesh-c', cell === 'east' ? 'west' : 'east') }]);
      const gateway = await KubernetesObjectApi.makeApiClient(config).read({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'istio-eastwestgateway', namespace: 'istio-system' } }) as any;
      assert.equal(gateway.spec.gatewayClassName, 'istio-east-west');
      assert.deepEqual(gateway.spec.listeners.map((l: any) => `${l.protocol}:${l.port}`), ['HBONE:15008']);
    }
    assert.equal((await api(e, 'DELETE', '/v1/meshes/mesh-c')).status, 202);
    assert.equal((await waitForPhase(e, 'mesh-c', ['Deleted', 'TeardownIncomplete'], 300_000)).phase, 'Deleted');
    assert.deepEqual(await meshInventory(e, 'mesh-c'), []);
  });
});

/**
 * What each cluster's real istiod says about the mesh, judged with node's X509Certificate and
 * TLS: its Deployment is Ready because istiod's own /ready answers (at the address the kube
 * pool records in the Available condition); the istio-ca-root-cert ConfigMap it writes into
 * namespaces holds exactly the mesh's root from cacerts (not a self-signed root of its own);
 * the certificate it serves xDS with is signed by the cluster's intermediate; and its
 * /debug/clusterz shows the peer cluster, read through cellbridge's remote secret, synced.
 */
async function assertRealIstiods(clusters: { config: KubeConfig; cacerts: V1Secret; peer: string }[]): Promise<void> {
  for (const { config, cacerts, peer } of clusters) {
    const at = `${config.getCurrentCluster()?.server} (peer ${peer})`;
    const istiod = await until(async () => {
      const deployment = await config.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'istiod', namespace: 'istio-system' });
      const available = deployment.status?.conditions?.find((c) => c.type === 'Available' && c.status === 'True')?.message ?? '';
      const match = /answers \/ready at (http:\/\/127\.0\.0\.1:\d+), xDS and its CA over TLS at 127\.0\.0\.1:(\d+)/.exec(available);
      return match ? { url: match[1]!, xdsPort: Number(match[2]) } : undefined;
    });
    assert.equal((await fetch(`${istiod.url}/ready`)).status, 200, `${at}: a live istiod behind the Ready Deployment`);
    const root = new X509Certificate(text(cacerts, 'root-cert.pem'));
    for (const namespace of ['istio-system', 'default']) {
      const served = await until(async () => {
        const pem = (await core(config).readNamespacedConfigMap({ name: 'istio-ca-root-cert', namespace }).catch(() => undefined))?.data?.['root-cert.pem'];
        return pem?.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)?.map((block) => new X509Certificate(block).fingerprint256);
      });
      assert.deepEqual(served, [root.fingerprint256], `${at}: istio-ca-root-cert in ${namespace} is exactly the mesh root`);
    }
    const leaf = await new Promise<X509Certificate>((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: istiod.xdsPort, rejectUnauthorized: false, servername: 'istiod.istio-system.svc' }, () => {
        const cert = socket.getPeerX509Certificate();
        socket.end();
        return cert ? resolve(cert) : reject(new Error('no certificate'));
      });
      socket.once('error', reject);
    });
    assert.ok(leaf.verify(new X509Certificate(text(cacerts, 'ca-cert.pem')).publicKey), `${at}: istiod signs with the cluster's plugged-in intermediate`);
    const synced = await until(async () => {
      const clusters = (await fetch(`${istiod.url}/debug/clusterz`).then((r) => r.json(), () => [])) as { id: string; syncStatus: string }[];
      return clusters.find((c) => c.id === peer && c.syncStatus === 'synced');
    });
    assert.ok(synced, `${at}: the peer's informers synced through the remote secret`);
  }
}

const WORKLOAD_ID = 'spiffe://cluster.local/ns/default/sa/sleep';
const AGENTS_DIR = mkdtempSync(join(tmpdir(), 'cellbridge-workloads-'));
after(() => rmSync(AGENTS_DIR, { recursive: true, force: true }));
const tlsWorkload = (cert: WorkloadCertificate): TlsWorkload => ({ chain: cert.chain, keyPem: cert.keyPem, bundle: cert.roots });

/** Runs `body` with a pilot-agent in each cluster, and stops them whatever happens. */
async function withWorkloads<T>(configs: KubeConfig[], body: (certs: WorkloadCertificate[]) => Promise<T>): Promise<T> {
  const agents: WorkloadAgent[] = [];
  try {
    for (const config of configs) agents.push(await WorkloadAgent.start({ config, parentDir: AGENTS_DIR, ttlSeconds: 3600 }));
    return await body(await Promise.all(agents.map((agent) => agent.certificate())));
  } finally {
    await Promise.all(agents.map((agent) => agent.stop()));
  }
}

/**
 * Workload certificates the real istiods issue to the real pilot-agent, judged with openssl
 * and node's X509Certificate and TLS: each is signed by its own cell's intermediate and
 * chains to the shared root (openssl verify, the root the only trust anchor), names the
 * workload's SPIFFE ID, and an EKS server and an AKS client (and the reverse) complete mutual
 * TLS, each verifying the other against the trust bundle istiod gave it.
 */
async function assertWorkloadMtls(east: KubeConfig, west: KubeConfig, eastCacerts: V1Secret, westCacerts: V1Secret): Promise<void> {
  await withWorkloads([east, west], async ([eastCert, westCert]) => {
    const dir = mkdtempSync(join(AGENTS_DIR, 'openssl-'));
    writeFileSync(join(dir, 'root.pem'), text(eastCacerts, 'root-cert.pem'));
    for (const [cell, cert, cacerts] of [['east', eastCert!, eastCacerts], ['west', westCert!, westCacerts]] as const) {
      const leaf = new X509Certificate(cert.chain[0]!);
      assert.equal(leaf.subjectAltName, `URI:${WORKLOAD_ID}`, `${cell}: istiod put the workload's SPIFFE ID in its certificate`);
      const intermediate = new X509Certificate(text(cacerts, 'ca-cert.pem'));
      assert.ok(leaf.checkIssued(intermediate) && leaf.verify(intermediate.publicKey), `${cell}: signed by the cell's own plugged-in intermediate`);
      writeFileSync(join(dir, `${cell}-leaf.pem`), cert.chain[0]!);
      writeFileSync(join(dir, `${cell}-chain.pem`), cert.chain.slice(1).join('\n'));
      const verdict = execFileSync('openssl', ['verify', '-CAfile', join(dir, 'root.pem'), '-untrusted', join(dir, `${cell}-chain.pem`), join(dir, `${cell}-leaf.pem`)]).toString();
      assert.match(verdict, /: OK/, `${cell}: the chain istiod issued leads to the mesh's shared root`);
      assert.deepEqual(cert.roots.map((pem) => new X509Certificate(pem).fingerprint256), [new X509Certificate(text(cacerts, 'root-cert.pem')).fingerprint256], `${cell}: istiod hands the workload the shared root as its trust bundle`);
    }
    for (const [server, client, serverCell, clientCell] of [[eastCert!, westCert!, 'east', 'west'], [westCert!, eastCert!, 'west', 'east']] as const) {
      const result = await mutualTls(tlsWorkload(server), tlsWorkload(client));
      assert.deepEqual(result, { ok: true, serverSawClient: [WORKLOAD_ID], clientSawServer: [WORKLOAD_ID] }, `${serverCell} server, ${clientCell} client: mutual TLS with peer verification`);
    }
  });
}

/**
 * A foreign root planted in west: istiod refuses to swap its root on the fly ("Updating new
 * ROOT-CA not supported" unless one bundle contains the other), so west's istiod is restarted,
 * as an operator would, and loads it. A new west workload's certificate then chains to the
 * foreign root, and mutual TLS with an east workload fails in both directions, each side
 * refusing the other's chain (its root is not in its bundle).
 */
async function assertForeignRootBreaksMtls(east: KubeConfig, west: KubeConfig, foreign: Record<string, string>): Promise<void> {
  const apps = west.makeApiClient(AppsV1Api);
  await apps.patchNamespacedDeployment({
    name: 'istiod', namespace: 'istio-system',
    // What `kubectl rollout restart` writes.
    body: [{ op: 'add', path: '/spec/template/metadata/annotations/kubectl.kubernetes.io~1restartedAt', value: new Date().toISOString() }],
  });
  const foreignRoot = new X509Certificate(foreign['root-cert.pem']!);
  await until(async () => {
    const pem = (await core(west).readNamespacedConfigMap({ name: 'istio-ca-root-cert', namespace: 'default' }).catch(() => undefined))?.data?.['root-cert.pem'] ?? '';
    return pem.includes(foreignRoot.toString().trim()) || undefined;
  });
  await withWorkloads([east, west], async ([eastCert, westCert]) => {
    const westIssuer = new X509Certificate(westCert!.chain[1]!);
    assert.ok(westIssuer.checkIssued(foreignRoot), 'the restarted west istiod signs with the foreign intermediate');
    for (const [server, client, serverCell, clientCell] of [[eastCert!, westCert!, 'east', 'west'], [westCert!, eastCert!, 'west', 'east']] as const) {
      const result: HandshakeResult = await mutualTls(tlsWorkload(server), tlsWorkload(client));
      assert.equal(result.ok, false, `${serverCell} server, ${clientCell} client: no mutual TLS across different roots`);
      // The client verifies first, so each direction shows one side refusing the other's chain: west east's, then east west's.
      assert.match(result.clientError ?? '', /self-signed certificate in certificate chain|unable to get local issuer certificate/, `${clientCell} refuses ${serverCell}'s certificate, not something else: ${JSON.stringify(result)}`);
      assert.equal(result.serverSawClient, undefined, `${serverCell} never accepted a client`);
    }
  });
}

async function until<T>(probe: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not there within ${timeoutMs} ms`);
}

async function denyIstiod(config: Awaited<ReturnType<typeof cellKubeConfig>>): Promise<void> {
  const objects = KubernetesObjectApi.makeApiClient(config);
  await objects.create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'deny-istiod' },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
      validations: [{ expression: "object.metadata.name != 'istiod'", message: 'istiod denied by test policy' }],
    },
  } as never);
  await objects.create({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'deny-istiod' },
    spec: { policyName: 'deny-istiod', validationActions: ['Deny'] },
  } as never);
}

