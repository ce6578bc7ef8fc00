/**
 * What real clouds do that a naive client does not survive, played by the emulators
 * (sim/README.md "Real-cloud behaviours") against the product's own clients and
 * handlers, without a whole mesh: each case is judged by what the emulator then holds
 * and how long the call took.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { CreateSubnetCommand, CreateVpcCommand, DescribeSubnetsCommand, DescribeTransitGatewaysCommand, DescribeVpcsCommand } from '@aws-sdk/client-ec2';
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { CreateRoleCommand } from '@aws-sdk/client-iam';
import { NetworkManagementClient } from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eksClusterHandler } from '../../activities/aws/eks-cluster.ts';
import { transitGatewayHandler } from '../../activities/aws/transit-gateway.ts';
import { vpcHandler } from '../../activities/aws/vpc.ts';
import { armResource, armTags } from '../../activities/azure/arm-resource.ts';
import { ResourceEngine } from '../../activities/engine.ts';
import type { BackboneParams, MeshScope } from '../../domain/backbone-graph.ts';
import type { ClusterParams } from '../../domain/cluster-graph.ts';
import type { Outputs, ResourceNode } from '../../domain/resource-graph.ts';
import { createCloudClients, type CloudClients } from '../../activities/cloud-clients.ts';
import { toFailure } from '../../activities/cloud-errors.ts';
import { startMoto, type MotoHandle } from '../../sim/aws/moto.ts';
import { startAzureEmulator, type AzureEmulator } from '../../sim/azure/index.ts';
import { ensureTls } from '../../sim/tls.ts';
import { azureCredential } from '../../worker/azure-credential.ts';
import { connectionBody, localGatewayBody, startGateway } from '../support/azure-gateway.ts';

// Far below Moto's 8 s hold, and above what an unheld call takes on a loaded two-core machine
// (with 1 s, all three attempts of an unheld retry timed out there while stacks ran beside it).
const REQUEST_TIMEOUT_MS = 2_500;
const TIME_SCALE = 1000;
const REGION = 'us-east-1';
const scope: MeshScope = { mesh: 'behaviours', aws: { region: REGION }, azure: { subscriptionId: 'sub', resourceGroup: 'rg', location: 'westeurope' } };
const eksTrust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'eks.amazonaws.com' }, Action: 'sts:AssumeRole' }] });

/** The engine as the worker runs it, with a poll ceiling (its patience with a lagging listing) above the emulator's lag. */
const engine = new ResourceEngine({ initialMs: 50, maxMs: 2_500, factor: 1.5 });
/** One activity attempt, in Temporal's own mock activity context. */
const attempt = <T>(n: number, fn: () => Promise<T>): Promise<T> => new MockActivityEnvironment({ attempt: n }).run(fn) as Promise<T>;

/** What the product's create raised, as Temporal will see it. */
async function failureOf(call: () => Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await call();
  } catch (error) {
    return toFailure(error, 'create') as ApplicationFailure;
  }
  assert.fail('the call succeeded');
}

