// The kube pool (sim/kube): a real kube-apiserver behind every emulated cluster, reached
// with @kubernetes/client-node, EKS's token authentication through the pool's webhook
// against Moto's STS and EKS access entries, and the simulator of nodes and controllers.
// Moto and the pool are started as the stack starts them.
import assert from 'node:assert/strict';
import type { ClusterAnswer } from '../../sim/kube/control-plane.ts';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AssociateAccessPolicyCommand, CreateAccessEntryCommand, CreateClusterCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  ApiException, ApiextensionsV1Api, AppsV1Api, AuthenticationV1Api, CoreV1Api, CustomObjectsApi, DiscoveryV1Api, KubeConfig, PatchStrategy, setHeaderOptions,
} from '@kubernetes/client-node';
import { presignEksToken } from '../../activities/aws/eks-token.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { setupStack } from '../../sim/setup.ts';

const CREDENTIALS = { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' };
const REGION = 'us-east-1';
const ADMIN_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

let dir: string;
let moto: MotoHandle;
let pool: KubePoolHandle;

before(async () => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-kube-pool-'));
  const [motoPort, poolPort] = [await freePort(), await freePort()];
  moto = await startMoto({ port: motoPort, timeScale: 600, consistency: { iamPropagationSeconds: 0 }, kubeUrl: `http://127.0.0.1:${poolPort}`, logFile: join(dir, 'aws.log') });
  pool = await startKubePool({ port: poolPort, dir: join(dir, 'kube'), awsEndpoint: moto.url, credentials: CREDENTIALS, logFile: join(dir, 'kube.log') });
});

