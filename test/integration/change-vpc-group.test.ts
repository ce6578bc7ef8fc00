/**
 * Moving a live mesh to another of the operator's VPCs, and to a new resource group, on the
 * proving ground, under ?allowReplace=true (docs/live-backbone.md). A backbone-only mesh
 * (examples/minimal.json) in a VPC the test makes with EC2 itself, as an operator would. Each
 * change is judged from EC2 and ARM: the operator's VPCs and subnets never deleted nor changed
 * (only let go of), the attachment and the route to Azure on the new VPC and none left in the
 * old one, the Azure backbone in the new group and the old group gone, the tunnels up.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetworkManagementClient } from '@azure/arm-network';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeRouteTablesCommand,
  DescribeSubnetsCommand,
  DescribeTransitGatewayVpcAttachmentsCommand,
  DescribeVpcsCommand,
  DescribeVpnConnectionsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { createCloudClients } from '../../activities/cloud-clients.ts';
import { backboneNames } from '../../domain/names.ts';
import type { Endpoints } from '../../sim/stack.ts';
import { azureCredential } from '../../worker/azure-credential.ts';
import { api, exampleSpec, FAST_TIME_SCALE, meshInventory, useStack, waitForChangeEnd, waitForPhase } from '../support/stack.ts';

const MESH = 'chvpc';
const REGION = 'us-east-1';
const SUB = '00000000-0000-0000-0000-000000000000';
const NAMES = backboneNames(MESH);
const UP = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const creds = { accessKeyId: 'x', secretAccessKey: 'x' };
const OPERATOR_TAG = { Key: 'team', Value: 'network' };

describe("moving a live mesh to another of the operator's VPCs and to a new resource group", () => {
  const stack = useStack('change-vpc-group', { timeScale: FAST_TIME_SCALE });
  let spec: any;
  let vpcs: OperatorVpc[] = [];

  test("another of the operator's VPCs, allowed: the attachment and route made again on it, the old VPC and its subnets untouched and free of the mesh, the tunnels up", async (t) => {
    const e = stack.endpoints();
    vpcs = [await operatorVpc(e, 50), await operatorVpc(e, 51)];
    const seen = await Promise.all(vpcs.map((v) => asEc2Shows(e, v)));
    spec = exampleSpec('minimal', { name: MESH });
    spec.aws.vpc = { cidr: '10.50.0.0/16', existingVpcId: vpcs[0]!.vpcId, existingSubnetIds: vpcs[0]!.subnetIds };
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, MESH, UP, 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify({ error: ready.error, failed: ready.verification?.checks?.filter((c: any) => !c.pass) }));
    assert.deepEqual((await backbone(e)).attachedVpcs, [vpcs[0]!.vpcId]);

    const next = structuredClone(spec);
    next.aws.vpc = { cidr: '10.51.0.0/16', existingVpcId: vpcs[1]!.vpcId, existingSubnetIds: vpcs[1]!.subnetIds };
    const refused = await api(e, 'PUT', `/v1/meshes/${MESH}`, next);
    assert.deepEqual([refused.status, refused.body.problems?.map((p: any) => `${p.rule} ${p.path}`)], [400, [
      'change.replace-not-allowed aws/subnet/0.subnetId', 'change.replace-not-allowed aws/subnet/1.subnetId', 'change.replace-not-allowed aws/vpc.vpcId',
    ]]);
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.deepEqual(accepted.body.plan.changes.filter((c: any) => c.action !== 'unchanged').map((c: any) => `${c.action} ${c.id}`), [
      'replace aws/route-to-azure', 'replace aws/subnet/0', 'replace aws/subnet/1', 'replace aws/tgw-attachment', 'replace aws/vpc',
    ]);
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    t.diagnostic(`the move to another VPC took ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the mesh verified`);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    assert.deepEqual(await Promise.all(vpcs.map((v) => asEc2Shows(e, v))), seen, "EC2: both of the operator's VPCs and their subnets as they were (state, range, tags)");
    const after = await backbone(e);
    assert.deepEqual(after.attachedVpcs, [vpcs[1]!.vpcId], 'EC2: one attachment of the mesh, on the new VPC');
    assert.deepEqual(await routesToAzure(e, vpcs[0]!.vpcId), [], 'EC2: no route of the mesh left in the old VPC');
    assert.deepEqual(await routesToAzure(e, vpcs[1]!.vpcId), [after.transitGatewayId], "EC2: the new VPC's main table routes Azure to the transit gateway");
    assert.deepEqual(after.telemetry, ['UP', 'UP', 'UP', 'UP'], 'AWS: all four tunnels up');
    assert.equal(after.connectedPeers, 4, "Azure: the gateway's four BGP peers Connected");
  });

  test('a new resource group, allowed: the Azure backbone made again in it, the old group (the mesh made it) deleted, the tunnels up again', async (t) => {
    const e = stack.endpoints();
    const groups = createCloudClients({ aws: { endpoint: e.aws, requestTimeoutMs: 10_000 }, azure: { endpoint: e.azure, credential: azureCredential('emulator', e.azure) } }).resources(SUB).resourceGroups;
    const [oldGroup, newGroup] = [`cellbridge-${MESH}`, `cellbridge-${MESH}-2`];
    const next = structuredClone(spec);
    next.azure.resourceGroup = newGroup;
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    assert.deepEqual([accepted.body.plan.summary.replace, accepted.body.plan.refused.length, accepted.body.plan.expectedSeconds], [18, 0, 4132], JSON.stringify(accepted.body.plan.summary));
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    t.diagnostic(`the move to a new resource group took ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the mesh verified`);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    assert.equal(await groups.checkExistence(oldGroup).then((r) => r.body), false, 'ARM: the old group is gone');
    assert.equal((await groups.get(newGroup)).tags?.['cellbridge:mesh'], MESH, "ARM: the new group is the mesh's");
    const after = await backbone(e, newGroup);
    assert.deepEqual(after.connections, ['Connected', 'Connected', 'Connected', 'Connected'], 'ARM: four connections in the new group, each Connected');
    assert.deepEqual(after.attachedVpcs, [vpcs[1]!.vpcId], 'EC2: the attachment stays on the VPC');
    assert.deepEqual(after.telemetry, ['UP', 'UP', 'UP', 'UP'], 'AWS: all four tunnels up, to the new gateway');
    assert.equal(after.connectedPeers, 4, "Azure: the new gateway's four BGP peers Connected");
  });

  test("DELETE after the changes leaves nothing of the mesh, and the operator's VPCs", async () => {
    const e = stack.endpoints();
    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    const gone = await waitForPhase(e, MESH, ['Deleted', 'TeardownIncomplete'], 300_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.deepEqual(await meshInventory(e, MESH, REGION, spec.azure.resourceGroup), []);
    assert.deepEqual((await Promise.all(vpcs.map((v) => asEc2Shows(e, v)))).map((v) => v.vpc.state), ['available', 'available']);
  });
});

interface OperatorVpc {
  vpcId: string;
  subnetIds: string[];
}

/** A VPC and two subnets made the way an operator makes them, tagged as theirs. */
async function operatorVpc(e: Endpoints, second: number): Promise<OperatorVpc> {
  const ec2 = ec2Of(e);
  const TagSpecifications = (ResourceType: 'vpc' | 'subnet') => [{ ResourceType, Tags: [OPERATOR_TAG] }];
  const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${second}.0.0/16`, TagSpecifications: TagSpecifications('vpc') }));
  const subnets = await Promise.all(['a', 'b'].map((zone, i) =>
    ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId, CidrBlock: `10.${second}.${i}.0/24`, AvailabilityZone: `${REGION}${zone}`, TagSpecifications: TagSpecifications('subnet') }))));
  return { vpcId: Vpc!.VpcId!, subnetIds: subnets.map((s) => s.Subnet!.SubnetId!) };
}

/** What the operator would see of their VPC and subnets. */
async function asEc2Shows(e: Endpoints, { vpcId, subnetIds }: OperatorVpc) {
  const ec2 = ec2Of(e);
  const vpc = (await ec2.send(new DescribeVpcsCommand({ VpcIds: [vpcId] }))).Vpcs?.[0];
  const subnets = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: subnetIds }))).Subnets ?? [];
  return {
    vpc: { id: vpc?.VpcId, state: vpc?.State, cidr: vpc?.CidrBlock, tags: vpc?.Tags },
    subnets: subnets.map((s) => ({ id: s.SubnetId, state: s.State, cidr: s.CidrBlock, zone: s.AvailabilityZone, tags: s.Tags })).sort((a, b) => a.id!.localeCompare(b.id!)),
  };
}

/** The transit gateways the routes to Azure in the VPC's tables point at. */
async function routesToAzure(e: Endpoints, vpcId: string): Promise<(string | undefined)[]> {
  const tables = (await ec2Of(e).send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }))).RouteTables ?? [];
  return tables.flatMap((table) => (table.Routes ?? []).filter((r) => r.DestinationCidrBlock === '10.20.0.0/16').map((r) => r.TransitGatewayId));
}

/** The backbone as EC2 and ARM show it. */
async function backbone(e: Endpoints, group = `cellbridge-${MESH}`) {
  const ec2 = ec2Of(e);
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [MESH] }];
  const alive = (state: string | undefined) => state !== 'deleted' && state !== 'deleting';
  const attachments = ((await ec2.send(new DescribeTransitGatewayVpcAttachmentsCommand({ Filters }))).TransitGatewayVpcAttachments ?? []).filter((a) => alive(a.State));
  const vpns = ((await ec2.send(new DescribeVpnConnectionsCommand({ Filters }))).VpnConnections ?? []).filter((v) => alive(v.State));
  const network = new NetworkManagementClient({ getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 3_600_000 }) }, SUB, { endpoint: e.azure });
  const connections: string[] = [];
  for await (const c of network.virtualNetworkGatewayConnections.list(group)) connections.push(c.connectionStatus ?? 'Unknown');
  const peers = await network.virtualNetworkGateways.beginGetBgpPeerStatusAndWait(group, NAMES.vpnGateway);
  return {
    attachedVpcs: attachments.map((a) => a.VpcId),
    transitGatewayId: vpns[0]?.TransitGatewayId,
    connections,
    telemetry: vpns.flatMap((v) => (v.VgwTelemetry ?? []).map((t) => t.Status)),
    connectedPeers: new Set((peers.value ?? []).filter((p) => p.state === 'Connected').map((p) => p.neighbor)).size,
  };
}

function ec2Of(e: Endpoints): EC2Client {
  return new EC2Client({ region: REGION, endpoint: e.aws, credentials: creds });
}