describe('AWS behaviours survived by the product (extended Moto)', () => {
  let moto: MotoHandle;
  let clients: CloudClients;
  /** With a 2.5 s request timeout; a cold Moto may take longer than that for anyone's first call. */
  let impatient: CloudClients;
  const consistency = (settings: object) => fetch(`${moto.url}/_sim/consistency`, { method: 'POST', body: JSON.stringify(settings) }).then(async (r) => assert.equal(r.status, 200, await r.text()));
  const fault = (rule: object) => fetch(`${moto.url}/_sim/faults`, { method: 'POST', body: JSON.stringify(rule) }).then(async (r) => assert.equal(r.status, 201, await r.text()));

  before(async () => {
    process.env.AWS_ACCESS_KEY_ID ??= 'x';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'x';
    // Each test turns on the behaviour it is about.
    moto = await startMoto({ timeScale: TIME_SCALE, consistency: { iamPropagationSeconds: 0, ec2VisibilitySeconds: 0 } });
    clients = createCloudClients({ aws: { endpoint: moto.url, requestTimeoutMs: 10_000 }, azure: { credential: { getToken: async () => null } } });
    impatient = createCloudClients({ aws: { endpoint: moto.url, requestTimeoutMs: REQUEST_TIMEOUT_MS }, azure: { credential: { getToken: async () => null } } });
  });
  beforeEach(() => fetch(`${moto.url}/_sim/reset`, { method: 'POST' }).then((r) => r.arrayBuffer()));
  after(() => moto?.stop());

  test('CELLBRIDGE_AWS_REQUEST_TIMEOUT_MS is enforced: a call Moto holds for 8 s fails after the 2.5 s timeout and the SDK retry answers', async () => {
    await clients.ec2('us-east-1').send(new DescribeSubnetsCommand({})); // a cold Moto's first EC2 answer is slow
    await fault({ operation: 'ec2.DescribeSubnets', kind: 'timeout', seconds: 8 });
    const t0 = Date.now();
    await impatient.ec2('us-east-1').send(new DescribeSubnetsCommand({}));
    const elapsed = Date.now() - t0;
    assert.ok(elapsed < 7_500, `answered after ${elapsed} ms: the held request was not cut at ${REQUEST_TIMEOUT_MS} ms`);
    const calls = (await (await fetch(`${moto.url}/_sim/calls`)).json()) as Record<string, number>;
    assert.ok((calls['ec2.DescribeSubnets'] ?? 0) >= 3, 'the timed-out call was retried');
  });

  test('a CreateVpc Moto applies and then holds for 8 s fails after the 2.5 s timeout as a retryable CreateNotResent, with one VPC', async () => {
    await clients.ec2('us-east-1').send(new DescribeVpcsCommand({}));
    await fault({ operation: 'ec2.CreateVpc', kind: 'applied-timeout', seconds: 8 });
    const t0 = Date.now();
    await assert.rejects(impatient.ec2('us-east-1').send(new CreateVpcCommand({ CidrBlock: '10.60.0.0/16' })), (error: unknown) => {
      assert.equal((error as Error).name, 'CreateNotResent', String(error));
      assert.equal((toFailure(error, 'create aws/vpc') as ApplicationFailure).nonRetryable, false);
      return true;
    });
    assert.ok(Date.now() - t0 < 7_500, `failed after ${Date.now() - t0} ms`);
    // Counted once Moto's hold is over: on a loaded machine the create is applied after the client gave up.
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + 9_000 - Date.now())));
    const vpcs = await clients.ec2('us-east-1').send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.60.0.0/16'] }] }));
    assert.equal(vpcs.Vpcs?.length, 1);
  });

  test('EKS refuses a cluster role IAM has not propagated yet: the create fails retryably (RoleNotYetAssumable) until it is accepted; a refusal about a subnet stays final', async () => {
    await consistency({ iamPropagationSeconds: 3 * TIME_SCALE });
    const ec2 = clients.ec2(REGION);
    const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.70.0.0/16' }))).Vpc!.VpcId!;
    const subnets = await Promise.all(['a', 'b'].map(async (zone, i) =>
      (await ec2.send(new CreateSubnetCommand({ VpcId: vpc, CidrBlock: `10.70.${i}.0/24`, AvailabilityZone: `${REGION}${zone}` }))).Subnet!.SubnetId!));
    const roleArn = (await clients.iam().send(new CreateRoleCommand({ RoleName: 'behaviours-cluster', AssumeRolePolicyDocument: eksTrust }))).Role!.Arn!;
    const node: ResourceNode<'aws.eksCluster', ClusterParams['aws.eksCluster']> = {
      id: 'cluster', kind: 'aws.eksCluster', dependsOn: [],
      params: { scope, name: 'behaviours', cell: 'c1', kubernetesVersion: '1.33', serviceCidr: '172.20.0.0/16', roleNode: 'role', subnetNodes: ['s0', 's1'] },
    };
    const outputs = (subnetIds: string[]): Outputs => ({ role: { cloudId: roleArn, state: 'available' }, s0: { cloudId: subnetIds[0]!, state: 'available' }, s1: { cloudId: subnetIds[1]!, state: 'available' } });
    const handler = eksClusterHandler(clients);
    const create = (subnetIds = subnets) => handler.create(node, outputs(subnetIds), new AbortController().signal);

    const early = await failureOf(create);
    assert.equal(early.type, 'aws.RoleNotYetAssumable', early.message);
    assert.equal(early.nonRetryable, false);

    // Temporal's retries, played here: each attempt fails retryably until IAM has propagated the role.
    const t0 = Date.now();
    for (let attempt = 1; ; attempt++) {
      const failure = await create().then(() => undefined, (error: unknown) => toFailure(error, 'create') as ApplicationFailure);
      if (failure === undefined) break;
      assert.equal(failure.type, 'aws.RoleNotYetAssumable', failure.message);
      assert.ok(Date.now() - t0 < 10_000, `still refused after ${attempt} attempts`);
      await new Promise((ok) => setTimeout(ok, 250));
    }
    const { cluster } = await clients.eks(REGION).send(new DescribeClusterCommand({ name: 'behaviours' }));
    assert.equal(cluster?.roleArn, roleArn);
    const wrongSubnet = await failureOf(() => handler.create({ ...node, params: { ...node.params, name: 'behaviours-2' } }, outputs([subnets[0]!, 'subnet-0000000000000000f']), new AbortController().signal));
    assert.equal(wrongSubnet.type, 'aws.InvalidParameterException', 'a refusal that does not name the role is final');
    assert.equal(wrongSubnet.nonRetryable, true);
  });

  test('EC2 listing lag: a CreateVpc applied but answered 500 is found by the activity\'s retry once listed, not made a second time', async () => {
    await consistency({ ec2VisibilitySeconds: 1.5 * TIME_SCALE });
    await fault({ operation: 'ec2.CreateVpc', kind: 'applied-server-error' });
    const node: ResourceNode<'aws.vpc', BackboneParams['aws.vpc']> = { id: 'aws/vpc', kind: 'aws.vpc', dependsOn: [], params: { scope, name: 'behaviours-vpc', cidr: '10.90.0.0/16' } };
    const handler = vpcHandler(clients);
    await assert.rejects(attempt(1, () => engine.ensure(handler, node, {})), (error: ApplicationFailure) => /CreateNotResent$/.test(error.type ?? '') && !error.nonRetryable);
    const output = await attempt(2, () => engine.ensure(handler, node, {}));
    await new Promise((ok) => setTimeout(ok, 1_600));
    const { Vpcs = [] } = await clients.ec2(REGION).send(new DescribeVpcsCommand({ Filters: [{ Name: 'cidr', Values: ['10.90.0.0/16'] }] }));
    assert.deepEqual(Vpcs.map((v) => v.VpcId), [output.cloudId], 'one VPC, the one the retry adopted');
  });

  test('EC2 listing lag: a compensation right after a Transit Gateway create whose answer was lost deletes it instead of finding it absent', async () => {
    await consistency({ ec2VisibilitySeconds: 1.5 * TIME_SCALE });
    await fault({ operation: 'ec2.CreateTransitGateway', kind: 'applied-server-error' });
    const node: ResourceNode<'aws.transitGateway', BackboneParams['aws.transitGateway']> = { id: 'aws/tgw', kind: 'aws.transitGateway', dependsOn: [], params: { scope, name: 'behaviours-tgw', amazonSideAsn: 64512 } };
    const handler = transitGatewayHandler(clients);
    await assert.rejects(attempt(1, () => engine.ensure(handler, node, {})), (error: ApplicationFailure) => /CreateNotResent$/.test(error.type ?? ''));
    assert.equal((await attempt(1, () => engine.delete(handler, node))).state, 'deleted');
    await new Promise((ok) => setTimeout(ok, 1_600));
    const { TransitGateways = [] } = await clients.ec2(REGION).send(new DescribeTransitGatewaysCommand({}));
    assert.deepEqual(TransitGateways.map((t) => t.State).filter((state) => state !== 'deleted' && state !== 'deleting'), [], 'no Transit Gateway left running');
  });
});

