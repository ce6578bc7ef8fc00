/**
 * Drift of the AWS end of the backbone that only a repair by update or replacement puts right,
 * on the proving ground (the cells example): a customer gateway made again by hand under the
 * mesh's tags with another ASN, its VPN connection moved to it and the old one deleted (AWS
 * cannot modify a customer gateway, so that is how one drifts), and the other VPN connection's
 * tunnel IPsec policy changed by hand (ModifyVpnTunnelOptions). Beside them, a customer gateway
 * of another mesh under the same node tag, which nothing may touch. A requested check reports
 * both; the spec switched to `repair` replaces the gateway (its VPN connection made again on the
 * new one, the hand-made one deleted) and puts the policy back in place (same connection, same
 * keys), judged from EC2 and ARM; DELETE then leaves nothing of the mesh and the other mesh's
 * gateway as it was.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NetworkManagementClient } from '@azure/arm-network';
import {
  CreateCustomerGatewayCommand,
  DeleteCustomerGatewayCommand,
  DescribeCustomerGatewaysCommand,
  DescribeVpnConnectionsCommand,
  EC2Client,
  ModifyVpnConnectionCommand,
  ModifyVpnTunnelOptionsCommand,
  type CustomerGateway,
  type VpnConnection,
} from '@aws-sdk/client-ec2';
import { IPSEC_POLICY } from '../../domain/ipsec-policy.ts';
import type { Endpoints } from '../../sim/stack.ts';
import { allConnected, checked, reportAfter } from '../support/drift-checks.ts';
import { api, exampleSpec, FAST_TIME_SCALE, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

const MESH = 'drr';
const OTHER_MESH = 'drr-other';
const SUB = '00000000-0000-0000-0000-000000000000';
const RG = `cellbridge-${MESH}`;
const UP = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const HAND_ASN = 65099;
const credentials = { accessKeyId: 'x', secretAccessKey: 'x' };
const values = (list: { Value?: unknown }[] | undefined) => (list ?? []).map((v) => v.Value);

describe('drift repaired by replacement and in place (AWS customer gateway, VPN tunnel options)', () => {
  const stack = useStack('drift-repair', { timeScale: FAST_TIME_SCALE });
  let spec: any;
  const before = { cgw: {} as CustomerGateway, vpn1: {} as VpnConnection, handMade: '', foreign: '', policyTunnel: '' };

  test('a customer gateway made again by hand with another ASN and a tunnel\'s IPsec policy changed by hand are reported, with the repair each needs; report mode changes nothing', async () => {
    const e = stack.endpoints();
    spec = exampleSpec('cells', { name: MESH });
    assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
    const ready = await waitForPhase(e, MESH, UP, 300_000);
    assert.equal(ready.phase, 'Ready', JSON.stringify({ error: ready.error }));

    const ec2 = ec2Of(e);
    before.cgw = await customerGateway(ec2, MESH, 0);
    before.vpn1 = await vpnConnection(ec2, 1);
    const vpn0 = await vpnConnection(ec2, 0);
    // What an operator does who remakes a gateway: a new one under the same tags, the connection moved to it, the old one deleted.
    const handMade = await ec2.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: before.cgw.IpAddress, BgpAsn: HAND_ASN, TagSpecifications: tags(MESH, 'aws/customer-gateway/0') }));
    before.handMade = handMade.CustomerGateway!.CustomerGatewayId!;
    await ec2.send(new ModifyVpnConnectionCommand({ VpnConnectionId: vpn0.VpnConnectionId, CustomerGatewayId: before.handMade }));
    await ec2.send(new DeleteCustomerGatewayCommand({ CustomerGatewayId: before.cgw.CustomerGatewayId }));
    // Another mesh's gateway under the same node tag: not ours, whatever it looks like.
    const foreign = await ec2.send(new CreateCustomerGatewayCommand({ Type: 'ipsec.1', IpAddress: '192.0.2.200', BgpAsn: 65098, TagSpecifications: tags(OTHER_MESH, 'aws/customer-gateway/0') }));
    before.foreign = foreign.CustomerGateway!.CustomerGatewayId!;
    const tunnel = before.vpn1.Options!.TunnelOptions![0]!;
    before.policyTunnel = tunnel.TunnelInsideCidr!;
    await ec2.send(new ModifyVpnTunnelOptionsCommand({
      VpnConnectionId: before.vpn1.VpnConnectionId,
      VpnTunnelOutsideIpAddress: tunnel.OutsideIpAddress,
      TunnelOptions: { Phase1EncryptionAlgorithms: [{ Value: 'AES128' }], IKEVersions: [{ Value: 'ikev1' }, { Value: 'ikev2' }], DPDTimeoutSeconds: 60 },
    }));

    const report = await checked(e, MESH);
    console.log(`drift report ${report.checkId}:\n${report.drifts.map((d: any) => `  ${d.id} ${d.state} (${d.repairBy}): ${d.fields.map((f: any) => `${f.field} expected ${f.expected}, actual ${f.actual}`).join('; ')}`).join('\n')}`);
    const raw = JSON.stringify(report.drifts);
    const by = Object.fromEntries(report.drifts.map((d: any) => [d.id, d]));
    const fields = (id: string) => Object.fromEntries((by[id]?.fields ?? []).map((f: any) => [f.field, [f.expected, f.actual]]));
    assert.deepEqual(Object.keys(by).sort(), ['aws/customer-gateway/0', 'aws/vpn-connection/0', 'aws/vpn-connection/1'], raw);
    assert.deepEqual(fields('aws/customer-gateway/0'), { BgpAsn: [before.cgw.BgpAsn, String(HAND_ASN)] });
    assert.equal(by['aws/customer-gateway/0'].repairBy, 'replace', 'AWS cannot modify a customer gateway');
    assert.deepEqual(fields('aws/vpn-connection/0'), { CustomerGatewayId: [before.cgw.CustomerGatewayId, before.handMade] });
    const at = (field: string) => `tunnel ${before.policyTunnel} ${field}`;
    assert.deepEqual(fields('aws/vpn-connection/1'), {
      [at('IkeVersions')]: ['["ikev2"]', '["ikev1","ikev2"]'],
      [at('Phase1EncryptionAlgorithms')]: ['["AES256"]', '["AES128"]'],
      [at('DpdTimeoutSeconds')]: ['30', '60'],
    });
    assert.equal(by['aws/vpn-connection/1'].repairBy, 'update', 'tunnel options are modified in place');
    assert.equal(report.repair, undefined, 'report mode changes nothing');
    assert.equal((await customerGateway(ec2, MESH, 0)).CustomerGatewayId, before.handMade);
  });

  test('switched to repair: the gateway is replaced (its VPN connection made again on it, the hand-made one deleted), the policy put back on the same connection with the same keys; Azure follows; the other mesh\'s gateway is untouched; DELETE leaves nothing', async () => {
    const e = stack.endpoints();
    const started = Date.now();
    const accepted = await api(e, 'PUT', `/v1/meshes/${MESH}`, { ...structuredClone(spec), drift: { mode: 'repair' } });
    assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
    const report = await reportAfter(e, MESH, (r) => r.trigger === 'spec-changed');
    console.log(`repair: ${report.repair?.rounds} rounds, ${report.repair?.repaired.join(', ')}; ${((Date.now() - started) / 1000).toFixed(1)} s from the PUT to the report`);
    assert.equal(report.repair?.state, 'Repaired', JSON.stringify(report.repair));
    assert.deepEqual(report.repair.remaining, []);
    assert.deepEqual(report.repair.repaired.slice(0, 3), ['aws/customer-gateway/0', 'aws/vpn-connection/0', 'aws/vpn-connection/1'], 'first round: the gateway and its connection made again, the other connection updated');

    const ec2 = ec2Of(e);
    const cgw = await customerGateway(ec2, MESH, 0);
    assert.deepEqual([cgw.IpAddress, cgw.BgpAsn, cgw.State], [before.cgw.IpAddress, before.cgw.BgpAsn, 'available'], 'the desired gateway again');
    assert.ok(![before.cgw.CustomerGatewayId, before.handMade].includes(cgw.CustomerGatewayId), 'a new gateway');
    const handMade = (await ec2.send(new DescribeCustomerGatewaysCommand({ CustomerGatewayIds: [before.handMade] }))).CustomerGateways?.[0];
    assert.equal(handMade?.State, 'deleted', 'the hand-made gateway is deleted');
    const vpn0 = await vpnConnection(ec2, 0);
    assert.equal(vpn0.CustomerGatewayId, cgw.CustomerGatewayId, 'the VPN connection is on the new gateway');

    const vpn1 = await vpnConnection(ec2, 1);
    assert.equal(vpn1.VpnConnectionId, before.vpn1.VpnConnectionId, 'repaired in place, not made again');
    for (const t of vpn1.Options!.TunnelOptions!) {
      const policy = IPSEC_POLICY.aws;
      assert.deepEqual([values(t.IkeVersions), values(t.Phase1EncryptionAlgorithms), t.DpdTimeoutSeconds], [values(policy.IKEVersions), values(policy.Phase1EncryptionAlgorithms), policy.DPDTimeoutSeconds], `tunnel ${t.TunnelInsideCidr}: the pinned policy`);
      const was = before.vpn1.Options!.TunnelOptions!.find((b) => b.TunnelInsideCidr === t.TunnelInsideCidr)!;
      assert.ok(t.PreSharedKey === was.PreSharedKey && t.OutsideIpAddress === was.OutsideIpAddress, `tunnel ${t.TunnelInsideCidr}: same key and outside IP`);
    }

    const network = networkOf(e);
    for (const vpn of [vpn0, vpn1]) {
      for (const t of vpn.Options!.TunnelOptions!) {
        const tunnel = ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30'].indexOf(t.TunnelInsideCidr!);
        const key = await network.virtualNetworkGatewayConnections.getSharedKey(RG, `${MESH}-to-aws-t${tunnel}`);
        assert.ok(key.value === t.PreSharedKey, `tunnel ${tunnel}: Azure holds AWS's key`);
        assert.equal((await network.localNetworkGateways.get(RG, `${MESH}-aws-t${tunnel}`)).gatewayIpAddress, t.OutsideIpAddress, `tunnel ${tunnel}: the local gateway points at AWS's outside IP`);
      }
    }
    await allConnected(network, RG, MESH);
    assert.deepEqual((await checked(e, MESH)).drifts, [], 'a check after the repair finds nothing');

    const foreign = await customerGateway(ec2, OTHER_MESH, 0);
    assert.deepEqual([foreign.CustomerGatewayId, foreign.State], [before.foreign, 'available'], 'the other mesh\'s gateway is untouched');
    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    const gone = await waitForPhase(e, MESH, ['Deleted', 'TeardownIncomplete'], 300_000);
    assert.equal(gone.phase, 'Deleted', JSON.stringify(gone.cleanupFailures));
    assert.deepEqual(await meshInventory(e, MESH), [], 'what a repair made again is the mesh\'s too');
    assert.equal((await customerGateway(ec2, OTHER_MESH, 0)).State, 'available', 'a teardown leaves the other mesh\'s gateway too');
  });
});

function tags(mesh: string, node: string) {
  return [{ ResourceType: 'customer-gateway' as const, Tags: [{ Key: 'Name', Value: `${mesh}-by-hand` }, { Key: 'cellbridge:mesh', Value: mesh }, { Key: 'cellbridge:resource', Value: node }] }];
}

function ec2Of(e: Endpoints): EC2Client {
  return new EC2Client({ region: 'us-east-1', endpoint: e.aws, credentials });
}

function networkOf(e: Endpoints): NetworkManagementClient {
  return new NetworkManagementClient({ getToken: async () => ({ token: 'x', expiresOnTimestamp: Date.now() + 3_600_000 }) }, SUB, { endpoint: e.azure });
}

async function customerGateway(ec2: EC2Client, mesh: string, i: 0 | 1): Promise<CustomerGateway> {
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [mesh] }, { Name: 'tag:cellbridge:resource', Values: [`aws/customer-gateway/${i}`] }];
  const alive = ((await ec2.send(new DescribeCustomerGatewaysCommand({ Filters }))).CustomerGateways ?? []).filter((c) => c.State !== 'deleted' && c.State !== 'deleting');
  assert.equal(alive.length, 1, `one customer gateway ${i} of ${mesh}: ${JSON.stringify(alive.map((c) => c.CustomerGatewayId))}`);
  return alive[0]!;
}

async function vpnConnection(ec2: EC2Client, i: 0 | 1): Promise<VpnConnection> {
  const Filters = [{ Name: 'tag:cellbridge:mesh', Values: [MESH] }, { Name: 'tag:cellbridge:resource', Values: [`aws/vpn-connection/${i}`] }];
  const alive = ((await ec2.send(new DescribeVpnConnectionsCommand({ Filters }))).VpnConnections ?? []).filter((v) => v.State !== 'deleted' && v.State !== 'deleting');
  assert.equal(alive.length, 1, `one VPN connection ${i}: ${JSON.stringify(alive.map((v) => v.State))}`);
  return alive[0]!;
}

