/**
 * cellbridge on a shared account: meshes whose natural names collide live side by side,
 * and resources of the same name that it does not own (another tool's IAM role, another
 * mesh's resource group, a route in the user's VPC, a customer gateway EC2 answers a create
 * with) are never adopted or deleted. Judged
 * by what the emulators hold, read with the clouds' own SDKs.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AttachInternetGatewayCommand, CreateCustomerGatewayCommand, CreateInternetGatewayCommand, CreateRouteCommand, CreateSubnetCommand, CreateVpcCommand, DeleteCustomerGatewayCommand, DescribeCustomerGatewaysCommand, DescribeRouteTablesCommand, EC2Client, type CustomerGateway } from '@aws-sdk/client-ec2';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { createCloudClients } from '../../activities/cloud-clients.ts';
import { cellNames, CURRENT_NAMING } from '../../domain/names.ts';
import { azureCredential } from '../../worker/azure-credential.ts';
import { api, exampleSpec, FAST_TIME_SCALE, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

const REGION = 'us-east-1';
const SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const ENDED = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const creds = { accessKeyId: 'x', secretAccessKey: 'x' };

/** cells.json with only its EKS cell, renamed. */
function oneEksCell(mesh: string, cell: string): any {
  const spec = exampleSpec('cells', { name: mesh });
  return { ...spec, cells: [{ ...spec.cells[0], name: cell }] };
}

