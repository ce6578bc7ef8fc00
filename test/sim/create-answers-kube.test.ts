// Creates that answer what they made, where the kube pool is needed: a cell's cacerts written
// by its create is judged as the API server stored it, against the root the create read, and
// an EKS access entry CreateAccessEntry made (with the admin policy associated) is taken as
// CreateAccessEntry answered it; the engine's confirming describe, which would read the root
// or STS and the entry again, is not made. Against Moto and the kube pool, through the engine
// as the worker runs it.
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
import { eksAccessEntryHandler } from '../../activities/aws/eks-access-entry.ts';
import { CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { CreateClusterCommand } from '@aws-sdk/client-eks';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import type { ClusterParams } from '../../domain/cluster-graph.ts';
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

test('an access entry CreateAccessEntry made is not read again: STS once (the worker remembers its principal) and DescribeAccessEntry for the lookup, nothing after the create; the output is what a describe gives', async () => {
  const ec2 = clients.ec2(REGION);
  const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }))).Vpc!.VpcId!;
  const subnets = await Promise.all(['a', 'b'].map(async (zone, i) =>
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.70.${i}.0/24`, AvailabilityZone: `${REGION}${zone}` }))).Subnet!.SubnetId!));
  const roleArn = (await clients.iam().send(new CreateRoleCommand({
    RoleName: 'answers-cluster',
    AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
  }))).Role!.Arn!;
  await clients.eks(REGION).send(new CreateClusterCommand({
    name: 'answers', roleArn, resourcesVpcConfig: { subnetIds: subnets }, accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
  }));
  const node: ResourceNode<'aws.eksAccessEntry', ClusterParams['aws.eksAccessEntry']> = {
    id: 'aws/eks-access-entry/east', kind: 'aws.eksAccessEntry', dependsOn: [], params: { scope, clusterName: 'answers', clusterNode: 'aws/eks-cluster/east' },
  };
  const handler = eksAccessEntryHandler(clients);
  await fetch(`${moto.url}/_sim/calls`, { method: 'DELETE' }).then((r) => r.arrayBuffer());
  const output = await new MockActivityEnvironment().run(() => new ResourceEngine({ initialMs: 20, maxMs: 200, factor: 1.5 }).ensure(handler, node, {}));
  const counted = (await (await fetch(`${moto.url}/_sim/calls`)).json()) as Record<string, number>;
  assert.deepEqual(
    [counted['sts.GetCallerIdentity'], counted['eks.DescribeAccessEntry'], counted['eks.ListAssociatedAccessPolicies'] ?? 0, counted['eks.CreateAccessEntry'], counted['eks.AssociateAccessPolicy']],
    [1, 1, 0, 1, 1],
    'the lookup (STS, a DescribeAccessEntry that finds none), the create (the entry, the policy), nothing after',
  );
  const observed = await handler.describe(node);
  assert.deepEqual(handler.phase(observed!, node), { is: 'ready' });
  assert.deepEqual(output, handler.output(observed!));
});
