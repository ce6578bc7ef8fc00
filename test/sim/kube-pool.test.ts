// The kube pool (sim/kube): a real kube-apiserver behind every emulated cluster, reached
// with @kubernetes/client-node, and EKS's token authentication through the pool's webhook
// against Moto's STS and EKS access entries. Moto and the pool are started as the stack
// starts them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { ApiException, AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { presignEksToken } from '../../activities/aws/eks-token.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { setupStack } from '../../sim/setup.ts';

const CREDENTIALS = { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' };
const REGION = 'us-east-1';
const ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

interface Answer {
  key: string;
  state: 'starting' | 'ready' | 'failed';
  endpoint: string;
  caPem: string;
  adminCertPem?: string;
  adminKeyPem?: string;
  error?: string;
}

let dir: string;
let moto: MotoHandle;
let pool: KubePoolHandle;

before(async () => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-kube-pool-'));
  const [motoPort, poolPort] = [await freePort(), await freePort()];
  moto = await startMoto({ port: motoPort, timeScale: 600, kubeUrl: `http://127.0.0.1:${poolPort}`, logFile: join(dir, 'aws.log') });
  pool = await startKubePool({ port: poolPort, dir: join(dir, 'kube'), awsEndpoint: moto.url, credentials: CREDENTIALS, logFile: join(dir, 'kube.log') });
});

