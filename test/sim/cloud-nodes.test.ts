// The nodes a cluster of the pool has come from what its cloud emulator knows: an EKS
// managed node group created through Moto, an AKS agent pool in a VNet subnet through the
// ARM emulator, each driven by its cloud's real SDK; judged through the cluster's own API
// server (@kubernetes/client-node). Also: an AKS internal load balancer's frontend lies in
// the cell's subnet (inside the VNet), not in an address range of its own.
// Needs NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem (the ARM emulator's certificate).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ContainerServiceClient } from '@azure/arm-containerservice';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import { CreateSubnetCommand, CreateVpcCommand, DeleteSubnetCommand, DescribeNetworkInterfacesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, CreateNodegroupCommand, DeleteClusterCommand, DeleteNodegroupCommand, DescribeClusterCommand, DescribeNodegroupCommand, EKSClient } from '@aws-sdk/client-eks';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { AppsV1Api, CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';
import { startProcess, type RunningProcess } from '../../sim/child-process.ts';
import { startKubePool, type KubePoolHandle } from '../../sim/kube/launch.ts';
import { freePort } from '../../sim/ports.ts';
import { ensureTls } from '../../sim/tls.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const CREDENTIALS = { accessKeyId: 'proving-ground', secretAccessKey: 'proving-ground' };
const REGION = 'us-east-1';
const SUB = '00000000-0000-0000-0000-0000000000c7';
const RG = 'rg-nodes';
const LOC = 'eastus';
const credential: TokenCredential = { getToken: async () => ({ token: 'sim', expiresOnTimestamp: Date.now() + 3600e3 }) };

let dir: string;
let moto: MotoHandle;
let pool: KubePoolHandle;
let arm: RunningProcess;

before(async () => {
  assert.ok(process.env.NODE_EXTRA_CA_CERTS, 'run with NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem (see sim/tls.ts)');
  ensureTls();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-cloud-nodes-'));
  const [motoPort, poolPort, armPort] = [await freePort(), await freePort(), await freePort()];
  moto = await startMoto({ port: motoPort, timeScale: 600, consistency: { iamPropagationSeconds: 0 }, kubeUrl: `http://127.0.0.1:${poolPort}`, logFile: join(dir, 'aws.log') });
  pool = await startKubePool({ port: poolPort, dir: join(dir, 'kube'), awsEndpoint: moto.url, credentials: CREDENTIALS, logFile: join(dir, 'kube.log') });
  arm = await startProcess({
    name: 'azure-emulator',
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO, 'sim/azure/main.ts'), '--port', String(armPort), '--time-scale', '600', '--kube-url', pool.url],
    ready: /^READY /,
    logFile: join(dir, 'azure.log'),
  });
  Object.assign(arm, { url: `https://127.0.0.1:${armPort}` });
});

after(async () => {
  await arm?.stop();
  await pool?.stop();
  await moto?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The pool's admin view of a cluster: its CA and the pool's own system:masters certificate. */
function adminConfig(key: string, endpoint: string): KubeConfig {
  const pki = join(dir, 'kube', 'clusters', key);
  const b64 = (file: string) => Buffer.from(readFileSync(join(pki, file))).toString('base64');
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name: 'c', server: endpoint, caData: b64('ca.pem') }],
    users: [{ name: 'u', certData: b64('admin.pem'), keyData: b64('admin-key.pem') }],
    contexts: [{ name: 'c', cluster: 'c', user: 'u' }],
    currentContext: 'c',
  });
  return config;
}

const ip = (node: V1Node) => node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '';