after(async () => {
  await pool?.stop();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function poolCall(method: string, key: string, body?: unknown): Promise<{ status: number; answer?: ClusterAnswer }> {
  const response = await fetch(`${pool.url}/clusters/${key}`, { method, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  return { status: response.status, answer: response.ok && text ? (JSON.parse(text) as ClusterAnswer) : undefined };
}

async function waitReady(key: string): Promise<ClusterAnswer> {
  for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(250)) {
    const { answer } = await poolCall('GET', key);
    assert.ok(answer, `${key} vanished while starting`);
    assert.notEqual(answer.state, 'failed', answer.error);
    if (answer.state === 'ready') return answer;
  }
  throw new Error(`${key} was not ready in time`);
}

function kubeConfig(answer: ClusterAnswer, user: { certData: string; keyData: string } | { token: string }): KubeConfig {
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
  // Each test signs at a different second before the suite began, so the API server's token cache
  // never answers for an earlier test (counting back from the clock instead, a test one second
  // later signed at the same second as the one before it).
  const start = Date.now();
  let second = 0;
  const fresh = (clusterName: string) => token(clusterName, new Date(start - ++second * 1000));
  let callerArn: string;
  const planes: Record<'alpha' | 'gamma', ClusterAnswer> = {} as never;

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

  test('the authenticator\'s own STS and EKS calls are counted apart as the cluster\'s, not among the caller\'s calls', async () => {
    const counted = async (query = '') => (await (await fetch(`${moto.url}/_sim/calls${query}`)).json()) as Record<string, number>;
    const pick = (calls: Record<string, number>) =>
      Object.fromEntries(['sts.GetCallerIdentity', 'eks.DescribeAccessEntry', 'eks.ListAssociatedAccessPolicies'].map((op) => [op, calls[op] ?? 0]));
    await (await fetch(`${moto.url}/_sim/calls`, { method: 'DELETE' })).arrayBuffer();
    await new STSClient(aws()).send(new GetCallerIdentityCommand({}));
    assert.ok((await namespaces(kubeConfig(planes.alpha, { token: await fresh('alpha') }))).includes('kube-system'));
    assert.deepEqual(pick(await counted()), { 'sts.GetCallerIdentity': 1, 'eks.DescribeAccessEntry': 0, 'eks.ListAssociatedAccessPolicies': 0 });
    assert.deepEqual(pick(await counted('?caller=cluster')), { 'sts.GetCallerIdentity': 1, 'eks.DescribeAccessEntry': 1, 'eks.ListAssociatedAccessPolicies': 1 });
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

describe('simulated nodes and controllers', () => {
  // Nothing runs containers: the pool's simulator writes what nodes, kubelets, the scheduler,
  // the cloud's load-balancer controller and kube-controller-manager would (sim/README.md,
  // "Simulated nodes and controllers").
  const planes: Record<'aks' | 'eks', { answer: ClusterAnswer; admin: KubeConfig }> = {} as never;
  const core = (flavor: 'aks' | 'eks') => planes[flavor].admin.makeApiClient(CoreV1Api);

  before(async () => {
    await poolCall('PUT', 'aks-sim', { flavor: 'aks', name: 'sim', region: 'westeurope', nodeCidr: '10.50.0.0/28' });
    await poolCall('PUT', `eks-${REGION}-sim`, { flavor: 'eks', name: 'sim', region: REGION, nodePools: [] });
    const [aks, eks] = await Promise.all([waitReady('aks-sim'), waitReady(`eks-${REGION}-sim`)]);
    planes.aks = { answer: aks, admin: kubeConfig(aks, { certData: aks.adminCertPem!, keyData: aks.adminKeyPem! }) };
    // EKS hands out no client certificate; the pool's own admin certificate stands in for its owner.
    const pki = join(dir, 'kube', 'clusters', `eks-${REGION}-sim`);
    planes.eks = { answer: eks, admin: kubeConfig(eks, { certData: readFileSync(join(pki, 'admin.pem'), 'utf8'), keyData: readFileSync(join(pki, 'admin-key.pem'), 'utf8') }) };
  });

  after(async () => {
    await Promise.all([poolCall('DELETE', 'aks-sim'), poolCall('DELETE', `eks-${REGION}-sim`)]);
  });

  async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(200)) {
      const value = await probe();
      if (value !== undefined) return value;
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  const labels = { app: 'demo' };
  const podTemplate = { metadata: { labels }, spec: { containers: [{ name: 'demo', image: 'example.invalid/demo:1' }] } };

  test('a cluster PUT without node pools gets two Ready nodes with its cloud\'s labels, InternalIPs in the node subnet and no two alike', async () => {
    const nodes = await until('2 nodes', async () => {
      const { items } = await core('aks').listNode();
      return items.length === 2 && items.every((n) => n.status?.addresses?.length) ? items : undefined;
    });
    for (const node of nodes) {
      const labels = node.metadata?.labels ?? {};
      assert.equal(labels['kubernetes.azure.com/agentpool'], 'nodepool1');
      assert.equal(labels['topology.kubernetes.io/region'], 'westeurope');
      assert.equal(labels['kubernetes.io/os'], 'linux');
      assert.equal(labels['kubernetes.io/hostname'], node.metadata?.name);
      assert.ok(labels['node.kubernetes.io/instance-type'], 'an instance type');
      assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      // 10.50.0.0/28 without Azure's four reserved first addresses and the broadcast address.
      assert.match(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '', /^10\.50\.0\.([4-9]|1[0-4])$/);
    }
    assert.notEqual(nodes[0]!.status?.addresses?.[0]?.address, nodes[1]!.status?.addresses?.[0]?.address);
  });

  test('a Deployment gets a ReplicaSet and one Running, Ready pod per replica, bound to a node, with the template\'s labels and an address of the node\'s range; scaling down removes pods; deleting the Deployment removes its ReplicaSet and pods', async () => {
    const apps = planes.aks.admin.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'demo' }, spec: { replicas: 3, selector: { matchLabels: labels }, template: podTemplate } } });
    const settled = (replicas: number) => until(`${replicas} ready replicas`, async () => {
      const { metadata, status } = await apps.readNamespacedDeployment({ name: 'demo', namespace: 'default' });
      const available = status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
      const pods = (await core('aks').listNamespacedPod({ namespace: 'default', labelSelector: 'app=demo' })).items.filter((p) => !p.metadata?.deletionTimestamp);
      return status?.observedGeneration === metadata?.generation && status?.readyReplicas === replicas && status.availableReplicas === replicas && status.updatedReplicas === replicas && available && pods.length === replicas ? pods : undefined;
    });
    const pods = await settled(3);
    const sets = (await apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=demo' })).items;
    assert.equal(sets.length, 1);
    const hash = sets[0]!.metadata?.labels?.['pod-template-hash'];
    assert.equal(sets[0]!.metadata?.name, `demo-${hash}`);
    assert.equal(sets[0]!.metadata?.ownerReferences?.[0]?.kind, 'Deployment');
    assert.equal(sets[0]!.status?.readyReplicas, 3);
    const nodes = new Map((await core('aks').listNode()).items.map((n) => [n.metadata!.name!, n]));
    for (const pod of pods) {
      assert.equal(pod.metadata?.labels?.app, 'demo');
      assert.equal(pod.metadata?.labels?.['pod-template-hash'], hash);
      assert.deepEqual(pod.metadata?.ownerReferences?.map((o) => `${o.kind}/${o.name}/${o.controller}`), [`ReplicaSet/demo-${hash}/true`]);
      assert.equal(pod.status?.phase, 'Running');
      assert.equal(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
      assert.equal(pod.status?.containerStatuses?.[0]?.ready, true);
      const node = nodes.get(pod.spec?.nodeName ?? '');
      assert.ok(node, `pod ${pod.metadata?.name} is on a node of the cluster`);
      assert.equal(pod.status?.hostIP, node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address);
      assert.match(pod.status?.podIP ?? '', /^10\.50\.0\./, 'without an overlay, pods take node-subnet addresses');
    }
    assert.equal(new Set(pods.map((p) => p.status?.podIP)).size, 3, 'every pod has its own address');
    assert.equal(new Set(pods.map((p) => p.spec?.nodeName)).size, 2, 'pods are spread over both nodes');

    await apps.patchNamespacedDeploymentScale(
      { name: 'demo', namespace: 'default', body: { spec: { replicas: 1 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await settled(1);
    await apps.deleteNamespacedDeployment({ name: 'demo', namespace: 'default' });
    await until('the ReplicaSet and its pods to be gone', async () => {
      const left = (await core('aks').listNamespacedPod({ namespace: 'default', labelSelector: 'app=demo' })).items.length + (await apps.listNamespacedReplicaSet({ namespace: 'default', labelSelector: 'app=demo' })).items.length;
      return left === 0 ? true : undefined;
    });
  });

  test('a DaemonSet gets one Ready pod on each node, owned by the DaemonSet, and reports them', async () => {
    const apps = planes.aks.admin.makeApiClient(AppsV1Api);
    const agentLabels = { app: 'agent' };
    await apps.createNamespacedDaemonSet({ namespace: 'default', body: { metadata: { name: 'agent' }, spec: { selector: { matchLabels: agentLabels }, template: { ...podTemplate, metadata: { labels: agentLabels }, spec: { ...podTemplate.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } } } });
    await until('the DaemonSet on 2 nodes', async () => {
      const { status } = await apps.readNamespacedDaemonSet({ name: 'agent', namespace: 'default' });
      return status?.desiredNumberScheduled === 2 && status.currentNumberScheduled === 2 && status.numberReady === 2 && status.numberAvailable === 2 ? true : undefined;
    });
    const pods = (await core('aks').listNamespacedPod({ namespace: 'default', labelSelector: 'app=agent' })).items;
    assert.equal(new Set(pods.map((p) => p.spec?.nodeName)).size, 2);
    assert.ok(pods.every((p) => p.metadata?.ownerReferences?.[0]?.kind === 'DaemonSet' && p.status?.phase === 'Running'));
    await apps.deleteNamespacedDaemonSet({ name: 'agent', namespace: 'default' });
  });

  test('a Service gets an EndpointSlice of the pods it selects, with named target ports resolved, readiness, node and zone; a pod deleted by hand is replaced and the slice follows', async () => {
    const apps = planes.aks.admin.makeApiClient(AppsV1Api);
    const web = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace: 'default',
      body: { metadata: { name: 'web' }, spec: { replicas: 2, selector: { matchLabels: web }, template: { metadata: { labels: web }, spec: { containers: [{ name: 'web', image: 'example.invalid/web:1', ports: [{ name: 'http', containerPort: 8080 }] }] } } } },
    });
    await core('aks').createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { selector: web, ports: [{ name: 'http', port: 80, targetPort: 'http' }] } } });
    const discovery = planes.aks.admin.makeApiClient(DiscoveryV1Api);
    const slice = () => until('a slice with 2 ready endpoints', async () => {
      const { items } = await discovery.listNamespacedEndpointSlice({ namespace: 'default', labelSelector: 'kubernetes.io/service-name=web' });
      const endpoints = items[0]?.endpoints ?? [];
      return items.length === 1 && endpoints.length === 2 && endpoints.every((e) => e.conditions?.ready) ? items[0] : undefined;
    });
    const first = await slice();
    assert.equal(first.metadata?.labels?.['endpointslice.kubernetes.io/managed-by'], 'endpointslice-controller.k8s.io');
    assert.deepEqual(first.ports?.map((p) => `${p.name}:${p.port}/${p.protocol}`), ['http:8080/TCP']);
    const pods = (await core('aks').listNamespacedPod({ namespace: 'default', labelSelector: 'app=web' })).items;
    assert.deepEqual(first.endpoints.map((e) => e.addresses[0]).sort(), pods.map((p) => p.status?.podIP).sort());
    assert.ok(first.endpoints.every((e) => e.nodeName && e.zone === '0' && e.targetRef?.kind === 'Pod'));

    const victim = pods[0]!.metadata!.name!;
    await core('aks').deleteNamespacedPod({ name: victim, namespace: 'default' });
    const second = await until('the slice without the deleted pod', async () => {
      const current = await slice();
      return current.endpoints.every((e) => e.targetRef?.name !== victim) ? current : undefined;
    });
    assert.equal(second.endpoints.length, 2, 'the ReplicaSet replaced the pod');
    await apps.deleteNamespacedDeployment({ name: 'web', namespace: 'default' });
  });

  async function loadBalancer(flavor: 'aks' | 'eks', name: string, annotations: Record<string, string> = {}, type = 'LoadBalancer'): Promise<{ ip?: string; hostname?: string } | undefined> {
    await core(flavor).createNamespacedService({ namespace: 'default', body: { metadata: { name, annotations }, spec: { type, selector: labels, ports: [{ port: 15443 }] } } });
    if (type !== 'LoadBalancer') return (await sleep(1_000), (await core(flavor).readNamespacedService({ name, namespace: 'default' })).status?.loadBalancer?.ingress?.[0]);
    return until(`${name}'s address`, async () => (await core(flavor).readNamespacedService({ name, namespace: 'default' })).status?.loadBalancer?.ingress?.[0]);
  }

  test('AKS LoadBalancer Services get distinct private IPs from the node subnet when internal, a public one otherwise, and the same IP when recreated; a ClusterIP Service gets none', async () => {
    const internal = { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' };
    const first = await loadBalancer('aks', 'east-west', internal);
    const second = await loadBalancer('aks', 'other', internal);
    // 10.50.0.0/28 without the four addresses Azure keeps at the start and the broadcast address.
    for (const ingress of [first, second]) assert.match(ingress?.ip ?? '', /^10\.50\.0\.([4-9]|1[0-4])$/);
    assert.notEqual(first?.ip, second?.ip);
    assert.match((await loadBalancer('aks', 'public'))?.ip ?? '', /^203\.0\.113\.\d+$/);
    await core('aks').deleteNamespacedService({ name: 'east-west', namespace: 'default' });
    assert.equal((await loadBalancer('aks', 'east-west', internal))?.ip, first?.ip);
    assert.equal(await loadBalancer('aks', 'plain', {}, 'ClusterIP'), undefined);
  });

  test('an EKS node group put to the pool becomes Nodes with EKS\'s labels, one per member, spread over its subnets\' zones, with InternalIPs in them; pods take VPC addresses; removing the group removes its nodes', async () => {
    assert.deepEqual((await core('eks').listNode()).items, [], 'an EKS cluster has no node before its first node group');
    const group = { count: 3, instanceType: 'm6i.large', subnets: [{ cidr: '10.60.0.0/24', zone: `${REGION}a` }, { cidr: '10.60.1.0/24', zone: `${REGION}b` }] };
    const put = await fetch(`${pool.url}/clusters/eks-${REGION}-sim/node-pools/workers`, { method: 'PUT', body: JSON.stringify(group) });
    assert.equal(put.status, 200);
    const nodes = await until('3 nodes', async () => {
      const { items } = await core('eks').listNode();
      return items.length === 3 && items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? items : undefined;
    });
    for (const node of nodes) {
      const labels = node.metadata?.labels ?? {};
      const ip = node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';
      assert.equal(labels['eks.amazonaws.com/nodegroup'], 'workers');
      assert.equal(labels['node.kubernetes.io/instance-type'], 'm6i.large');
      assert.equal(labels['topology.kubernetes.io/region'], REGION);
      assert.equal(node.metadata?.name, `ip-${ip.replaceAll('.', '-')}.ec2.internal`, 'EC2 names nodes after their address');
      const zone = labels['topology.kubernetes.io/zone'];
      assert.match(ip, zone === `${REGION}a` ? /^10\.60\.0\./ : /^10\.60\.1\./, `${ip} is in the subnet of ${zone}`);
    }
    assert.deepEqual([...new Set(nodes.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone']))].sort(), [`${REGION}a`, `${REGION}b`]);

    const apps = planes.eks.admin.makeApiClient(AppsV1Api);
    await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'vpc' }, spec: { replicas: 2, selector: { matchLabels: { app: 'vpc' } }, template: { metadata: { labels: { app: 'vpc' } }, spec: podTemplate.spec } } } });
    const pods = await until('2 running pods', async () => {
      const { items } = await core('eks').listNamespacedPod({ namespace: 'default', labelSelector: 'app=vpc' });
      return items.length === 2 && items.every((p) => p.status?.podIP) ? items : undefined;
    });
    for (const pod of pods) assert.match(pod.status?.podIP ?? '', /^10\.60\.[01]\./, 'VPC CNI: pod addresses from the VPC subnets');

    assert.equal((await fetch(`${pool.url}/clusters/eks-${REGION}-sim/node-pools/workers`, { method: 'DELETE' })).status, 204);
    await until('the nodes to be gone', async () => ((await core('eks').listNode()).items.length === 0 ? true : undefined));
    await until('the pods of gone nodes to be gone or pending', async () => {
      const { items } = await core('eks').listNamespacedPod({ namespace: 'default', labelSelector: 'app=vpc' });
      return items.every((p) => !p.spec?.nodeName) ? true : undefined;
    });
    await fetch(`${pool.url}/clusters/eks-${REGION}-sim/node-pools/workers`, { method: 'PUT', body: JSON.stringify(group) });
    await apps.deleteNamespacedDeployment({ name: 'vpc', namespace: 'default' });
  });

  test('an internal EKS Network Load Balancer gets a k8s-<namespace>-<name>-… hostname whose addresses, in the pool\'s hosts file, are one in each of the cluster\'s subnets; an internet-facing Classic one an ELB hostname', async () => {
    const internal = await loadBalancer('eks', 'east-west', { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' });
    assert.match(internal?.hostname ?? '', new RegExp(`^k8s-default-eastwest-[0-9a-f]{10}-[0-9a-f]{16}\\.elb\\.${REGION}\\.amazonaws\\.com$`));
    assert.equal(internal?.ip, undefined, 'EKS reports a hostname only');
    const hosts = await until('the hostname in the hosts file', async () => {
      const lines = readFileSync(join(dir, 'kube', 'hosts'), 'utf8').split('\n').filter((l) => l.endsWith(` ${internal!.hostname}`));
      return lines.length === 2 ? lines.map((l) => l.split(' ')[0]!) : undefined;
    });
    assert.ok(hosts.some((ip) => ip.startsWith('10.60.0.')) && hosts.some((ip) => ip.startsWith('10.60.1.')), `one address per subnet: ${hosts.join(', ')}`);
    assert.match((await loadBalancer('eks', 'public'))?.hostname ?? '', new RegExp(`^public-[0-9a-f]{16}\\.elb\\.${REGION}\\.amazonaws\\.com$`));
  });

  test('a node pool PUT with a bad field is refused with 400 naming the field; one for an unknown cluster with 404', async () => {
    const bad = await fetch(`${pool.url}/clusters/eks-${REGION}-sim/node-pools/bad`, { method: 'PUT', body: JSON.stringify({ count: 1, instanceType: 'm6i.large', subnets: [{ cidr: '10.0.0.0/30', zone: 'a' }] }) });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /nodePools\[bad\]\.subnets\[0\]\.cidr/);
    assert.equal((await fetch(`${pool.url}/clusters/eks-nobody/node-pools/x`, { method: 'PUT', body: JSON.stringify({ count: 1, instanceType: 'x', subnets: [{ cidr: '10.0.0.0/24', zone: 'a' }] }) })).status, 404);
  });

  test('a token Secret made before its service account gets, once the account exists, a token the API server accepts as that account, the CA and the namespace; deleting the Secret revokes the token', async () => {
    await core('eks').createNamespace({ body: { metadata: { name: 'readers' } } });
    await core('eks').createNamespacedSecret({
      namespace: 'readers',
      body: { metadata: { name: 'reader-token', annotations: { 'kubernetes.io/service-account.name': 'reader' } }, type: 'kubernetes.io/service-account-token' },
    });
    await sleep(500);
    await core('eks').createNamespacedServiceAccount({ namespace: 'readers', body: { metadata: { name: 'reader' } } });
    const data = await until('the token', async () => {
      const secret = await core('eks').readNamespacedSecret({ name: 'reader-token', namespace: 'readers' });
      return secret.data?.token ? secret.data : undefined;
    });
    const text = (key: string) => Buffer.from(data![key]!, 'base64').toString();
    assert.equal(text('ca.crt'), planes.eks.answer.caPem);
    assert.equal(text('namespace'), 'readers');
    const reader = kubeConfig(planes.eks.answer, { token: text('token') });
    const review = await reader.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    assert.equal(review.status?.userInfo?.username, 'system:serviceaccount:readers:reader');
    await core('eks').deleteNamespacedSecret({ name: 'reader-token', namespace: 'readers' });
    // The API server caches a token's success for 10 s.
    await until('the token to be refused', async () => ((await listStatus(reader)) === 401 ? true : undefined));
  });

  test('deleting a namespace deletes what is in it, custom resources too, then the namespace; an object with a finalizer of its own keeps it Terminating until that is removed', async () => {
    const { admin } = planes.aks;
    const extensions = admin.makeApiClient(ApiextensionsV1Api);
    await extensions.createCustomResourceDefinition({
      body: {
        metadata: { name: 'widgets.sim.cellbridge.dev' },
        spec: {
          group: 'sim.cellbridge.dev', scope: 'Namespaced', names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }],
        },
      },
    });
    await until('the CRD to be established', async () => ((await extensions.readCustomResourceDefinition({ name: 'widgets.sim.cellbridge.dev' })).status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined));
    await core('aks').createNamespace({ body: { metadata: { name: 'doomed' } } });
    const custom = admin.makeApiClient(CustomObjectsApi);
    const widget = { group: 'sim.cellbridge.dev', version: 'v1', namespace: 'doomed', plural: 'widgets' };
    await until('the widget to be created', () => custom.createNamespacedCustomObject({ ...widget, body: { apiVersion: 'sim.cellbridge.dev/v1', kind: 'Widget', metadata: { name: 'w' } } }).then(() => true, () => undefined));
    await core('aks').createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'held', finalizers: ['sim.cellbridge.dev/hold'] } } });
    await core('aks').createNamespacedSecret({ namespace: 'doomed', body: { metadata: { name: 'plain' } } });

    await core('aks').deleteNamespace({ name: 'doomed' });
    await until('the widget and the secret to be gone', async () => {
      const widgets = ((await custom.listNamespacedCustomObject(widget)) as { items: unknown[] }).items;
      const secrets = (await core('aks').listNamespacedSecret({ namespace: 'doomed' })).items;
      return widgets.length === 0 && secrets.length === 0 ? true : undefined;
    });
    await sleep(1_000);
    const held = await core('aks').readNamespacedConfigMap({ name: 'held', namespace: 'doomed' });
    assert.ok(held.metadata?.deletionTimestamp, 'the held ConfigMap is being deleted');
    assert.equal((await core('aks').readNamespace({ name: 'doomed' })).status?.phase, 'Terminating');

    await core('aks').replaceNamespacedConfigMap({ name: 'held', namespace: 'doomed', body: { ...held, metadata: { ...held.metadata, finalizers: [] } } });
    await until('the namespace to be gone', () => core('aks').readNamespace({ name: 'doomed' }).then(() => undefined, (e: unknown) => (e instanceof ApiException && e.code === 404 ? true : undefined)));
  });

  test('a PUT whose nodeCidr is not an IPv4 block of /29 or larger is refused with 400', async () => {
    assert.equal((await poolCall('PUT', 'aks-bad-nodes', { flavor: 'aks', name: 'x', region: 'westeurope', nodeCidr: '10.0.0.0/30' })).status, 400);
  });
});
