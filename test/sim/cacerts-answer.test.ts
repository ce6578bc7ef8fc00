// A cell's cacerts written by its create is judged as the API server stored it, against the
// root the create read: the engine's confirming describe, which would read the root from
// Secrets Manager once more, is not made. Against Moto and one emulated AKS control plane of
// the kube pool, through the engine as the worker runs it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig } from '@kubernetes/client-node';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createCloudClients, type CloudClients } from '../../activities/cloud-clients.ts';
import { ResourceEngine } from '../../activities/engine.ts';
import { cacertsHandler } from '../../activities/kube/cacerts.ts';
import { applyObject, objectApi } from '../../activities/kube/objects.ts';
import { createRootCa } from '../../activities/pki/certificate-authority.ts';
import { storeRoot } from '../../activities/pki/root-store.ts';
import type { MeshScope } from '../../domain/backbone-graph.ts';
import type { IstioParams } from '../../domain/istio-graph.ts';
import { ISTIO_NAMESPACE } from '../../domain/istio-install.ts';
import { rootSecretName } from '../../domain/pki-profile.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';
import type { ClusterAnswer } from '../../sim/kube/control-plane.ts';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { setupStack } from '../../sim/setup.ts';

const REGION = 'us-east-1';
const scope: MeshScope = { mesh: 'answers', aws: { region: REGION }, azure: { subscriptionId: 'sub', resourceGroup: 'rg', location: 'westeurope' } };

let dir: string;
let moto: MotoHandle;
let pool: KubePoolHandle;
let clients: CloudClients;
let config: KubeConfig;

before(async () => {
  setupStack();
  process.env.AWS_ACCESS_KEY_ID ??= 'x';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'x';
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-cacerts-answer-'));
  const [motoPort, poolPort] = [await freePort(), await freePort()];
  moto = await startMoto({ port: motoPort, timeScale: 1000, kubeUrl: `http://127.0.0.1:${poolPort}`, logFile: join(dir, 'aws.log') });
  pool = await startKubePool({ port: poolPort, dir: join(dir, 'kube'), awsEndpoint: moto.url, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, logFile: join(dir, 'kube.log') });
  clients = createCloudClients({ aws: { endpoint: moto.url, requestTimeoutMs: 10_000 }, azure: { credential: { getToken: async () => null } } });
  await fetch(`${pool.url}/clusters/aks-answers`, { method: 'PUT', body: JSON.stringify({ flavor: 'aks', name: 'answers', region: 'westeurope' }) }).then((r) => r.arrayBuffer());
  let answer: ClusterAnswer | undefined;
  for (const deadline = Date.now() + 180_000; answer?.state !== 'ready'; await sleep(250)) {
    assert.ok(Date.now() < deadline, 'the control plane was not ready in time');
    answer = (await (await fetch(`${pool.url}/clusters/aks-answers`)).json()) as ClusterAnswer;
    assert.notEqual(answer.state, 'failed', answer.error);
  }
  config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: answer.endpoint, caData: Buffer.from(answer.caPem).toString('base64') }],
    users: [{ name: 'u', certData: Buffer.from(answer.adminCertPem!).toString('base64'), keyData: Buffer.from(answer.adminKeyPem!).toString('base64') }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
});

after(async () => {
  await pool?.stop();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a cacerts the create wrote is taken as written: one root read (the write\'s), none to confirm; the output is what a describe gives', async () => {
  const root = await createRootCa({ mesh: scope.mesh, keyType: 'ECDSA_P256', validityDays: 3650, now: new Date() });
  await storeRoot(clients, REGION, rootSecretName(scope.mesh), root, {});
  await applyObject(objectApi(config), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } });
  const node: ResourceNode<'kube.cacerts', IstioParams['kube.cacerts']> = {
    id: 'istio/west/cacerts', kind: 'kube.cacerts', dependsOn: [],
    params: { cluster: { scope, cell: 'west', cloud: 'azure', clusterName: 'answers' }, mesh: scope.mesh, rootSecret: rootSecretName(scope.mesh), keyType: 'ECDSA_P256', validityDays: 365, marginDays: 30 },
  };
  const handler = cacertsHandler(clients, async () => config);
  await fetch(`${moto.url}/_sim/calls`, { method: 'DELETE' }).then((r) => r.arrayBuffer());
  const output = await new MockActivityEnvironment().run(() => new ResourceEngine({ initialMs: 20, maxMs: 200, factor: 1.5 }).ensure(handler, node, {}));
  const counted = (await (await fetch(`${moto.url}/_sim/calls`)).json()) as Record<string, number>;
  assert.equal(counted['secretsmanager.GetSecretValue'], 1, 'the lookup found no cacerts (no root read); the write read the root once');
  const observed = await handler.describe(node);
  assert.deepEqual(observed?.drift, []);
  assert.deepEqual(output, handler.output(observed!));
});