describe('Azure behaviours survived by the product (ARM emulator)', () => {
  const SUB = '00000000-0000-0000-0000-0000000000c3';
  let emulator: AzureEmulator;
  let clients: CloudClients;
  const control = (path: string, body?: object) => fetch(`${emulator.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body && JSON.stringify(body) }).then((r) => r.arrayBuffer());

  before(async () => {
    emulator = await startAzureEmulator({ timeScale: 500, tls: ensureTls() }); // connection 0.18 s, local gateway 0.06 s
    clients = createCloudClients({ aws: { requestTimeoutMs: 10_000 }, azure: { endpoint: emulator.url, credential: azureCredential('emulator', emulator.url) } });
  });
  beforeEach(() => control('/_sim/reset'));
  after(() => emulator?.close());

  test('four connections of one VPN gateway started together each end Succeeded within one activity attempt: a 409 AnotherOperationInProgress is waited out, not failed', async () => {
    const net: NetworkManagementClient = clients.network(SUB);
    const rm: ResourceManagementClient = clients.resources(SUB);
    const group = 'rg-four';
    const gateway = await startGateway(net, rm, group, 'vng');
    await gateway.done;
    const locals = [];
    for (const i of [1, 2, 3, 4]) locals.push(await net.localNetworkGateways.beginCreateOrUpdateAndWait(group, `lng-${i}`, localGatewayBody(`198.51.100.${i}`, `169.254.21.${i * 4 - 3}`)));
    type Params = { scope: MeshScope; name: string; localGatewayId: string };
    const connection = armResource<Params, { id?: string; provisioningState?: string; tags?: Record<string, string> }>({
      get: ({ params }) => net.virtualNetworkGatewayConnections.get(group, params.name),
      put: ({ id, params }, _outputs, abortSignal) => net.virtualNetworkGatewayConnections.beginCreateOrUpdateAndWait(group, params.name,
        { ...connectionBody(gateway.id, params.localGatewayId), tags: armTags(params.scope, id) }, { abortSignal }),
      remove: ({ params }, abortSignal) => net.virtualNetworkGatewayConnections.beginDeleteAndWait(group, params.name, { abortSignal }),
    });
    const nodes = locals.map((local, i): ResourceNode<'azure.connection', Params> => ({ id: `azure/connection/${i}`, kind: 'azure.connection', dependsOn: [], params: { scope, name: `conn-${i}`, localGatewayId: local.id! } }));
    const outcomes = await Promise.allSettled(nodes.map((node) => attempt(1, () => engine.ensure(connection, node, {}))));
    assert.deepEqual(outcomes.map((o) => (o.status === 'fulfilled' ? o.value.state : String((o as PromiseRejectedResult).reason))), ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);
  });

  test('429 at the subscription\'s write limit: the product\'s Azure client waits the Retry-After and the write succeeds', async () => {
    await control('/_sim/limits', { writes: { size: 1, perSecond: 0.5 } });
    const rm = clients.resources(SUB);
    await rm.resourceGroups.createOrUpdate('rg-limit-1', { location: 'westeurope' });
    const t0 = Date.now();
    await rm.resourceGroups.createOrUpdate('rg-limit-2', { location: 'westeurope' });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= 1_900, `answered after ${elapsed} ms; Retry-After was 2 s`);
    const calls = (await (await fetch(`${emulator.url}/_sim/calls`)).json()) as Record<string, number>;
    assert.ok((calls['resourceGroups.createOrUpdate'] ?? 0) >= 3, `the throttled write was sent again: ${JSON.stringify(calls)}`);
  });

  test('a local network gateway whose operation ends Failed is PUT once more and ends Succeeded; a second Failed operation fails the create', async () => {
    const rm = clients.resources(SUB);
    const net = clients.network(SUB);
    await rm.resourceGroups.createOrUpdate('rg-failed', { location: 'westeurope' });
    type Params = { scope: MeshScope; name: string };
    const local = armResource<Params, { id?: string; provisioningState?: string; tags?: Record<string, string> }>({
      get: ({ params }) => net.localNetworkGateways.get('rg-failed', params.name),
      put: ({ id, params }, _outputs, abortSignal) => net.localNetworkGateways.beginCreateOrUpdateAndWait('rg-failed', params.name,
        { ...localGatewayBody('198.51.100.7', '169.254.21.1'), tags: armTags(params.scope, id) }, { abortSignal }),
      remove: ({ params }, abortSignal) => net.localNetworkGateways.beginDeleteAndWait('rg-failed', params.name, { abortSignal }),
    });
    const node = (name: string): ResourceNode<'azure.localNetworkGateway', Params> => ({ id: `azure/${name}`, kind: 'azure.localNetworkGateway', dependsOn: [], params: { scope, name } });
    const fail = (match: string, count: number) => fetch(`${emulator.url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ operation: 'localNetworkGateways.createOrUpdate', kind: 'lro-failed', count, match, code: 'LocalNetworkGatewayProvisioningFailed', message: 'injected' }) });
    await fail('lng-once', 1);
    await fail('lng-twice', 2);
    assert.equal((await attempt(1, () => engine.ensure(local, node('lng-once'), {}))).state, 'Succeeded');
    await assert.rejects(attempt(1, () => engine.ensure(local, node('lng-twice'), {})), (error: ApplicationFailure) => {
      assert.equal(error.type, 'azure.LocalNetworkGatewayProvisioningFailed');
      assert.equal(error.nonRetryable, true);
      return true;
    });
    const calls = (await (await fetch(`${emulator.url}/_sim/calls`)).json()) as Record<string, number>;
    assert.equal(calls['localNetworkGateways.createOrUpdate'], 4, 'each create PUT twice');
  });
});