/** An EKS cluster `name` in a VPC of its own with two subnets, ACTIVE, with a node group in both subnets and its nodes Ready. */
async function eksClusterWithNodes(name: string, cidrPrefix: string): Promise<{ ec2: EC2Client; eks: EKSClient; core: CoreV1Api; subnetIds: string[] }> {
  const aws = { region: REGION, endpoint: moto.url, credentials: CREDENTIALS };
  const iam = new IAMClient(aws);
  const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
  const { Role: clusterRole } = await iam.send(new CreateRoleCommand({ RoleName: `${name}-cluster`, AssumeRolePolicyDocument: trust('eks.amazonaws.com') }));
  const { Role: nodeRole } = await iam.send(new CreateRoleCommand({ RoleName: `${name}-node`, AssumeRolePolicyDocument: trust('ec2.amazonaws.com') }));
  iam.destroy();
  const ec2 = new EC2Client(aws);
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: `${cidrPrefix}.0.0/16` }));
  const subnets = await Promise.all(['a', 'b'].map((az, i) => ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: `${cidrPrefix}.${i}.0/24`, AvailabilityZone: `${REGION}${az}` }))));
  const subnetIds = subnets.map((s) => s.Subnet!.SubnetId!);
  const eks = new EKSClient(aws);
  await eks.send(new CreateClusterCommand({ name, roleArn: clusterRole!.Arn!, resourcesVpcConfig: { subnetIds }, accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false } }));
  const endpoint = await until(`cluster ${name} to be ACTIVE`, async () => {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name }));
    return cluster?.status === 'ACTIVE' ? cluster.endpoint! : undefined;
  }, 180_000);
  const core = adminConfig(`eks-${REGION}-${name}`, endpoint).makeApiClient(CoreV1Api);
  await eks.send(new CreateNodegroupCommand({ clusterName: name, nodegroupName: `${name}-system`, nodeRole: nodeRole!.Arn!, subnets: subnetIds, scalingConfig: { minSize: 2, maxSize: 2, desiredSize: 2 }, instanceTypes: ['m6i.large'] }));
  await until(`cluster ${name}'s nodes`, async () => ((await core.listNode()).items.length === 2 ? true : undefined));
  return { ec2, eks, core, subnetIds };
}