after(async () => {
  await pool?.stop();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function poolCall(method: string, key: string, body?: unknown): Promise<{ status: number; answer?: Answer }> {
  const response = await fetch(`${pool.url}/clusters/${key}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, answer: response.ok && text ? (JSON.parse(text) as Answer) : undefined };
}

async function waitReady(key: string): Promise<Answer> {
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(250)) {
    const { answer } = await poolCall('GET', key);
    assert.ok(answer, `${key} vanished while starting`);
    assert.notEqual(answer.state, 'failed', answer.error);
    if (answer.state === 'ready') return answer;
  }
  throw new Error(`${key} was not ready in time`);
}

function kubeConfig(answer: Answer, user: { certData: string; keyData: string } | { token: string }): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: answer.endpoint, caData: Buffer.from(answer.caPem).toString('base64') }],
    users: [{ name: 'u', ...('token' in user ? user : { certData: Buffer.from(user.certData).toString('base64'), keyData: Buffer.from(user.keyData).toString('base64') }) }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return config;
}

async function namespaces(config: KubeConfig): Promise<string[]> {
  const { items } = await config.makeApiClient(CoreV1Api).listNamespace();
  return items.map((n) => n.metadata?.name ?? '').sort();
}

/** The HTTP status of listing namespaces: 200, or the ApiException's code. */
async function listStatus(config: KubeConfig): Promise<number> {
  try {
    await namespaces(config);
    return 200;
  } catch (error) {
    if (error instanceof ApiException) return error.code;
    throw error;
  }
}

function refusesConnections(endpoint: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port: Number(new URL(endpoint).port) }, () => (socket.destroy(), resolve(false)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

describe('AKS control planes', () => {
  test('an aks cluster starts, serves namespaces to its admin certificate, and is gone after DELETE', async () => {
    const put = await poolCall('PUT', 'aks-solo', { flavor: 'aks', name: 'solo', region: 'westeurope' });
    assert.equal(put.status, 200);
    assert.equal(put.answer?.state, 'starting');
    assert.match(put.answer!.endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.match(put.answer!.caPem, /BEGIN CERTIFICATE/);
    assert.match(put.answer!.adminCertPem ?? '', /BEGIN CERTIFICATE/);

    const ready = await waitReady('aks-solo');
    const admin = kubeConfig(ready, { certData: ready.adminCertPem!, keyData: ready.adminKeyPem! });
    const names = await namespaces(admin);
    for (const name of ['default', 'kube-node-lease', 'kube-public', 'kube-system']) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);

    assert.equal((await poolCall('DELETE', 'aks-solo')).status, 204);
    assert.equal((await poolCall('GET', 'aks-solo')).status, 404);
    assert.ok(await refusesConnections(ready.endpoint), 'the API server still listens');
    assert.equal((await poolCall('DELETE', 'aks-solo')).status, 204, 'DELETE of an unknown key is 204 too');
  });

  test('two clusters started at once get their own endpoint and CA, and one cluster rejects the other\'s admin certificate', async () => {
    const bodies = { 'aks-left': { flavor: 'aks', name: 'left', region: 'westeurope' }, 'aks-right': { flavor: 'aks', name: 'right', region: 'westeurope', serviceCidr: '10.100.0.0/16' } };
    await Promise.all(Object.entries(bodies).map(([key, body]) => poolCall('PUT', key, body)));
    const [left, right] = await Promise.all([waitReady('aks-left'), waitReady('aks-right')]);
    assert.notEqual(left.endpoint, right.endpoint);
    assert.notEqual(left.caPem, right.caPem);
    assert.equal((await poolCall('PUT', 'aks-left', bodies['aks-left'])).answer?.endpoint, left.endpoint, 'PUT is idempotent');

    assert.equal(await listStatus(kubeConfig(left, { certData: left.adminCertPem!, keyData: left.adminKeyPem! })), 200);
    assert.equal(await listStatus(kubeConfig(left, { certData: right.adminCertPem!, keyData: right.adminKeyPem! })), 401);
    await Promise.all([poolCall('DELETE', 'aks-left'), poolCall('DELETE', 'aks-right')]);
  });

  test('a PUT without a valid flavor is refused with 400', async () => {
    assert.equal((await poolCall('PUT', 'aks-bad', { flavor: 'gke', name: 'x', region: 'y' })).status, 400);
  });
});

describe('EKS token authentication', () => {
  const aws = () => ({ region: REGION, endpoint: moto.url, credentials: CREDENTIALS });
  const token = (clusterName: string, signingDate = new Date()) =>
    presignEksToken({ clusterName, region: REGION, credentials: CREDENTIALS, stsEndpoint: moto.url, signingDate });
  // Each test signs at a different second, so the API server's token cache never answers for an earlier test.
  let second = 0;
  const fresh = (clusterName: string) => token(clusterName, new Date(Date.now() - ++second * 1000));
  let callerArn: string;
  const planes: Record<'alpha' | 'gamma', Answer> = {} as never;

  before(async () => {
    ({ Arn: callerArn } = (await new STSClient(aws()).send(new GetCallerIdentityCommand({}))) as { Arn: string });
    const iam = new IAMClient(aws());
    const { Role } = await iam.send(new CreateRoleCommand({
      RoleName: 'eks-cluster',
      AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    }));
    const ec2 = new EC2Client(aws());
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    const subnets = await Promise.all(['a', 'b'].map((az, i) => ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: `10.0.${i}.0/24`, AvailabilityZone: `${REGION}${az}` }))));
    const eks = new EKSClient(aws());
    for (const name of ['alpha', 'gamma'] as const) {
      await eks.send(new CreateClusterCommand({
        name,
        roleArn: Role!.Arn!,
        resourcesVpcConfig: { subnetIds: subnets.map((s) => s.Subnet!.SubnetId!) },
        accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      }));
      // Moto's EKS asks the pool for this control plane itself; the PUT is idempotent.
      await poolCall('PUT', `eks-${REGION}-${name}`, { flavor: 'eks', name, region: REGION });
    }
    await eks.send(new CreateAccessEntryCommand({ clusterName: 'alpha', principalArn: callerArn }));
    await eks.send(new AssociateAccessPolicyCommand({ clusterName: 'alpha', principalArn: callerArn, policyArn: ADMIN_POLICY, accessScope: { type: 'cluster' } }));
    [planes.alpha, planes.gamma] = await Promise.all([waitReady(`eks-${REGION}-alpha`), waitReady(`eks-${REGION}-gamma`)]);
  });

  test('a token for alpha whose caller has the cluster-admin access policy lists namespaces as a system:masters member', async () => {
    const config = kubeConfig(planes.alpha, { token: await fresh('alpha') });
    assert.ok((await namespaces(config)).includes('kube-system'));
    const review = await config.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    assert.equal(review.status?.userInfo?.username, callerArn);
    assert.ok(review.status?.userInfo?.groups?.includes('system:masters'));
  });

  test('a token signed for another cluster (beta) is rejected by alpha with 401', async () => {
    assert.equal(await listStatus(kubeConfig(planes.alpha, { token: await fresh('beta') })), 401);
  });

  test('a token signed 16 minutes ago is rejected with 401', async () => {
    assert.equal(await listStatus(kubeConfig(planes.alpha, { token: await token('alpha', new Date(Date.now() - 16 * 60_000)) })), 401);
  });

  test('a token whose signature was altered is rejected with 401', async () => {
    const url = new URL(Buffer.from((await fresh('alpha')).slice('k8s-aws-v1.'.length), 'base64url').toString());
    const signature = url.searchParams.get('X-Amz-Signature')!;
    url.searchParams.set('X-Amz-Signature', `${signature[0] === '0' ? '1' : '0'}${signature.slice(1)}`);
    const tampered = `k8s-aws-v1.${Buffer.from(url.href).toString('base64url')}`;
    assert.equal(await listStatus(kubeConfig(planes.alpha, { token: tampered })), 401);
  });

  test('a token signed by an access key the stack does not know is rejected with 401', async () => {
    const stranger = await presignEksToken({ clusterName: 'alpha', region: REGION, credentials: { accessKeyId: 'AKIASTRANGER', secretAccessKey: 'x' }, stsEndpoint: moto.url });
    assert.equal(await listStatus(kubeConfig(planes.alpha, { token: stranger })), 401);
  });

  test('a valid token of a caller without an access entry on gamma is rejected with 401', async () => {
    assert.equal(await listStatus(kubeConfig(planes.gamma, { token: await fresh('gamma') })), 401);
  });

  test('an access entry without the cluster-admin policy authenticates the caller, but RBAC forbids listing namespaces (403)', async () => {
    await new EKSClient(aws()).send(new CreateAccessEntryCommand({ clusterName: 'gamma', principalArn: callerArn, kubernetesGroups: ['viewers'] }));
    const config = kubeConfig(planes.gamma, { token: await fresh('gamma') });
    assert.equal(await listStatus(config), 403);
    const review = await config.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    assert.deepEqual(review.status?.userInfo?.groups?.filter((g) => g !== 'system:authenticated'), ['viewers']);
  });
});
