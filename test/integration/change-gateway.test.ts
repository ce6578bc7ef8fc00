/**
 * Replacing the Azure VPN gateway of a live mesh (a new GatewaySubnet prefix) and changing the
 * Azure VNet's range, on the proving ground, under ?allowReplace=true (docs/live-backbone.md).
 * A backbone-only mesh (examples/minimal.json): nothing of a cell stands on what changes. Each
 * change is judged from ARM and EC2 themselves: the subnet's prefix, the gateway (a new one is
 * a new resourceGuid under the same name) and the public IPs it uses, the connections, the AWS
 * customer gateways and VPN connections (kept: same IDs), the VPC's route to Azure, telemetry
 * and the gateway's BGP peers.
 */
import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { NetworkManagementClient } from '@azure/arm-network';
import { DescribeCustomerGatewaysCommand, DescribeRouteTablesCommand, DescribeVpcsCommand, DescribeVpnConnectionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { backboneNames } from '../../domain/names.ts';
import type { Endpoints } from '../../sim/stack.ts';
import { api, clearFaults, exampleSpec, FAST_TIME_SCALE, injectFault, meshInventory, useStack, waitForChangeEnd, waitForPhase } from '../support/stack.ts';

const MESH = 'chgw';
const SUB = '00000000-0000-0000-0000-000000000000';
const GROUP = `cellbridge-${MESH}`;
const NAMES = backboneNames(MESH);
const UP = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
/** The custom APIPA addresses the mesh gives the gateway's two instances (the default tunnel inside CIDRs' Azure ends). */
const APIPA = [['169.254.21.2', '169.254.22.2'], ['169.254.21.6', '169.254.22.6']];

describe("replacing a live mesh's Azure VPN gateway and changing its VNet's range", () => {
  const stack = useStack('change-gateway', { timeScale: FAST_TIME_SCALE });
  let spec: any;
  let created: Awaited<ReturnType<typeof backboneInClouds>>;
  afterEach(() => clearFaults(stack.endpoints()));

  test("a new GatewaySubnet prefix: refused without allowReplace; allowed, the subnet, the VPN gateway and its four connections made again, a new gateway on the same public IPs with the mesh's APIPA addresses, AWS's customer gateways and VPN connections kept, all four tunnels BGP Established again", async (t) => {
    const e = stack.endpoints();
    spec = exampleSpec('minimal', { name: MESH });
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, MESH, UP, 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify({ error: ready.error, failed: ready.verification?.checks?.filter((c: any) => !c.pass) }));
    created = await backboneInClouds(e);

    const next = structuredClone(spec);
    next.azure.vnet.gatewaySubnetCidr = '10.20.254.0/27';
    const refused = await api(e, 'PUT', `/v1/meshes/${MESH}`, next);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.deepEqual(refused.body.problems.map((p: any) => `${p.rule} ${p.path}`), ['change.replace-not-allowed azure/gateway-subnet.cidr']);

    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const { plan } = accepted.body;
    assert.deepEqual([plan.summary.replace, plan.summary.update, plan.refused.length, plan.interruptsTraffic, plan.expectedSeconds], [6, 0, 0, true, 4070], JSON.stringify(plan.summary));
    assert.deepEqual(plan.changes.filter((c: any) => c.action === 'replace').map((c: any) => `${c.id} ${c.replacedWith ?? c.fields.map((f: any) => f.field)}`), [
      'azure/connection/0 azure/vpn-gateway', 'azure/connection/1 azure/vpn-gateway', 'azure/connection/2 azure/vpn-gateway', 'azure/connection/3 azure/vpn-gateway',
      'azure/gateway-subnet cidr', 'azure/vpn-gateway azure/gateway-subnet',
    ]);
    assert.equal(plan.changes.find((c: any) => c.id === 'azure/vpn-gateway').interrupts, 'all four tunnels: cross-cloud traffic stops while the old gateway is deleted and a new one made, over an hour in Azure');
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    t.diagnostic(`the GatewaySubnet change took ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the mesh verified`);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    const after = await backboneInClouds(e);
    assert.equal(after.gatewaySubnetPrefix, '10.20.254.0/27', "ARM: the GatewaySubnet's new prefix");
    assert.notEqual(after.gatewayGuid, created.gatewayGuid, 'ARM: a new VPN gateway (a new resourceGuid under the same name)');
    assertTunnelsKept(after, created);
  });

  test('a GatewaySubnet change that fails part way (a new connection refused) rolls back: the new connections, gateway and subnet deleted, the old prefix and a gateway on the same public IPs made again with their connections, all four tunnels up', async () => {
    const e = stack.endpoints();
    const before = await backboneInClouds(e);
    const next = structuredClone(spec);
    next.azure.vnet.gatewaySubnetCidr = '10.20.253.0/27';
    // The connections are made last, on the new gateway: the fault hits once the new subnet and gateway exist.
    await injectFault(e.azure, { operation: 'connections.createOrUpdate', kind: 'error', status: 400, code: 'InvalidRequestFormat', message: 'simulated connection failure', count: 1, match: NAMES.connection(2) });
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    assert.equal(done.change.state, 'RolledBack', JSON.stringify(done.change));
    assert.match(done.change.error, /simulated connection failure/);
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));

    const after = await backboneInClouds(e);
    assert.equal(after.gatewaySubnetPrefix, '10.20.254.0/27', 'ARM: the GatewaySubnet with the prefix it had');
    assert.notEqual(after.gatewayGuid, before.gatewayGuid, 'a gateway made again from the old spec (the failed change had deleted the one before)');
    assertTunnelsKept(after, created);
  });

  test("a new VNet range: one that leaves the GatewaySubnet outside is refused by validation, naming the field and the rule; one that holds it is applied: the VNet's range updated in place (its subnet and gateway kept), AWS's route to Azure moved to the new range, the tunnels untouched", async (t) => {
    const e = stack.endpoints();
    const before = await backboneInClouds(e);
    const outside = structuredClone(spec);
    outside.azure.vnet.cidr = '10.20.0.0/17';
    const refused = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, outside);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.ok(refused.body.problems.some((p: any) => p.path === '/azure/vnet/gatewaySubnetCidr' && p.rule === 'cidr.outside-parent'), JSON.stringify(refused.body.problems));

    const next = structuredClone(spec);
    next.azure.vnet.cidr = '10.20.0.0/15';
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}?allowReplace=true`, next);
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const { plan } = accepted.body;
    assert.deepEqual(plan.changes.filter((c: any) => c.action !== 'unchanged').map((c: any) => `${c.action} ${c.id}`), ['replace aws/route-to-azure', 'update azure/vnet']);
    const done = await waitForChangeEnd(e, MESH, accepted.body.changeId);
    t.diagnostic(`the VNet range change took ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the mesh verified`);
    assert.equal(done.change.state, 'Applied', JSON.stringify(done.change));
    assert.equal(done.phase, 'Ready', JSON.stringify(done.verification?.checks?.filter((c: any) => !c.pass)));
    spec = next;

    const after = await backboneInClouds(e);
    assert.deepEqual(after.vnetPrefixes, ['10.20.0.0/15'], "ARM: the VNet's new range");
    assert.equal(after.gatewaySubnetPrefix, '10.20.254.0/27', 'its GatewaySubnet kept');
    assert.equal(after.gatewayGuid, before.gatewayGuid, 'the same VPN gateway');
    assert.deepEqual(after.routesToAzure, [['10.20.0.0/15', after.transitGatewayId]], "EC2: the VPC routes the new range to the transit gateway, and no longer the old one");
    assertTunnelsKept(after, created);
  });

  test('DELETE after the changes leaves nothing of the mesh', async () => {
    const e = stack.endpoints();
    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    const gone = await waitForPhase(e, MESH, ['Deleted', 'TeardownIncomplete'], 300_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.deepEqual(await meshInventory(e, MESH), []);
  });
});

/** AWS's side of every tunnel as it was made (same customer gateways, VPN connections, outside IPs), the gateway on the same public IPs with the mesh's APIPA addresses, four connections Connected, telemetry UP, four BGP peers Connected. */
function assertTunnelsKept(after: Awaited<ReturnType<typeof backboneInClouds>>, created: Awaited<ReturnType<typeof backboneInClouds>>): void {
  assert.deepEqual(after.gatewayPublicIps, created.gatewayPublicIps, "ARM: the gateway's public IPs, the same addresses");
  assert.deepEqual(after.customerGatewayIps, after.gatewayPublicIps, "EC2: the customer gateways are at the gateway's public IPs");
  assert.deepEqual(after.customerGatewayIds, created.customerGatewayIds, 'EC2: the same customer gateways');
  assert.deepEqual(after.vpnConnectionIds, created.vpnConnectionIds, 'EC2: the same VPN connections');
  assert.deepEqual(after.outsideIps, created.outsideIps, "EC2: the tunnels' outside IPs as they were");
  assert.deepEqual(after.gatewayCustomBgp, APIPA, "ARM: each gateway instance's APIPA addresses");
  assert.deepEqual(after.connections, ['Connected', 'Connected', 'Connected', 'Connected'], 'ARM: four connections, each Connected (its key is the AWS tunnel\'s)');
  assert.deepEqual(after.telemetry, ['UP', 'UP', 'UP', 'UP'], 'AWS: all four tunnels up');
  assert.equal(after.connectedPeers, 4, "Azure: the gateway's four BGP peers Connected");
}

/** The backbone as ARM and EC2 show it. */
async function backboneInClouds(e: Endpoints) {
  const ec2 = new EC2Client({ region: 'us-east-1', endpoint: e.aws, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [MESH] }];
  const alive = (state: string | undefined) => state !== 'deleted' && state !== 'deleting';
  const cgws = ((await ec2.send(new DescribeCustomerGatewaysCommand({ Filters }))).CustomerGateways ?? []).filter((c) => alive(c.State));
  const vpns = ((await ec2.send(new DescribeVpnConnectionsCommand({ Filters }))).VpnConnections ?? []).filter((v) => alive(v.State));
  const vpcIds = ((await ec2.send(new DescribeVpcsCommand({ Filters }))).Vpcs ?? []).map((v) => v.VpcId!);
  const tables = vpcIds.length > 0 ? ((await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: vpcIds }] }))).RouteTables ?? []) : [];
  const network = new NetworkManagementClient({ getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 3_600_000 }) }, SUB, { endpoint: e.azure });
  const vnet = await network.virtualNetworks.get(GROUP, NAMES.vnet);
  const subnet = await network.subnets.get(GROUP, NAMES.vnet, NAMES.gatewaySubnet);
  const gateway = await network.virtualNetworkGateways.get(GROUP, NAMES.vpnGateway);
  const publicIps = await Promise.all((gateway.ipConfigurations ?? []).map(async (c) => (await network.publicIPAddresses.get(GROUP, c.publicIPAddress!.id!.split('/').pop()!)).ipAddress ?? ''));
  const connections: string[] = [];
  for await (const c of network.virtualNetworkGatewayConnections.list(GROUP)) connections.push(c.connectionStatus ?? 'Unknown');
  const peers = await network.virtualNetworkGateways.beginGetBgpPeerStatusAndWait(GROUP, NAMES.vpnGateway);
  const tunnels = vpns.flatMap((v) => v.Options?.TunnelOptions ?? []);
  const tgw = vpns[0]?.TransitGatewayId;
  return {
    vnetPrefixes: vnet.addressSpace?.addressPrefixes,
    gatewaySubnetPrefix: subnet.addressPrefix,
    gatewayGuid: gateway.resourceGuid,
    gatewayPublicIps: publicIps.sort(),
    gatewayCustomBgp: (gateway.bgpSettings?.bgpPeeringAddresses ?? []).map((b) => [...(b.customBgpIpAddresses ?? [])].sort()),
    connections,
    customerGatewayIds: cgws.map((c) => c.CustomerGatewayId!).sort(),
    customerGatewayIps: cgws.map((c) => c.IpAddress ?? '').sort(),
    vpnConnectionIds: vpns.map((v) => v.VpnConnectionId!).sort(),
    outsideIps: tunnels.map((tunnel) => tunnel.OutsideIpAddress ?? '').sort(),
    transitGatewayId: tgw,
    routesToAzure: tables.flatMap((table) => (table.Routes ?? []).filter((r) => r.DestinationCidrBlock?.startsWith('10.20.')).map((r) => [r.DestinationCidrBlock, r.TransitGatewayId])),
    telemetry: vpns.flatMap((v) => (v.VgwTelemetry ?? []).map((t) => t.Status)),
    connectedPeers: new Set((peers.value ?? []).filter((p) => p.state === 'Connected').map((p) => p.neighbor)).size,
  };
}