describe('nodes from the cloud emulators', () => {
  test('an EKS managed node group created through Moto becomes its desiredSize Nodes labelled with the node group, instance type and the zones of its subnets, with InternalIPs in those subnets; deleting the node group removes them', async () => {
    const aws = { region: REGION, endpoint: moto.url, credentials: CREDENTIALS };
    const iam = new IAMClient(aws);
    const trust = (service: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }] });
    const { Role: clusterRole } = await iam.send(new CreateRoleCommand({ RoleName: 'cluster', AssumeRolePolicyDocument: trust('eks.amazonaws.com') }));
    const { Role: nodeRole } = await iam.send(new CreateRoleCommand({ RoleName: 'node', AssumeRolePolicyDocument: trust('ec2.amazonaws.com') }));
    const ec2 = new EC2Client(aws);
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.10.0.0/16' }));
    const subnets = await Promise.all(['a', 'b'].map((az, i) => ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId!, CidrBlock: `10.10.${i}.0/24`, AvailabilityZone: `${REGION}${az}` }))));
    const subnetIds = subnets.map((s) => s.Subnet!.SubnetId!);
    const eks = new EKSClient(aws);
    await eks.send(new CreateClusterCommand({ name: 'east', roleArn: clusterRole!.Arn!, resourcesVpcConfig: { subnetIds }, accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false } }));
    const endpoint = await until('the cluster to be ACTIVE', async () => {
      const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'east' }));
      return cluster?.status === 'ACTIVE' ? cluster.endpoint! : undefined;
    }, 180_000);
    const core = adminConfig(`eks-${REGION}-east`, endpoint).makeApiClient(CoreV1Api);
    assert.deepEqual((await core.listNode()).items, [], 'no node before the node group');

    await eks.send(new CreateNodegroupCommand({ clusterName: 'east', nodegroupName: 'east-system', nodeRole: nodeRole!.Arn!, subnets: subnetIds, scalingConfig: { minSize: 3, maxSize: 3, desiredSize: 3 }, instanceTypes: ['m6i.large'] }));
    const nodes = await until('3 Ready nodes', async () => {
      const { items } = await core.listNode();
      return items.length === 3 && items.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ? items : undefined;
    });
    for (const node of nodes) {
      const labels = node.metadata?.labels ?? {};
      assert.equal(labels['eks.amazonaws.com/nodegroup'], 'east-system');
      assert.equal(labels['node.kubernetes.io/instance-type'], 'm6i.large');
      assert.equal(labels['topology.kubernetes.io/region'], REGION);
      const zone = labels['topology.kubernetes.io/zone'];
      assert.match(ip(node), zone === `${REGION}a` ? /^10\.10\.0\.\d+$/ : /^10\.10\.1\.\d+$/, `${node.metadata?.name} in ${zone}`);
    }
    assert.deepEqual([...new Set(nodes.map((n) => n.metadata?.labels?.['topology.kubernetes.io/zone']))].sort(), [`${REGION}a`, `${REGION}b`]);

    await until('the node group to be ACTIVE', async () => ((await eks.send(new DescribeNodegroupCommand({ clusterName: 'east', nodegroupName: 'east-system' }))).nodegroup?.status === 'ACTIVE' ? true : undefined));
    await eks.send(new DeleteNodegroupCommand({ clusterName: 'east', nodegroupName: 'east-system' }));
    await until('the nodes to be gone', async () => ((await core.listNode()).items.length === 0 ? true : undefined));
  });

  test('an AKS cluster in a VNet subnet gets its agent pool as Nodes in that subnet (AKS labels, zone 0), overlay pods from the pod CIDR, and an internal LoadBalancer frontend inside the subnet', async () => {
    const url = (arm as unknown as { url: string }).url;
    const rm = new ResourceManagementClient(credential, SUB, { endpoint: url });
    const net = new NetworkManagementClient(credential, SUB, { endpoint: url });
    const aks = new ContainerServiceClient(credential, SUB, { endpoint: url });
    await rm.resourceGroups.createOrUpdate(RG, { location: LOC });
    await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, 'vnet', { location: LOC, addressSpace: { addressPrefixes: ['10.20.0.0/16'] } });
    const subnet = await net.subnets.beginCreateOrUpdateAndWait(RG, 'vnet', 'aks-west', { addressPrefix: '10.20.0.0/22' });
    const cluster = await aks.managedClusters.beginCreateOrUpdateAndWait(RG, 'west', {
      location: LOC,
      identity: { type: 'SystemAssigned' },
      dnsPrefix: 'west',
      kubernetesVersion: '1.33',
      agentPoolProfiles: [{ name: 'system', mode: 'System', count: 2, vmSize: 'Standard_D4s_v5', osType: 'Linux', vnetSubnetID: subnet.id }],
      networkProfile: { networkPlugin: 'azure', networkPluginMode: 'overlay', podCidr: '10.244.0.0/16', serviceCidr: '10.96.0.0/16', dnsServiceIP: '10.96.0.10' },
    });
    const key = `aks-${createHash('sha1').update(cluster.id!.toLowerCase()).digest('hex').slice(0, 16)}`;
    const plane = (await (await fetch(`${pool.url}/clusters/${key}`)).json()) as { endpoint: string };
    const config = adminConfig(key, plane.endpoint);
    const core = config.makeApiClient(CoreV1Api);

    const nodes = await until('2 Ready nodes', async () => {
      const { items } = await core.listNode();
      return items.length === 2 && items.every((n) => ip(n)) ? items : undefined;
    });
    for (const node of nodes) {
      const labels = node.metadata?.labels ?? {};
      assert.equal(labels['kubernetes.azure.com/agentpool'], 'system');
      assert.equal(labels['node.kubernetes.io/instance-type'], 'Standard_D4s_v5');
      assert.equal(labels['topology.kubernetes.io/region'], LOC);
      assert.equal(labels['topology.kubernetes.io/zone'], '0', 'AKS labels nodes without availability zones zone 0');
      assert.match(node.metadata?.name ?? '', /^aks-system-\d{8}-vmss[0-9a-z]{6}$/);
      assert.match(ip(node), /^10\.20\.[0-3]\.\d+$/, 'the node is in the cell subnet 10.20.0.0/22');
      assert.match(node.spec?.podCIDR ?? '', /^10\.244\.\d+\.0\/24$/, 'overlay: each node a /24 of the pod CIDR');
    }

    const apps = config.makeApiClient(AppsV1Api);
    const labels = { app: 'gw' };
    await apps.createNamespacedDeployment({ namespace: 'default', body: { metadata: { name: 'gw' }, spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'gw', image: 'example.invalid/gw:1' }] } } } } });
    const pods = await until('2 running pods', async () => {
      const { items } = await core.listNamespacedPod({ namespace: 'default', labelSelector: 'app=gw' });
      return items.length === 2 && items.every((p) => p.status?.phase === 'Running') ? items : undefined;
    });
    for (const pod of pods) assert.match(pod.status?.podIP ?? '', /^10\.244\.\d+\.\d+$/, 'Azure CNI overlay: pod addresses from the pod CIDR');

    await core.createNamespacedService({
      namespace: 'default',
      body: { metadata: { name: 'gw', annotations: { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' } }, spec: { type: 'LoadBalancer', selector: labels, ports: [{ port: 15443 }] } },
    });
    const frontend = await until('the load balancer\'s address', async () => (await core.readNamespacedService({ name: 'gw', namespace: 'default' })).status?.loadBalancer?.ingress?.[0]?.ip);
    assert.match(frontend, /^10\.20\.[0-3]\.\d+$/, `the internal frontend ${frontend} is in the cell subnet 10.20.0.0/22, inside the VNet`);
    assert.ok(!nodes.some((n) => ip(n) === frontend), 'the frontend is not a node\'s address');
  });

  test('an internal LoadBalancer Service of an EKS cluster holds a network interface in each of its subnets: DeleteSubnet answers DependencyViolation until the Service is deleted and AWS has released them; deleting the cluster under the Service leaves them', async () => {
    const { ec2, eks, core, subnetIds } = await eksClusterWithNodes('lb', '10.40');
    const interfaces = async () => (await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'subnet-id', Values: subnetIds }] }))).NetworkInterfaces ?? [];
    const gateway = {
      metadata: { name: 'gateway', namespace: 'default', annotations: { 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb', 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' } },
      spec: { type: 'LoadBalancer', selector: { app: 'gateway' }, ports: [{ port: 15443 }] },
    };
    await core.createNamespacedService({ namespace: 'default', body: gateway });
    const held = await until('one interface per subnet', async () => {
      const found = await interfaces();
      return found.length === 2 ? found : undefined;
    });
    assert.deepEqual(held.map((i) => i.SubnetId).sort(), [...subnetIds].sort());
    for (const eni of held) {
      assert.match(eni.Description ?? '', /^ELB net\//);
      assert.equal(eni.RequesterManaged, true);
    }
    const refusal = (error: { name?: string; message?: string }) => error.name === 'DependencyViolation' && /has dependencies/.test(error.message ?? '');
    await assert.rejects(ec2.send(new DeleteSubnetCommand({ SubnetId: subnetIds[0]! })), refusal);

    await core.deleteNamespacedService({ name: 'gateway', namespace: 'default' });
    await until('the interfaces released', async () => ((await interfaces()).length === 0 ? true : undefined));

    await core.createNamespacedService({ namespace: 'default', body: gateway });
    await until('the interfaces back', async () => ((await interfaces()).length === 2 ? true : undefined));
    await eks.send(new DeleteNodegroupCommand({ clusterName: 'lb', nodegroupName: 'lb-system' }));
    await until('the node group gone', () => eks.send(new DescribeNodegroupCommand({ clusterName: 'lb', nodegroupName: 'lb-system' })).then(() => undefined, () => true));
    await eks.send(new DeleteClusterCommand({ name: 'lb' }));
    await until('the cluster gone', () => eks.send(new DescribeClusterCommand({ name: 'lb' })).then(() => undefined, () => true));
    await sleep(1_000); // ten times the release delay at this time scale
    assert.equal((await interfaces()).length, 2, 'a load balancer outlives the cluster that asked for it');
    await assert.rejects(ec2.send(new DeleteSubnetCommand({ SubnetId: subnetIds[0]! })), refusal);
    ec2.destroy();
    eks.destroy();
  });
});
