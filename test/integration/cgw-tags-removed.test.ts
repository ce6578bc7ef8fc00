/**
 * A customer gateway of the mesh whose ownership tags were removed by hand (it stays where it
 * is, same ID), on the proving ground (the minimal example), judged from EC2: a requested check
 * reports its two identity tags (both values) and changes nothing; the spec switched to `repair`
 * puts the tags back on the same gateway (its VPN connection untouched); with the tags removed
 * again, DELETE still deletes it, because its recorded ID proves it the mesh's (docs/drift.md,
 * "A customer gateway whose tags were removed"). The refusal of a gateway of the same address and
 * ASN that the mesh did not record is table-tested in test/unit/customer-gateway-owner.test.ts.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DeleteTagsCommand, DescribeCustomerGatewaysCommand, DescribeVpnConnectionsCommand, EC2Client, type CustomerGateway, type VpnConnection } from '@aws-sdk/client-ec2';
import type { Endpoints } from '../../sim/stack.ts';
import { checked, reportAfter } from '../support/drift-checks.ts';
import { api, exampleSpec, FAST_TIME_SCALE, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

const MESH = 'cgt';
const NODE = 'aws/customer-gateway/0';
const UP = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const IDENTITY = ['cellbridge:mesh', 'cellbridge:resource'];
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };

describe("a customer gateway whose ownership tags were removed by hand", () => {
  const stack = useStack('cgw-tags-removed', { timeScale: FAST_TIME_SCALE });
  let spec: any;
  const before = { cgw: {} as CustomerGateway, vpn: {} as VpnConnection };

  test('a check reports its two identity tags as drift (expected the mesh and node, actual absent), to be repaired by create; report mode leaves it untagged', async () => {
    const e = stack.endpoints();
    spec = exampleSpec('minimal', { name: MESH });
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, MESH, UP, 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify({ error: ready.error }));
    const ec2 = ec2Of(e);
    before.vpn = await vpnConnectionOn(ec2);
    before.cgw = await byId(ec2, before.vpn.CustomerGatewayId!);
    assert.deepEqual(identityTags(before.cgw), [MESH, NODE]);
    await stripIdentity(ec2, before.cgw.CustomerGatewayId!);

    const report = await checked(e, MESH);
    const raw = JSON.stringify(report.drifts);
    assert.deepEqual(report.drifts.map((d: any) => d.id), [NODE], raw);
    const [drift] = report.drifts;
    assert.deepEqual([drift.state, drift.repairBy], ['drifted', 'create'], raw);
    assert.deepEqual(drift.fields, [
      { field: 'tag cellbridge:mesh', expected: MESH, actual: 'absent' },
      { field: 'tag cellbridge:resource', expected: NODE, actual: 'absent' },
    ]);
    assert.deepEqual(identityTags(await byId(ec2, before.cgw.CustomerGatewayId!)), [undefined, undefined], 'report mode changes nothing');
  });

  test('switched to repair: the tags are put back on the same gateway, its VPN connection untouched; removed again, DELETE deletes it by its recorded ID and leaves nothing', async () => {
    const e = stack.endpoints();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}`, { ...structuredClone(spec), drift: { mode: 'repair' } });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const report = await reportAfter(e, MESH, (r) => r.trigger === 'spec-changed');
    assert.equal(report.repair?.state, 'Repaired', JSON.stringify(report.repair));
    assert.deepEqual([report.repair.repaired, report.repair.remaining], [[NODE], []]);

    const ec2 = ec2Of(e);
    const cgw = await byId(ec2, before.cgw.CustomerGatewayId!);
    assert.deepEqual([identityTags(cgw), cgw.State], [[MESH, NODE], 'available'], 'the same gateway, tagged again');
    const vpn = await vpnConnectionOn(ec2);
    assert.deepEqual([vpn.VpnConnectionId, vpn.CustomerGatewayId], [before.vpn.VpnConnectionId, before.cgw.CustomerGatewayId], 'its VPN connection is the same, on the same gateway');
    assert.deepEqual((await checked(e, MESH)).drifts, [], 'a check after the repair finds nothing');

    await stripIdentity(ec2, before.cgw.CustomerGatewayId!);
    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    const gone = await waitForPhase(e, MESH, ['Deleted', 'TeardownIncomplete'], 300_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.equal((await byId(ec2, before.cgw.CustomerGatewayId!)).State, 'deleted', 'the untagged gateway the mesh made is deleted, not orphaned');
    assert.deepEqual(await meshInventory(e, MESH), []);
  });
});

function ec2Of(e: Endpoints): EC2Client {
  return new EC2Client({ region: 'us-east-1', endpoint: e.aws, credentials });
}

/** What an operator does who cleans up tags: the mesh's and node's removed, the gateway left as it is. */
async function stripIdentity(ec2: EC2Client, id: string): Promise<void> {
  await ec2.send(new DeleteTagsCommand({ Resources: [id], Tags: IDENTITY.map((Key) => ({ Key })) }));
  assert.deepEqual(identityTags(await byId(ec2, id)), [undefined, undefined]);
}

function identityTags(cgw: CustomerGateway): (string | undefined)[] {
  return IDENTITY.map((key) => cgw.Tags?.find((t) => t.Key === key)?.Value);
}

async function byId(ec2: EC2Client, id: string): Promise<CustomerGateway> {
  const found = (await ec2.send(new DescribeCustomerGatewaysCommand({ CustomerGatewayIds: [id] }))).CustomerGateways?.[0];
  assert.ok(found, `customer gateway ${id} is listed`);
  return found;
}

/** The VPN connection of the customer gateway's node: it names the gateway by ID, which no tag removal changes. */
async function vpnConnectionOn(ec2: EC2Client): Promise<VpnConnection> {
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [MESH] }, { Name: 'tag:cellbridge:resource', Values: ['aws/vpn-connection/0'] }];
  const alive = ((await ec2.send(new DescribeVpnConnectionsCommand({ Filters }))).VpnConnections ?? []).filter((v) => v.State !== 'deleted' && v.State !== 'deleting');
  assert.equal(alive.length, 1, JSON.stringify(alive.map((v) => v.State)));
  return alive[0]!;
}
