/**
 * A mesh's VPN connections described together (activities/aws/vpn.ts): one DescribeVpnConnections
 * by the mesh's tag answers both, and each finds only its own by its node's tag; another mesh's
 * connection of the same node, and a deleted one, are never found. The EC2 client is a stand-in
 * that filters by tag as EC2 does and counts describes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DescribeVpnConnectionsCommand, type VpnConnection } from '@aws-sdk/client-ec2';
import { MESH_TAG, NODE_TAG } from '../../activities/aws/tags.ts';
import { vpnConnectionHandler } from '../../activities/aws/vpn.ts';
import type { CloudClients } from '../../activities/cloud-clients.ts';
import type { BackboneParams, MeshScope } from '../../domain/backbone-graph.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';

const scope: MeshScope = { mesh: 'east-west', aws: { region: 'us-east-1' }, azure: { subscriptionId: 's', resourceGroup: 'g', location: 'eastus' } };
const nodeOf = (i: number, mesh = scope): ResourceNode<'aws.vpnConnection', BackboneParams['aws.vpnConnection']> => ({
  id: `aws/vpn-connection/${i}`, kind: 'aws.vpnConnection', dependsOn: [],
  params: { scope: mesh, name: `vpn-${i}`, tunnels: [], customerGatewayNode: `aws/customer-gateway/${i}`, transitGatewayNode: 'aws/transit-gateway' },
});
const tagged = (id: string, mesh: string, node: string, state = 'pending'): VpnConnection =>
  ({ VpnConnectionId: id, State: state as VpnConnection['State'], Tags: [{ Key: MESH_TAG, Value: mesh }, { Key: NODE_TAG, Value: node }] });

function ec2(connections: VpnConnection[]) {
  let describes = 0;
  const send = async (command: unknown) => {
    if (!(command instanceof DescribeVpnConnectionsCommand)) throw new Error(`unexpected ${(command as object).constructor.name}`);
    describes++;
    const filters = command.input.Filters ?? [];
    return { VpnConnections: connections.filter((c) => filters.every((f) => f.Values!.includes(c.Tags?.find((t) => `tag:${t.Key}` === f.Name)?.Value ?? ''))) };
  };
  return { handler: vpnConnectionHandler({ ec2: () => ({ send }) } as unknown as CloudClients), describes: () => describes };
}

test("both VPN connections of a mesh, described together, are one DescribeVpnConnections, and each finds its own", async () => {
  const cloud = ec2([tagged('vpn-a', scope.mesh, 'aws/vpn-connection/0'), tagged('vpn-b', scope.mesh, 'aws/vpn-connection/1')]);
  const [a, b] = await Promise.all([cloud.handler.describe(nodeOf(0)), cloud.handler.describe(nodeOf(1))]);
  assert.deepEqual([a?.VpnConnectionId, b?.VpnConnectionId], ['vpn-a', 'vpn-b']);
  assert.equal(cloud.describes(), 1);
});

test("another mesh's connection of the same node, and a deleted one of ours, are not found", async () => {
  const cloud = ec2([tagged('vpn-other', 'other-mesh', 'aws/vpn-connection/0'), tagged('vpn-gone', scope.mesh, 'aws/vpn-connection/0', 'deleted')]);
  assert.equal(await cloud.handler.describe(nodeOf(0)), undefined);
  const other = await cloud.handler.describe(nodeOf(0, { ...scope, mesh: 'other-mesh' }));
  assert.equal(other?.VpnConnectionId, 'vpn-other');
  assert.equal(cloud.describes(), 2, 'one listing per mesh');
});

test('describes asked one after the other are each a listing of their own', async () => {
  const cloud = ec2([tagged('vpn-a', scope.mesh, 'aws/vpn-connection/0', 'available')]);
  await cloud.handler.describe(nodeOf(0));
  await cloud.handler.describe(nodeOf(0));
  assert.equal(cloud.describes(), 2);
});
