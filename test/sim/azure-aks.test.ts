// AKS managed clusters on the ARM emulator, backed by real kube-apiservers in the kube pool,
// driven by the real @azure/arm-containerservice client and @kubernetes/client-node.
// Needs NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem (sim/tls.ts) and the kube binaries that
// sim/setup.ts builds into .stack/kube/bin.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { ContainerServiceClient, type ManagedCluster, type ManagedClusterAgentPoolProfile } from '@azure/arm-containerservice';
import { NetworkManagementClient, type Subnet } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { virtualNetworkHandler } from '../../activities/azure/virtual-network.ts';
import { awaitOperation } from '../../activities/azure/lro.ts';
import { createCloudClients } from '../../activities/cloud-clients.ts';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';
import { startProcess, type RunningProcess } from '../../sim/child-process.js';
import { freePort } from '../../sim/ports.js';
import { ensureTls } from '../../sim/tls.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SUB = '00000000-0000-0000-0000-0000000000a5';
const RG = 'rg-aks';
const LOC = 'westeurope';
/** 7 minutes of AKS creation become 0.7 s; the kube-apiserver's own start dominates. */
const TIME_SCALE = 600;
const NET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network`;
const clusterId = (rg: string, name: string) => `/subscriptions/${SUB}/resourceGroups/${rg}/providers/Microsoft.ContainerService/managedClusters/${name}`;
/** The contract's pool key (sim/README.md "Kubernetes control planes"), computed independently. */
const poolKey = (id: string) => `aks-${createHash('sha1').update(id.toLowerCase()).digest('hex').slice(0, 16)}`;

const credential: TokenCredential = { getToken: async () => ({ token: 'sim', expiresOnTimestamp: Date.now() + 3600e3 }) };

let dir: string;
let pool: RunningProcess | undefined;
let arm: RunningProcess | undefined;
let poolUrl: string;
let armUrl: string;
let aks: ContainerServiceClient;
let net: NetworkManagementClient;
let rm: ResourceManagementClient;
let subnet: Subnet;

// `any`: tests index freely into the emulators' JSON answers.
async function raw(url: string, method = 'GET', body?: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(url, {
    method,
    headers: { Authorization: 'Bearer sim', ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined };
}

const controlPlane = (rg: string, name: string) => raw(`${poolUrl}/clusters/${poolKey(clusterId(rg, name))}`);

async function rejectsWith(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    const err = e as { statusCode?: number; code?: string; message?: string };
    assert.equal(err.code, code, `code (message: ${err.message})`);
    assert.equal(err.statusCode, status, 'status');
    return true;
  });
}

function pool0(over: Partial<ManagedClusterAgentPoolProfile> = {}): ManagedClusterAgentPoolProfile {
  return { name: 'system', mode: 'System', count: 2, vmSize: 'Standard_D4s_v5', osType: 'Linux', vnetSubnetID: subnet.id, ...over };
}

function clusterBody(over: Partial<ManagedCluster> = {}): ManagedCluster {
  return {
    location: LOC,
    identity: { type: 'SystemAssigned' },
    dnsPrefix: 'cb-aks',
    kubernetesVersion: '1.33',
    agentPoolProfiles: [pool0()],
    networkProfile: { networkPlugin: 'azure', networkPluginMode: 'overlay', podCidr: '10.244.0.0/16', serviceCidr: '10.100.0.0/16', dnsServiceIP: '10.100.0.10' },
    ...over,
  };
}

before(async () => {
  assert.ok(process.env.NODE_EXTRA_CA_CERTS, 'run with NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem (see sim/tls.ts)');
  ensureTls();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-aks-'));
  const [poolPort, armPort] = [await freePort(), await freePort()];
  poolUrl = `http://127.0.0.1:${poolPort}`;
  armUrl = `https://127.0.0.1:${armPort}`;
  pool = await startProcess({
    name: 'kube-pool',
    command: process.execPath,
    // AKS-only use: no EKS token review reaches the AWS endpoint or needs real AWS keys.
    args: ['--import', 'tsx', join(REPO, 'sim/kube/main.ts'), '--port', String(poolPort), '--dir', join(dir, 'kube'), '--aws-endpoint', 'http://127.0.0.1:1'],
    env: { AWS_ACCESS_KEY_ID: 'proving-ground', AWS_SECRET_ACCESS_KEY: 'proving-ground' },
    ready: /^READY /,
    logFile: join(dir, 'kube-pool.log'),
    timeoutMs: 120_000,
  });
  arm = await startProcess({
    name: 'azure-emulator',
    command: process.execPath,
    args: ['--import', 'tsx', join(REPO, 'sim/azure/main.ts'), '--port', String(armPort), '--time-scale', String(TIME_SCALE), '--kube-url', poolUrl],
    ready: /^READY /,
    logFile: join(dir, 'azure.log'),
  });
  aks = new ContainerServiceClient(credential, SUB, { endpoint: armUrl });
  net = new NetworkManagementClient(credential, SUB, { endpoint: armUrl });
  rm = new ResourceManagementClient(credential, SUB, { endpoint: armUrl });

  await rm.resourceGroups.createOrUpdate(RG, { location: LOC });
  await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, 'vnet', { location: LOC, addressSpace: { addressPrefixes: ['10.30.0.0/16'] } });
  subnet = await net.subnets.beginCreateOrUpdateAndWait(RG, 'vnet', 'aks', { addressPrefix: '10.30.0.0/22' });
});