describe('a shared cloud account', () => {
  const stack = useStack('shared-account', { timeScale: FAST_TIME_SCALE });

  test('meshes abc (cell d-ef) and abc-d (cell ef) both come up; tearing abc down leaves every resource of abc-d in both clouds and it still verifies Ready', async () => {
    const e = stack.endpoints();
    for (const [mesh, cell] of [['abc', 'd-ef'], ['abc-d', 'ef']]) assert.equal((await api(e, 'POST', '/v1/meshes', oneEksCell(mesh!, cell!))).status, 202);
    for (const mesh of ['abc', 'abc-d']) {
      const up = await waitForPhase(e, mesh, ENDED, 300_000);
      assert.equal(up.phase, 'Ready', `${mesh}: ${JSON.stringify({ error: up.error, failures: up.cleanupFailures })}`);
    }
    const before = (await meshInventory(e, 'abc-d')).sort();
    assert.ok(before.some((r) => r.startsWith('aws eks-cluster')) && before.filter((r) => r.startsWith('aws iam-role')).length === 2, before.join('\n'));
    assert.notDeepEqual((await meshInventory(e, 'abc')).filter((r) => r.startsWith('aws eks-cluster')), before.filter((r) => r.startsWith('aws eks-cluster')), 'each mesh has its own cluster');

    assert.equal((await api(e, 'DELETE', '/v1/meshes/abc')).status, 202);
    assert.equal((await waitForPhase(e, 'abc', ['Deleted', 'TeardownIncomplete'], 240_000)).phase, 'Deleted');
    assert.deepEqual(await meshInventory(e, 'abc'), []);
    assert.deepEqual((await meshInventory(e, 'abc-d')).sort(), before, 'abc-d keeps every resource');
    assert.equal((await api(e, 'POST', '/v1/meshes/abc-d/verification')).status, 202);
    await new Promise((r) => setTimeout(r, 1000));
    const again = await waitForPhase(e, 'abc-d', ['Ready', 'Degraded'], 60_000);
    assert.equal(again.phase, 'Ready', JSON.stringify(again.verification?.checks?.filter((c: any) => !c.pass)));

    assert.equal((await api(e, 'DELETE', '/v1/meshes/abc-d')).status, 202);
    assert.equal((await waitForPhase(e, 'abc-d', ['Deleted', 'TeardownIncomplete'], 240_000)).phase, 'Deleted');
    assert.deepEqual(await meshInventory(e, 'abc-d'), []);
  });

  test('an IAM role of the name the mesh would give its cluster role, made by someone else, stops the run with its name and survives the rollback', async () => {
    const e = stack.endpoints();
    const iam = new IAMClient({ region: REGION, endpoint: e.aws, credentials: creds });
    const roleName = cellNames('frole', { name: 'east' }, CURRENT_NAMING).clusterRole;
    const trust = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust, Tags: [{ Key: 'team', Value: 'payments' }] }));

    assert.equal((await api(e, 'POST', '/v1/meshes', oneEksCell('frole', 'east'))).status, 202);
    const ended = await waitForPhase(e, 'frole', ENDED, 240_000);
    assert.equal(ended.phase, 'RolledBack', JSON.stringify({ error: ended.error, failures: ended.cleanupFailures }));
    assert.match(ended.error, new RegExp(`IAM role ${roleName} already exists and does not belong to mesh frole`));
    const { Role } = await iam.send(new GetRoleCommand({ RoleName: roleName }));
    assert.equal(decodeURIComponent(Role?.AssumeRolePolicyDocument ?? ''), trust, 'the role is untouched');
    assert.deepEqual(await meshInventory(e, 'frole'), []);
  });

  test('a resource group of the mesh\'s name that belongs to another mesh stops the run with its name and survives the rollback', async () => {
    const e = stack.endpoints();
    const clients = createCloudClients({ aws: { endpoint: e.aws, requestTimeoutMs: 10_000 }, azure: { endpoint: e.azure, credential: azureCredential('emulator', e.azure) } });
    const groups = clients.resources(SUBSCRIPTION).resourceGroups;
    await groups.createOrUpdate('cellbridge-fgroup', { location: 'eastus', tags: { 'cellbridge:mesh': 'someone-else' } });

    assert.equal((await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: 'fgroup' }))).status, 202);
    const ended = await waitForPhase(e, 'fgroup', ENDED, 240_000);
    assert.equal(ended.phase, 'RolledBack', JSON.stringify({ error: ended.error, failures: ended.cleanupFailures }));
    assert.match(ended.error, /resourceGroups\/cellbridge-fgroup already exists and does not belong to mesh fgroup \(its cellbridge:mesh tag says "someone-else"\)/i);
    const group = await groups.get('cellbridge-fgroup');
    assert.equal(group.tags?.['cellbridge:mesh'], 'someone-else', 'the group is still there, still theirs');
  });

  test('a route to the VNet\'s range already in the user\'s VPC stops the run naming the route table, and neither it nor any route of the mesh is left', async () => {
    const e = stack.endpoints();
    const ec2 = new EC2Client({ region: REGION, endpoint: e.aws, credentials: creds });
    const { Vpc } = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.50.0.0/16' }));
    const subnets = await Promise.all(['a', 'b'].map((zone, i) => ec2.send(new CreateSubnetCommand({ VpcId: Vpc!.VpcId, CidrBlock: `10.50.${i}.0/24`, AvailabilityZone: `${REGION}${zone}` }))));
    const { InternetGateway } = await ec2.send(new CreateInternetGatewayCommand({}));
    await ec2.send(new AttachInternetGatewayCommand({ InternetGatewayId: InternetGateway!.InternetGatewayId, VpcId: Vpc!.VpcId }));
    const mainTable = async () => (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [Vpc!.VpcId!] }, { Name: 'association.main', Values: ['true'] }] }))).RouteTables![0]!;
    const tableId = (await mainTable()).RouteTableId!;
    await ec2.send(new CreateRouteCommand({ RouteTableId: tableId, DestinationCidrBlock: '10.20.0.0/16', GatewayId: InternetGateway!.InternetGatewayId }));

    const spec = exampleSpec('minimal', { name: 'froute' });
    spec.aws.vpc = { cidr: '10.50.0.0/16', existingVpcId: Vpc!.VpcId, existingSubnetIds: subnets.map((s) => s.Subnet!.SubnetId) };
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ended = await waitForPhase(e, 'froute', ENDED, 240_000);
    assert.equal(ended.phase, 'RolledBack', JSON.stringify({ error: ended.error, failures: ended.cleanupFailures }));
    assert.match(ended.error, new RegExp(`route table ${tableId} already routes 10\\.20\\.0\\.0/16 to ${InternetGateway!.InternetGatewayId}, which mesh froute did not create`));
    const routes = (await mainTable()).Routes!.filter((r) => r.DestinationCidrBlock === '10.20.0.0/16');
    assert.deepEqual(routes.map((r) => r.GatewayId), [InternetGateway!.InternetGatewayId], 'the user\'s route survives, and the mesh added none');
    assert.deepEqual(await meshInventory(e, 'froute'), []);
  });

  test('an untagged customer gateway of the Azure address and ASN the mesh asks for, which EC2 answers the create with, stops the run naming its id, address, ASN and "untagged", and survives the rollback untouched', async () => {
    const e = stack.endpoints();
    const ec2 = new EC2Client({ region: REGION, endpoint: e.aws, credentials: creds });
    // The Azure emulator picks the gateway's public IPs from 192.0.2.0/24: another tool holds a gateway at every one of them, with an ASN only this mesh uses.
    const asn = 65123;
    const all = async () => (await ec2.send(new DescribeCustomerGatewaysCommand({}))).CustomerGateways!.filter((c) => c.BgpAsn === String(asn) && c.State !== 'deleted');
    const theirs: CustomerGateway[] = [];
    for (let host = 1; host <= 254; host += 16) {
      const batch = Array.from({ length: Math.min(16, 255 - host) }, (_, i) => ec2.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: `192.0.2.${host + i}`, BgpAsn: asn })));
      theirs.push(...(await Promise.all(batch)).map((r) => r.CustomerGateway!));
    }
    try {
      const spec = exampleSpec('minimal', { name: 'fcgw' });
      spec.azure.gatewayAsn = asn;
      assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
      const ended = await waitForPhase(e, 'fcgw', ENDED, 240_000);
      assert.equal(ended.phase, 'RolledBack', JSON.stringify({ error: ended.error, failures: ended.cleanupFailures }));
      const named = /customer gateway (cgw-[0-9a-f]+) for IP address (192\.0\.2\.\d+) and BGP ASN 65123 already exists and is not this mesh's \(untagged\).*rule customer-gateway\.exists/.exec(ended.error);
      assert.ok(named, ended.error);
      assert.equal(theirs.find((c) => c.CustomerGatewayId === named[1])?.IpAddress, named[2], 'the error names the gateway at that address');
      const after = await all();
      assert.deepEqual(after.map((c) => [c.CustomerGatewayId, c.State, c.Tags ?? []]).sort(), theirs.map((c) => [c.CustomerGatewayId, 'available', []]).sort(), 'every one of their gateways is still there, untagged');
      assert.deepEqual(await meshInventory(e, 'fcgw'), []);
    } finally {
      for (const c of theirs) await ec2.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: c.CustomerGatewayId }));
    }
  });
});