after(async () => {
  // The emulator first, so that its shutdown can still remove control planes from the pool.
  await arm?.stop();
  await pool?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('AKS managed clusters on the ARM emulator and the kube pool', () => {
  test('createOrUpdate through the SDK poller goes Creating → Succeeded with AKS computed fields, once the control plane is ready', async () => {
    const poller = aks.managedClusters.createOrUpdate(RG, 'aks1', clusterBody());
    await poller.submitted();
    assert.equal((await aks.managedClusters.get(RG, 'aks1')).provisioningState, 'Creating');

    const cluster = await poller.pollUntilDone();
    assert.equal(cluster.provisioningState, 'Succeeded');
    assert.equal(cluster.kubernetesVersion, '1.33');
    assert.match(cluster.currentKubernetesVersion ?? '', /^1\.33\.\d+$/);
    assert.match(cluster.fqdn ?? '', /^cb-aks-[0-9a-f]{8}\.hcp\.westeurope\.azmk8s\.io$/);
    assert.equal(cluster.nodeResourceGroup, 'MC_rg-aks_aks1_westeurope');
    assert.equal(cluster.powerState?.code, 'Running');
    assert.equal(cluster.disableLocalAccounts, false);
    assert.match(cluster.identity?.principalId ?? '', /^[0-9a-f-]{36}$/);
    assert.match(cluster.identity?.tenantId ?? '', /^[0-9a-f-]{36}$/);
    assert.deepEqual(cluster.agentPoolProfiles?.map((p) => [p.name, p.mode, p.count, p.provisioningState]), [['system', 'System', 2, 'Succeeded']]);
    assert.equal(cluster.networkProfile?.serviceCidr, '10.100.0.0/16');

    const plane = await controlPlane(RG, 'aks1');
    assert.equal(plane.status, 200);
    assert.equal(plane.json.state, 'ready', 'Succeeded only once the pool reports the control plane ready');
  });

  test('a re-PUT of the same body is idempotent: same fqdn, identity and control plane', async () => {
    const before = await aks.managedClusters.get(RG, 'aks1');
    const endpoint = (await controlPlane(RG, 'aks1')).json.endpoint;
    const again = await aks.managedClusters.createOrUpdate(RG, 'aks1', clusterBody());
    assert.equal(again.provisioningState, 'Succeeded');
    assert.deepEqual([again.fqdn, again.identity?.principalId], [before.fqdn, before.identity?.principalId]);
    assert.equal((await controlPlane(RG, 'aks1')).json.endpoint, endpoint);
  });

  test("listClusterAdminCredential's kubeconfig, loaded into @kubernetes/client-node, lists namespaces on the real API server", async () => {
    const { kubeconfigs = [] } = await aks.managedClusters.listClusterAdminCredentials(RG, 'aks1');
    assert.deepEqual(kubeconfigs.map((k) => k.name), ['clusterAdmin']);
    const kc = new KubeConfig();
    kc.loadFromString(Buffer.from(kubeconfigs[0]!.value!).toString('utf8'));
    assert.equal(kc.getCurrentContext(), 'aks1-admin');
    assert.equal(kc.getCurrentCluster()?.server, (await controlPlane(RG, 'aks1')).json.endpoint);
    const namespaces = await kc.makeApiClient(CoreV1Api).listNamespace();
    const names = namespaces.items.map((n) => n.metadata?.name);
    assert.ok(names.includes('default') && names.includes('kube-system'), `namespaces: ${names.join(', ')}`);
  });

  test('listClusterUserCredential answers a clusterUser kubeconfig that works too', async () => {
    const { kubeconfigs = [] } = await aks.managedClusters.listClusterUserCredentials(RG, 'aks1');
    assert.deepEqual(kubeconfigs.map((k) => k.name), ['clusterUser']);
    const kc = new KubeConfig();
    kc.loadFromString(Buffer.from(kubeconfigs[0]!.value!).toString('utf8'));
    assert.equal(kc.getCurrentUser()?.name, 'clusterUser_rg-aks_aks1');
    assert.ok((await kc.makeApiClient(CoreV1Api).listNamespace()).items.length > 0);
  });

  test('disableLocalAccounts refuses admin credentials with the real message; users get a kubelogin kubeconfig instead', async () => {
    await aks.managedClusters.createOrUpdate(RG, 'aks1', clusterBody({ disableLocalAccounts: true }));
    try {
      await assert.rejects(aks.managedClusters.listClusterAdminCredentials(RG, 'aks1'), (e: unknown) => {
        const err = e as { statusCode?: number; code?: string; message?: string };
        assert.deepEqual([err.statusCode, err.code, err.message],
          [400, 'BadRequest', 'Getting static credential is not allowed because this cluster is set to disable local accounts.']);
        return true;
      });
      const { kubeconfigs = [] } = await aks.managedClusters.listClusterUserCredentials(RG, 'aks1');
      const kc = new KubeConfig();
      kc.loadFromString(Buffer.from(kubeconfigs[0]!.value!).toString('utf8'));
      assert.equal(kc.getCurrentUser()?.exec?.command, 'kubelogin');
      assert.equal(kc.getCurrentUser()?.certData, undefined, 'no client certificate once local accounts are disabled');
    } finally {
      await aks.managedClusters.createOrUpdate(RG, 'aks1', clusterBody());
    }
  });

  test('faults and call counts apply per operation name (managedClusters.listClusterAdminCredential)', async () => {
    await raw(`${armUrl}/_sim/calls`, 'DELETE');
    await raw(`${armUrl}/_sim/faults`, 'POST', { operation: 'managedClusters.listClusterAdminCredential', kind: 'error', status: 403, code: 'AuthorizationFailed', message: 'injected' });
    try {
      await rejectsWith(aks.managedClusters.listClusterAdminCredentials(RG, 'aks1'), 403, 'AuthorizationFailed');
      assert.ok((await aks.managedClusters.listClusterAdminCredentials(RG, 'aks1')).kubeconfigs?.length, 'the rule fired once');
      const calls = (await raw(`${armUrl}/_sim/calls`)).json;
      assert.equal(calls['managedClusters.listClusterAdminCredential'], 2);
    } finally {
      await raw(`${armUrl}/_sim/faults`, 'DELETE');
    }
  });

  test('invalid specs answer 400 with the code AKS uses, and nothing is created', async (t) => {
    await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, 'vnet-other', { location: LOC, addressSpace: { addressPrefixes: ['10.40.0.0/16'] } });
    const otherSubnet = await net.subnets.beginCreateOrUpdateAndWait(RG, 'vnet-other', 'nodes', { addressPrefix: '10.40.0.0/24' });
    const network = (over: object) => ({ networkProfile: { ...clusterBody().networkProfile, ...over } });
    const cases: { name: string; cluster?: string; body: ManagedCluster; code: string }[] = [
      { name: 'no location', body: clusterBody({ location: undefined as unknown as string }), code: 'LocationRequired' },
      { name: 'no dnsPrefix', body: clusterBody({ dnsPrefix: undefined }), code: 'InvalidParameter' },
      { name: 'dnsPrefix starting with a hyphen', body: clusterBody({ dnsPrefix: '-aks' }), code: 'InvalidParameter' },
      { name: 'unsupported minor version 1.29', body: clusterBody({ kubernetesVersion: '1.29' }), code: 'K8sVersionNotSupported' },
      { name: 'unknown patch version 1.33.99', body: clusterBody({ kubernetesVersion: '1.33.99' }), code: 'K8sVersionNotSupported' },
      { name: 'no agent pools', body: clusterBody({ agentPoolProfiles: [] }), code: 'MustDefineAtLeastOneSystemPool' },
      { name: 'only a User pool', body: clusterBody({ agentPoolProfiles: [pool0({ mode: 'User' })] }), code: 'MustDefineAtLeastOneSystemPool' },
      { name: 'pool name with upper case', body: clusterBody({ agentPoolProfiles: [pool0({ name: 'System1' })] }), code: 'InvalidParameter' },
      { name: 'pool name of 13 characters', body: clusterBody({ agentPoolProfiles: [pool0({ name: 'systempool123' })] }), code: 'InvalidParameter' },
      { name: 'pool name starting with a digit', body: clusterBody({ agentPoolProfiles: [pool0({ name: '1system' })] }), code: 'InvalidParameter' },
      { name: 'System pool with count 0', body: clusterBody({ agentPoolProfiles: [pool0({ count: 0 })] }), code: 'InvalidParameter' },
      { name: 'count 1001', body: clusterBody({ agentPoolProfiles: [pool0({ count: 1001 })] }), code: 'InvalidParameter' },
      { name: 'empty vmSize', body: clusterBody({ agentPoolProfiles: [pool0({ vmSize: '' })] }), code: 'InvalidParameter' },
      { name: 'missing subnet', body: clusterBody({ agentPoolProfiles: [pool0({ vnetSubnetID: `${NET}/virtualNetworks/vnet/subnets/nope` })] }), code: 'SubnetNotFound' },
      { name: 'pools in two VNets', body: clusterBody({ agentPoolProfiles: [pool0(), pool0({ name: 'user', mode: 'User', vnetSubnetID: otherSubnet.id })] }), code: 'InvalidParameter' },
      { name: 'one pool without a subnet', body: clusterBody({ agentPoolProfiles: [pool0(), pool0({ name: 'user', mode: 'User', vnetSubnetID: undefined })] }), code: 'AgentPoolsWithEmptySubnetError' },
      { name: 'unknown network plugin', body: clusterBody(network({ networkPlugin: 'calico' })), code: 'InvalidParameter' },
      { name: 'serviceCidr overlapping the nodes subnet', body: clusterBody(network({ serviceCidr: '10.30.0.0/16', dnsServiceIP: '10.30.8.10' })), code: 'ServiceCidrOverlapExistingSubnetsCidr' },
      { name: 'serviceCidr inside the VNet address space', body: clusterBody(network({ serviceCidr: '10.30.128.0/20', dnsServiceIP: '10.30.128.10' })), code: 'NetworkProfileCIDROverlapVNET' },
      { name: 'serviceCidr that is no CIDR', body: clusterBody(network({ serviceCidr: '10.100.0.0/33' })), code: 'CidrStringParseError' },
      { name: 'dnsServiceIP outside serviceCidr', body: clusterBody(network({ dnsServiceIP: '10.101.0.10' })), code: 'DnsServiceIpOutOfServiceCidr' },
      { name: "dnsServiceIP on serviceCidr's network address", body: clusterBody(network({ dnsServiceIP: '10.100.0.0' })), code: 'InvalidParameter' },
      { name: "dnsServiceIP on serviceCidr's first address (the API server's)", body: clusterBody(network({ dnsServiceIP: '10.100.0.1' })), code: 'DnsServiceIpConflicting' },
      { name: 'podCidr with Azure CNI without overlay', body: clusterBody(network({ networkPluginMode: undefined })), code: 'InvalidParameter' },
      { name: 'serviceCidr changed on an existing cluster', cluster: 'aks1', body: clusterBody(network({ serviceCidr: '10.110.0.0/16', dnsServiceIP: '10.110.0.10' })), code: 'PropertyChangeNotAllowed' },
    ];
    for (const c of cases) {
      await t.test(c.name, () => rejectsWith(aks.managedClusters.createOrUpdate(RG, c.cluster ?? 'aks-bad', c.body).pollUntilDone(), 400, c.code));
    }
    await rejectsWith(aks.managedClusters.get(RG, 'aks-bad'), 404, 'ResourceNotFound');
    assert.equal((await controlPlane(RG, 'aks-bad')).status, 404, 'no control plane was started');
    assert.equal((await aks.managedClusters.get(RG, 'aks1')).networkProfile?.serviceCidr, '10.100.0.0/16', 'aks1 unchanged');
    await net.virtualNetworks.beginDeleteAndWait(RG, 'vnet-other');
  });

  test('the subnet (and VNet) of a cluster cannot be deleted while the cluster exists', async () => {
    await rejectsWith(net.subnets.beginDeleteAndWait(RG, 'vnet', 'aks'), 400, 'InUseSubnetCannotBeDeleted');
    await rejectsWith(net.virtualNetworks.beginDeleteAndWait(RG, 'vnet'), 400, 'InUseSubnetCannotBeDeleted');
  });

  test("the product's VNet handler changes the range of a VNet whose subnet a cluster uses: the subnet kept as ARM had it, the cluster still in it", async () => {
    const clients = createCloudClients({ aws: { requestTimeoutMs: 10_000 }, azure: { endpoint: armUrl, credential } });
    const handler = virtualNetworkHandler(clients, awaitOperation({ initialMs: 10, maxMs: 1_000, factor: 2 }));
    const node = (cidr: string): ResourceNode<string, BackboneParams['azure.virtualNetwork']> => ({
      id: 'azure/vnet', kind: 'azure.virtualNetwork', dependsOn: [],
      params: { scope: { mesh: 'aks', aws: { region: 'us-east-1' }, azure: { subscriptionId: SUB, resourceGroup: RG, location: LOC } }, name: 'vnet', cidr },
    });
    const update = async (from: string, to: string) => handler.update!((await handler.describe(node(from)))!, node(to), node(from), {}, new AbortController().signal);
    const before = (await net.subnets.get(RG, 'vnet', 'aks'));
    await update('10.30.0.0/16', '10.30.0.0/15');
    assert.deepEqual((await net.virtualNetworks.get(RG, 'vnet')).addressSpace?.addressPrefixes, ['10.30.0.0/15']);
    const kept = await net.subnets.get(RG, 'vnet', 'aks');
    assert.deepEqual([kept.id, kept.addressPrefix, kept.provisioningState], [before.id, '10.30.0.0/22', 'Succeeded']);
    assert.equal((await aks.managedClusters.get(RG, 'aks1')).agentPoolProfiles?.[0]?.vnetSubnetID?.toLowerCase(), before.id?.toLowerCase(), 'the cluster still in it');
    await update('10.30.0.0/15', '10.30.0.0/16');
  });

  test('an lro-failed fault on managedClusters.createOrUpdate ends the poller with a failure and leaves no Succeeded cluster', async () => {
    await raw(`${armUrl}/_sim/faults`, 'POST', { operation: 'managedClusters.createOrUpdate', kind: 'lro-failed', code: 'ControlPlaneProvisioningInternalError', message: 'injected' });
    try {
      await assert.rejects(aks.managedClusters.createOrUpdate(RG, 'aks-doomed', clusterBody()).pollUntilDone(), /ControlPlaneProvisioningInternalError|injected/);
      assert.equal((await aks.managedClusters.get(RG, 'aks-doomed')).provisioningState, 'Failed');
      assert.equal((await controlPlane(RG, 'aks-doomed')).status, 404, 'a doomed operation starts no control plane');
      await rejectsWith(aks.managedClusters.listClusterAdminCredentials(RG, 'aks-doomed'), 409, 'OperationNotAllowed');
    } finally {
      await raw(`${armUrl}/_sim/faults`, 'DELETE');
    }
    await aks.managedClusters.delete(RG, 'aks-doomed').pollUntilDone();
  });

  test('delete removes the cluster and its control plane, and frees its subnet', async () => {
    const poller = aks.managedClusters.delete(RG, 'aks1');
    await poller.submitted();
    assert.equal((await aks.managedClusters.get(RG, 'aks1')).provisioningState, 'Deleting');
    await poller.pollUntilDone();
    await rejectsWith(aks.managedClusters.get(RG, 'aks1'), 404, 'ResourceNotFound');
    assert.equal((await controlPlane(RG, 'aks1')).status, 404, 'the kube pool no longer knows the control plane');
    await net.subnets.beginDeleteAndWait(RG, 'vnet', 'aks');
  });

  test('deleting the resource group deletes its cluster and the control plane', async () => {
    await rm.resourceGroups.createOrUpdate('rg-aks-2', { location: LOC });
    // No vnetSubnetID: AKS manages the VNet, so no network checks apply.
    const body = clusterBody({ agentPoolProfiles: [pool0({ vnetSubnetID: undefined })], networkProfile: undefined });
    const cluster = await aks.managedClusters.createOrUpdate('rg-aks-2', 'aks2', body);
    assert.deepEqual([cluster.provisioningState, cluster.networkProfile?.networkPlugin, cluster.networkProfile?.serviceCidr], ['Succeeded', 'kubenet', '10.0.0.0/16']);
    assert.equal((await controlPlane('rg-aks-2', 'aks2')).json.state, 'ready');
    await rm.resourceGroups.beginDeleteAndWait('rg-aks-2');
    await rejectsWith(aks.managedClusters.get('rg-aks-2', 'aks2'), 404, 'ResourceGroupNotFound');
    assert.equal((await controlPlane('rg-aks-2', 'aks2')).status, 404);
  });
});
