// The ARM emulator driven by the real @azure/arm-network and @azure/arm-resources clients.
// Needs NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem (made by sim/tls.ts) set before node starts.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  NetworkManagementClient,
  type IpsecPolicy, type PublicIPAddress, type Subnet, type VirtualNetworkGateway,
} from '@azure/arm-network';
import { ResourceManagementClient } from '@azure/arm-resources';
import type { TokenCredential } from '@azure/core-auth';
import { startAzureEmulator, type AzureEmulator } from '../../sim/azure/index.js';
import type { AwsView } from '../../sim/fabric.js';
import { awaitOperation } from '../../activities/azure/lro.ts';
import { virtualNetworkHandler } from '../../activities/azure/virtual-network.ts';
import { vpnGatewayHandler } from '../../activities/azure/vpn-gateway.ts';
import { createCloudClients } from '../../activities/cloud-clients.ts';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';
import { ensureTls } from '../../sim/tls.js';

const SUB = '00000000-0000-0000-0000-0000000000c1';
const RG = 'rg-backbone';
const LOC = 'westeurope';
const TIME_SCALE = 1000;
/** Real 60 s of BGP convergence, scaled, with a margin. */
const CONVERGENCE_MS = (60_000 / TIME_SCALE) * 3;
const NET = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Network`;
const VNG_ID = `${NET}/virtualNetworkGateways/vng`;
const IPCFG = [`${VNG_ID}/ipConfigurations/ipcfg0`, `${VNG_ID}/ipConfigurations/ipcfg1`];

const credential: TokenCredential = { getToken: async () => ({ token: 'sim', expiresOnTimestamp: Date.now() + 3600e3 }) };

const POLICY: IpsecPolicy = {
  saLifeTimeSeconds: 3600, saDataSizeKilobytes: 102400000, ipsecEncryption: 'AES256', ipsecIntegrity: 'SHA256',
  ikeEncryption: 'AES256', ikeIntegrity: 'SHA256', dhGroup: 'DHGroup14', pfsGroup: 'PFS2048',
};

/** Four AWS tunnels; only `good` is paired the way MS-AWS-BGP prescribes. */
const TUNNELS = [
  { name: 'good', outside: '198.51.100.11', instance: 0, cidr: '169.254.21.0/30', psk: 'psk-good', connPsk: 'psk-good', lngPeer: '169.254.21.1', lngAsn: 64512, azure: '169.254.21.2' },
  // The widely copied mistake: the LNG peers with Azure's own APIPA address (.2).
  { name: 'self-peer', outside: '198.51.100.12', instance: 0, cidr: '169.254.22.0/30', psk: 'psk-self', connPsk: 'psk-self', lngPeer: '169.254.22.2', lngAsn: 64512, azure: '169.254.22.2' },
  { name: 'wrong-psk', outside: '198.51.100.13', instance: 1, cidr: '169.254.21.4/30', psk: 'psk-3', connPsk: 'not-psk-3', lngPeer: '169.254.21.5', lngAsn: 64512, azure: '169.254.21.6' },
  { name: 'wrong-asn', outside: '198.51.100.14', instance: 1, cidr: '169.254.22.4/30', psk: 'psk-4', connPsk: 'psk-4', lngPeer: '169.254.22.5', lngAsn: 65000, azure: '169.254.22.6' },
] as const;

let emulator: AzureEmulator;
let awsServer: Server;
let awsView: AwsView = { vpnConnections: [] };
let net: NetworkManagementClient;
let rm: ResourceManagementClient;
let pips: PublicIPAddress[] = [];
let gatewaySubnet: Subnet;
let vng: VirtualNetworkGateway;

/** A raw call to the emulator, for the `/_sim` controls and for wire-level checks. */
// `any`: tests index freely into the emulator's JSON answers.
async function raw(method: string, path: string, body?: unknown, auth = true): Promise<{ status: number; headers: Headers; json: any }> {
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { ...(auth ? { Authorization: 'Bearer sim' } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, json: text ? JSON.parse(text) : undefined };
}

async function rejectsWith(promise: Promise<unknown>, status: number, code: string): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    const err = e as { statusCode?: number; code?: string; message?: string };
    assert.equal(err.code, code, `code (message: ${err.message})`);
    assert.equal(err.statusCode, status, 'status');
    return true;
  });
}

function awsViewFor(pipIps: string[]): AwsView {
  return {
    vpnConnections: [0, 1].map((instance) => ({
      vpnConnectionId: `vpn-${instance}`, state: 'available', transitGatewayId: 'tgw-1', transitGatewayAsn: 64512,
      customerGatewayId: `cgw-${instance}`, customerGatewayIp: pipIps[instance]!, customerGatewayAsn: 65010,
      advertisedCidrs: ['10.10.0.0/16'],
      tunnels: TUNNELS.filter((t) => t.instance === instance).map((t) => ({
        outsideIpAddress: t.outside, tunnelInsideCidr: t.cidr, preSharedKey: t.psk, ikeVersions: ['ikev2'],
        phase1EncryptionAlgorithms: ['AES256'], phase1IntegrityAlgorithms: ['SHA2-256'], phase1DHGroupNumbers: [14],
        phase2EncryptionAlgorithms: ['AES256'], phase2IntegrityAlgorithms: ['SHA2-256'], phase2DHGroupNumbers: [14],
      })),
    })),
  };
}

before(async () => {
  assert.ok(process.env.NODE_EXTRA_CA_CERTS, 'run with NODE_EXTRA_CA_CERTS=.stack/tls/ca.pem (see sim/tls.ts)');
  awsServer = createServer((req, res) => {
    if (req.url === '/_sim/vpn-view') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(awsView));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => awsServer.listen(0, '127.0.0.1', resolve));
  const awsPort = (awsServer.address() as AddressInfo).port;
  emulator = await startAzureEmulator({
    timeScale: TIME_SCALE, tls: ensureTls(), awsViewUrl: `http://127.0.0.1:${awsPort}/_sim/vpn-view`,
  });
  net = new NetworkManagementClient(credential, SUB, { endpoint: emulator.url });
  rm = new ResourceManagementClient(credential, SUB, { endpoint: emulator.url });
});

after(async () => {
  await emulator?.close();
  await new Promise<void>((resolve) => (awsServer ? awsServer.close(() => resolve()) : resolve()));
});

describe('Azure ARM emulator through the real SDKs', () => {
  test('a request without a bearer token is refused with 401 and an ARM error body', async () => {
    const res = await raw('GET', `/subscriptions/${SUB}/resourcegroups/${RG}?api-version=2025-04-01`, undefined, false);
    assert.equal(res.status, 401);
    assert.equal(res.json.error.code, 'AuthenticationFailed');
  });

  test('builds the backbone with beginCreateOrUpdateAndWait: RG, VNet, GatewaySubnet, 2 PIPs, active-active VNG with custom APIPA, 4 LNGs, 4 connections', async () => {
    const group = await rm.resourceGroups.createOrUpdate(RG, { location: LOC });
    assert.equal(group.properties?.provisioningState, 'Succeeded');

    const vnet = await net.virtualNetworks.beginCreateOrUpdateAndWait(RG, 'vnet', { location: LOC, addressSpace: { addressPrefixes: ['10.20.0.0/16'] } });
    assert.equal(vnet.provisioningState, 'Succeeded');
    gatewaySubnet = await net.subnets.beginCreateOrUpdateAndWait(RG, 'vnet', 'GatewaySubnet', { addressPrefix: '10.20.255.0/27' });
    assert.equal(gatewaySubnet.id, `${NET}/virtualNetworks/vnet/subnets/GatewaySubnet`);

    pips = await Promise.all([0, 1].map((i) => net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, `pip${i}`, {
      location: LOC, sku: { name: 'Standard', tier: 'Regional' }, publicIPAllocationMethod: 'Static', zones: ['1', '2', '3'],
    })));
    for (const pip of pips) assert.match(pip.ipAddress ?? '', /^192\.0\.2\.\d+$/);
    assert.notEqual(pips[0]!.ipAddress, pips[1]!.ipAddress);
    awsView = awsViewFor(pips.map((p) => p.ipAddress!));

    vng = await net.virtualNetworkGateways.beginCreateOrUpdateAndWait(RG, 'vng', {
      location: LOC, gatewayType: 'Vpn', vpnType: 'RouteBased', vpnGatewayGeneration: 'Generation2',
      sku: { name: 'VpnGw2AZ', tier: 'VpnGw2AZ' }, active: true, enableBgp: true,
      ipConfigurations: [0, 1].map((i) => ({
        name: `ipcfg${i}`, privateIPAllocationMethod: 'Dynamic', subnet: { id: gatewaySubnet.id }, publicIPAddress: { id: pips[i]!.id },
      })),
      bgpSettings: {
        asn: 65010,
        bgpPeeringAddresses: [
          { ipconfigurationId: IPCFG[0], customBgpIpAddresses: ['169.254.21.2', '169.254.22.2'] },
          { ipconfigurationId: IPCFG[1], customBgpIpAddresses: ['169.254.21.6', '169.254.22.6'] },
        ],
      },
    });
    assert.equal(vng.provisioningState, 'Succeeded');
    assert.equal(vng.active, true, 'JS `active` reads back from wire `activeActive`');
    assert.deepEqual(vng.ipConfigurations?.map((c) => c.id), IPCFG);
    const peering = vng.bgpSettings?.bgpPeeringAddresses ?? [];
    assert.deepEqual(peering.map((p) => p.ipconfigurationId), IPCFG, 'lower-case c in ipconfigurationId');
    assert.deepEqual(peering.map((p) => p.customBgpIpAddresses), [['169.254.21.2', '169.254.22.2'], ['169.254.21.6', '169.254.22.6']]);
    assert.deepEqual(peering.map((p) => p.tunnelIpAddresses), pips.map((p) => [p.ipAddress]));
    for (const p of peering) assert.equal(p.defaultBgpIpAddresses?.length, 1);

    const wire = await raw('GET', `${VNG_ID}?api-version=2025-05-01`);
    assert.equal(wire.json.properties.activeActive, true);
    assert.equal(wire.json.properties.active, undefined);

    const lngs = await Promise.all(TUNNELS.map((t) => net.localNetworkGateways.beginCreateOrUpdateAndWait(RG, `lng-${t.name}`, {
      location: LOC, gatewayIpAddress: t.outside, localNetworkAddressSpace: { addressPrefixes: [] },
      bgpSettings: { asn: t.lngAsn, bgpPeeringAddress: t.lngPeer },
    })));
    assert.deepEqual(lngs.map((l) => l.provisioningState), ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);

    // One at a time: ARM runs one operation per gateway, its connections included (sim/azure/gateway-domain.ts).
    const connections = [];
    for (const [k, t] of TUNNELS.entries()) connections.push(await net.virtualNetworkGatewayConnections.beginCreateOrUpdateAndWait(RG, `conn-${t.name}`, {
      location: LOC, connectionType: 'IPsec', connectionProtocol: 'IKEv2', enableBgp: true,
      virtualNetworkGateway1: { id: vng.id }, localNetworkGateway2: { id: lngs[k]!.id },
      sharedKey: t.connPsk, dpdTimeoutSeconds: 45, usePolicyBasedTrafficSelectors: false, ipsecPolicies: [POLICY],
      gatewayCustomBgpIpAddresses: [
        { ipConfigurationId: IPCFG[0]!, customBgpIpAddress: t.instance === 0 ? t.azure : '169.254.21.2' },
        { ipConfigurationId: IPCFG[1]!, customBgpIpAddress: t.instance === 1 ? t.azure : '169.254.21.6' },
      ],
    }));
    assert.deepEqual(connections.map((c) => c.provisioningState), ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded']);

    const good = await net.virtualNetworkGatewayConnections.get(RG, 'conn-good');
    assert.deepEqual(good.gatewayCustomBgpIpAddresses?.map((g) => g.ipConfigurationId), IPCFG, 'upper-case C in ipConfigurationId');
    assert.equal(good.virtualNetworkGateway1.id, VNG_ID);
    assert.equal(good.ipsecPolicies?.[0]?.pfsGroup, 'PFS2048');
    assert.equal(good.sharedKey, undefined, 'the pre-shared key is write-only (x-ms-secret), never rendered back');
    const key = await net.virtualNetworkGatewayConnections.getSharedKey(RG, 'conn-good');
    assert.equal(key.value, TUNNELS.find((t) => t.name === 'good')!.connPsk, 'it is read from its own endpoint, as in ARM');
  });

  test('connection status is Connected where IPsec is up (any BGP mistake aside) and Connecting where the PSK differs', async () => {
    const statuses = await Promise.all(TUNNELS.map(async (t) => (await net.virtualNetworkGatewayConnections.get(RG, `conn-${t.name}`)).connectionStatus));
    assert.deepEqual(statuses, ['Connected', 'Connected', 'Connecting', 'Connected']);
    const good = await net.virtualNetworkGatewayConnections.get(RG, 'conn-good');
    assert.deepEqual(good.tunnelConnectionStatus?.map((t) => t.connectionStatus), ['Connected', 'NotConnected'],
      'only the instance whose public IP is the AWS customer gateway terminates the tunnel');
  });

  test('getBgpPeerStatus shows Connected only for the correctly paired tunnel, once BGP has converged', async () => {
    await net.virtualNetworkGateways.beginGetBgpPeerStatusAndWait(RG, 'vng');
    await sleep(CONVERGENCE_MS);
    const { value = [] } = await net.virtualNetworkGateways.beginGetBgpPeerStatusAndWait(RG, 'vng');
    assert.equal(value.length, 8, 'one entry per gateway instance and BGP connection');
    const connected = value.filter((p) => p.state === 'Connected');
    assert.deepEqual(connected.map((p) => ({ neighbor: p.neighbor, localAddress: p.localAddress, asn: p.asn })),
      [{ neighbor: '169.254.21.1', localAddress: '169.254.21.2', asn: 64512 }]);
    assert.equal(connected[0]!.routesReceived, 1);
    assert.ok(value.filter((p) => p.state !== 'Connected').every((p) => p.state === 'Connecting' && p.routesReceived === 0));

    const one = await net.virtualNetworkGateways.beginGetBgpPeerStatusAndWait(RG, 'vng', { peer: '169.254.21.1' });
    assert.deepEqual(one.value?.map((p) => p.neighbor), ['169.254.21.1', '169.254.21.1']);
  });

  test('getLearnedRoutes lists what AWS advertises (origin EBgp, from the AWS peer) only while its session is up; an outage withdraws it, and it is learned again once restored', async () => {
    const learned = async () => (await net.virtualNetworkGateways.beginGetLearnedRoutesAndWait(RG, 'vng')).value ?? [];
    const up = await learned();
    assert.deepEqual(up.filter((r) => r.origin === 'EBgp').map((r) => ({ network: r.network, sourcePeer: r.sourcePeer, nextHop: r.nextHop, asPath: r.asPath })),
      [{ network: '10.10.0.0/16', sourcePeer: '169.254.21.1', nextHop: '169.254.21.1', asPath: '64512' }], 'only the correctly paired tunnel has a session');
    assert.deepEqual(up.filter((r) => r.origin === 'Network').map((r) => r.network), ['10.20.0.0/16', '10.20.0.0/16'], 'each instance knows its own VNet');
    await raw('POST', '/_sim/fabric/outages', { match: 'conn-good' });
    try {
      assert.deepEqual((await learned()).filter((r) => r.origin === 'EBgp'), []);
    } finally {
      await raw('DELETE', '/_sim/fabric/outages');
    }
    // Restored, BGP converges again and the route comes back.
    await learned();
    await sleep(CONVERGENCE_MS);
    assert.deepEqual((await learned()).filter((r) => r.origin === 'EBgp').map((r) => r.network), ['10.10.0.0/16']);
  });

  test('the fabric endpoint answers Moto with telemetry for every AWS tunnel', async () => {
    const res = await raw('POST', '/_sim/fabric/aws-telemetry', awsView, false);
    assert.equal(res.status, 200);
    const summary = Object.fromEntries(TUNNELS.map((t) => [t.name, `${res.json.tunnels[t.outside].status} ${res.json.tunnels[t.outside].statusMessage}`]));
    assert.deepEqual(summary, {
      good: 'UP 1 BGP ROUTES', 'self-peer': 'DOWN IPSEC IS UP', 'wrong-psk': 'DOWN IPSEC IS DOWN', 'wrong-asn': 'DOWN IPSEC IS UP',
    });
    assert.equal(res.json.tunnels['198.51.100.11'].acceptedRouteCount, 1);
    assert.deepEqual(TUNNELS.map((t) => res.json.tunnels[t.outside].acceptedPrefixes), [['10.20.0.0/16'], [], [], []], 'the VNet, over the established tunnel only');
  });

  test('an lro-failed fault is accepted, then rejects the poller with its code and leaves provisioningState Failed', async () => {
    await raw('POST', '/_sim/faults', { operation: 'localNetworkGateways.createOrUpdate', kind: 'lro-failed', code: 'LocalNetworkGatewayProvisioningFailed', message: 'injected' });
    try {
      await assert.rejects(
        net.localNetworkGateways.beginCreateOrUpdateAndWait(RG, 'lng-doomed', { location: LOC, gatewayIpAddress: '198.51.100.99' }),
        /LocalNetworkGatewayProvisioningFailed/,
      );
      assert.equal((await net.localNetworkGateways.get(RG, 'lng-doomed')).provisioningState, 'Failed');
      // The rule fired once; a retried PUT repairs the resource.
      const again = await net.localNetworkGateways.beginCreateOrUpdateAndWait(RG, 'lng-doomed', { location: LOC, gatewayIpAddress: '198.51.100.99' });
      assert.equal(again.provisioningState, 'Succeeded');
    } finally {
      await raw('DELETE', '/_sim/faults');
    }
  });

  test('throttling and server errors are retried by the SDK pipeline and the call succeeds; calls and fired faults are counted', async () => {
    await raw('DELETE', '/_sim/calls');
    await raw('POST', '/_sim/faults', { operation: 'virtualNetworks.get', kind: 'throttle', nth: 1, count: 1 });
    await raw('POST', '/_sim/faults', { operation: 'publicIPAddresses.get', kind: 'server-error', match: 'pip1' });
    try {
      assert.equal((await net.virtualNetworks.get(RG, 'vnet')).name, 'vnet');
      assert.equal((await net.publicIPAddresses.get(RG, 'pip1')).name, 'pip1');
      const calls = (await raw('GET', '/_sim/calls')).json;
      assert.equal(calls['virtualNetworks.get'], 2);
      assert.equal(calls['publicIPAddresses.get'], 2);
      const faults = (await raw('GET', '/_sim/faults')).json.faults as { kind: string; fired: number }[];
      assert.deepEqual(faults.map((f) => [f.kind, f.fired]), [['throttle', 1], ['server-error', 1]]);
    } finally {
      await raw('DELETE', '/_sim/faults');
    }
  });

  test('a timeout fault holds the request for its seconds, then answers 504 GatewayTimeout', async () => {
    await raw('POST', '/_sim/faults', { operation: 'virtualNetworks.get', kind: 'timeout', seconds: 0.3 });
    try {
      const started = Date.now();
      const res = await raw('GET', `${NET}/virtualNetworks/vnet?api-version=2025-05-01`);
      assert.equal(res.status, 504);
      assert.equal(res.json.error.code, 'GatewayTimeout');
      assert.ok(Date.now() - started >= 290);
    } finally {
      await raw('DELETE', '/_sim/faults');
    }
  });

  test('rejects invalid requests the way Azure does', async (t) => {
    await net.subnets.beginCreateOrUpdateAndWait(RG, 'vnet', 'default', { addressPrefix: '10.20.1.0/24' });
    const [pipA, pipB] = await Promise.all(['pip-a', 'pip-b'].map((n) => net.publicIPAddresses.beginCreateOrUpdateAndWait(RG, n, {
      location: LOC, sku: { name: 'Standard', tier: 'Regional' }, publicIPAllocationMethod: 'Static',
    })));
    const gatewayBody = (over: Partial<VirtualNetworkGateway> & { subnetId?: string } = {}): VirtualNetworkGateway => {
      const id = `${NET}/virtualNetworkGateways/vng2`;
      return {
        location: LOC, gatewayType: 'Vpn', vpnType: 'RouteBased', sku: { name: 'VpnGw2AZ', tier: 'VpnGw2AZ' }, active: true, enableBgp: true,
        ipConfigurations: [pipA!, pipB!].map((pip, i) => ({ name: `ipcfg${i}`, subnet: { id: over.subnetId ?? gatewaySubnet.id }, publicIPAddress: { id: pip.id } })),
        bgpSettings: { asn: 65010, bgpPeeringAddresses: [
          { ipconfigurationId: `${id}/ipConfigurations/ipcfg0`, customBgpIpAddresses: ['169.254.21.10'] },
          { ipconfigurationId: `${id}/ipConfigurations/ipcfg1`, customBgpIpAddresses: ['169.254.21.14'] },
        ] },
        ...over,
      };
    };
    const putGateway = (body: VirtualNetworkGateway) => net.virtualNetworkGateways.beginCreateOrUpdate(RG, 'vng2', body);
    const connectionBody = { location: LOC, connectionType: 'IPsec', virtualNetworkGateway1: { id: VNG_ID }, enableBgp: true } as const;

    const cases: { name: string; call: () => Promise<unknown>; status: number; code: string }[] = [
      { name: 'gateway subnet not named GatewaySubnet', status: 400, code: 'GatewaySubnetNameInvalid',
        call: () => putGateway(gatewayBody({ subnetId: `${NET}/virtualNetworks/vnet/subnets/default` })) },
      { name: 'active-active with one IP configuration', status: 400, code: 'ActiveActiveGatewayRequiresTwoIpConfigurations',
        call: () => putGateway({ ...gatewayBody(), ipConfigurations: gatewayBody().ipConfigurations!.slice(0, 1), bgpSettings: { asn: 65010 } }) },
      { name: 'Azure-reserved ASN 65515', status: 400, code: 'BgpAsnReserved',
        call: () => putGateway({ ...gatewayBody(), bgpSettings: { asn: 65515 } }) },
      { name: 'IANA-reserved ASN 64500', status: 400, code: 'BgpAsnReserved',
        call: () => putGateway({ ...gatewayBody(), bgpSettings: { asn: 64500 } }) },
      { name: 'custom APIPA outside 169.254.21.0-169.254.22.255', status: 400, code: 'InvalidCustomBgpIpAddress',
        call: () => putGateway({ ...gatewayBody(), bgpSettings: { asn: 65010, bgpPeeringAddresses: [{ ipconfigurationId: `${NET}/virtualNetworkGateways/vng2/ipConfigurations/ipcfg0`, customBgpIpAddresses: ['169.254.20.2'] }] } }) },
      { name: 'the same custom APIPA on both instances', status: 400, code: 'DuplicateCustomBgpIpAddress',
        call: () => putGateway({ ...gatewayBody(), bgpSettings: { asn: 65010, bgpPeeringAddresses: [0, 1].map((i) => ({ ipconfigurationId: `${NET}/virtualNetworkGateways/vng2/ipConfigurations/ipcfg${i}`, customBgpIpAddresses: ['169.254.21.10'] })) } }) },
      { name: 'a public IP already used by another gateway', status: 400, code: 'PublicIPAddressInUse',
        call: () => putGateway({ ...gatewayBody(), ipConfigurations: [pips[0]!, pipB!].map((pip, i) => ({ name: `ipcfg${i}`, subnet: { id: gatewaySubnet.id }, publicIPAddress: { id: pip.id } })) }) },
      { name: 'a missing public IP', status: 400, code: 'InvalidResourceReference',
        call: () => putGateway({ ...gatewayBody(), ipConfigurations: [0, 1].map((i) => ({ name: `ipcfg${i}`, subnet: { id: gatewaySubnet.id }, publicIPAddress: { id: `${NET}/publicIPAddresses/nope${i}` } })) }) },
      { name: 'IPsec connection without sharedKey', status: 400, code: 'InvalidRequestFormat',
        call: () => net.virtualNetworkGatewayConnections.beginCreateOrUpdate(RG, 'conn-x', { ...connectionBody, localNetworkGateway2: { id: `${NET}/localNetworkGateways/lng-good` } }) },
      { name: 'connection to a missing local network gateway', status: 400, code: 'InvalidResourceReference',
        call: () => net.virtualNetworkGatewayConnections.beginCreateOrUpdate(RG, 'conn-x', { ...connectionBody, sharedKey: 'k', localNetworkGateway2: { id: `${NET}/localNetworkGateways/nope` } }) },
      { name: 'connection APIPA the gateway instance does not own', status: 400, code: 'InvalidCustomBgpIpAddress',
        call: () => net.virtualNetworkGatewayConnections.beginCreateOrUpdate(RG, 'conn-x', { ...connectionBody, sharedKey: 'k', localNetworkGateway2: { id: `${NET}/localNetworkGateways/lng-good` },
          gatewayCustomBgpIpAddresses: [{ ipConfigurationId: IPCFG[0]!, customBgpIpAddress: '169.254.21.6' }] }) },
      { name: 'local network gateway without gatewayIpAddress', status: 400, code: 'InvalidRequestFormat',
        call: () => net.localNetworkGateways.beginCreateOrUpdate(RG, 'lng-x', { location: LOC, bgpSettings: { asn: 64512, bgpPeeringAddress: '169.254.21.1' } }) },
      { name: 'subnet outside the VNet address space', status: 400, code: 'NetcfgInvalidSubnet',
        call: () => net.subnets.beginCreateOrUpdate(RG, 'vnet', 'outside', { addressPrefix: '10.99.0.0/24' }) },
      { name: 'subnet of a missing VNet', status: 404, code: 'ParentResourceNotFound',
        call: () => net.subnets.beginCreateOrUpdate(RG, 'no-vnet', 'GatewaySubnet', { addressPrefix: '10.20.255.0/27' }) },
      { name: 'resource in a missing resource group', status: 404, code: 'ResourceGroupNotFound',
        call: () => net.virtualNetworks.beginCreateOrUpdate('no-such-rg', 'vnet', { location: LOC, addressSpace: { addressPrefixes: ['10.0.0.0/16'] } }) },
      { name: 'GET of a missing resource', status: 404, code: 'ResourceNotFound',
        call: () => net.virtualNetworks.get(RG, 'no-such-vnet') },
    ];
    for (const c of cases) {
      await t.test(c.name, () => rejectsWith(c.call(), c.status, c.code));
    }
  });

  test('deleting a resource that is in use is refused', async () => {
    await rejectsWith(net.subnets.beginDeleteAndWait(RG, 'vnet', 'GatewaySubnet'), 400, 'InUseSubnetCannotBeDeleted');
    await rejectsWith(net.virtualNetworks.beginDeleteAndWait(RG, 'vnet'), 400, 'InUseSubnetCannotBeDeleted');
    await rejectsWith(net.publicIPAddresses.beginDeleteAndWait(RG, 'pip0'), 400, 'PublicIPAddressInUse');
    await rejectsWith(net.virtualNetworkGateways.beginDeleteAndWait(RG, 'vng'), 400, 'VirtualNetworkGatewayInUse');
    await rejectsWith(net.localNetworkGateways.beginDeleteAndWait(RG, 'lng-good'), 400, 'LocalNetworkGatewayInUse');
  });

  test("a GatewaySubnet with a gateway in it cannot change its prefix; the product's VNet handler changes the VNet's range in place, subnets and gateway kept, and a range that leaves a subnet out is refused", async () => {
    await rejectsWith(net.subnets.beginCreateOrUpdateAndWait(RG, 'vnet', 'GatewaySubnet', { addressPrefix: '10.20.254.0/27' }), 400, 'InUseSubnetCannotBeUpdated');
    await rejectsWith(net.virtualNetworks.beginCreateOrUpdateAndWait(RG, 'vnet', { location: LOC, addressSpace: { addressPrefixes: ['10.20.0.0/15'] } }), 400, 'InUseSubnetCannotBeDeleted');
    const clients = createCloudClients({ aws: { requestTimeoutMs: 10_000 }, azure: { endpoint: emulator.url, credential } });
    const handler = virtualNetworkHandler(clients, awaitOperation({ initialMs: 10, maxMs: 1_000, factor: 2 }));
    const vnetNode = (cidr: string): ResourceNode<string, BackboneParams['azure.virtualNetwork']> => ({
      id: 'azure/vnet', kind: 'azure.virtualNetwork', dependsOn: [],
      params: { scope: { mesh: 'backbone', aws: { region: 'us-east-1' }, azure: { subscriptionId: SUB, resourceGroup: RG, location: LOC } }, name: 'vnet', cidr },
    });
    const update = async (from: string, to: string) => handler.update!((await handler.describe(vnetNode(from)))!, vnetNode(to), vnetNode(from), {}, new AbortController().signal);
    const subnetsBefore = (await net.virtualNetworks.get(RG, 'vnet')).subnets?.map((x) => [x.id, x.addressPrefix]);
    assert.ok(subnetsBefore?.some(([id]) => id === gatewaySubnet.id));
    await update('10.20.0.0/16', '10.20.0.0/15');
    const widened = await net.virtualNetworks.get(RG, 'vnet');
    assert.deepEqual(widened.addressSpace?.addressPrefixes, ['10.20.0.0/15']);
    assert.deepEqual(widened.subnets?.map((x) => [x.id, x.addressPrefix]), subnetsBefore, 'every subnet kept, with its prefix');
    assert.equal((await net.virtualNetworkGateways.get(RG, 'vng')).ipConfigurations?.[0]?.subnet?.id, gatewaySubnet.id, 'the gateway still in it');
    await assert.rejects(update('10.20.0.0/15', '10.21.0.0/16'), (e: { code?: string }) => e.code === 'NetcfgInvalidSubnet');
    await update('10.20.0.0/15', '10.20.0.0/16');
    assert.deepEqual((await net.virtualNetworks.get(RG, 'vnet')).addressSpace?.addressPrefixes, ['10.20.0.0/16']);
  });

  test('the product\'s VPN gateway handler: an ASN changed by hand on the live gateway is drift (field and both values), and its update puts the desired BGP settings back in place, connections kept', async () => {
    const clients = createCloudClients({ aws: { requestTimeoutMs: 10_000 }, azure: { endpoint: emulator.url, credential } });
    const handler = vpnGatewayHandler(clients, awaitOperation({ initialMs: 10, maxMs: 1_000, factor: 2 }));
    const params: BackboneParams['azure.vpnGateway'] = {
      scope: { mesh: 'backbone', aws: { region: 'us-east-1' }, azure: { subscriptionId: SUB, resourceGroup: RG, location: LOC } },
      name: 'vng',
      asn: 65010,
      instanceBgpAddresses: [['169.254.21.2', '169.254.22.2'], ['169.254.21.6', '169.254.22.6']],
      subnetNode: 'subnet',
      publicIpNodes: ['pip0', 'pip1'],
    };
    const node: ResourceNode<string, typeof params> = { id: 'azure/vpn-gateway', kind: 'azure.vpnGateway', params, dependsOn: ['subnet', 'pip0', 'pip1'] };
    const outputs = { subnet: { cloudId: gatewaySubnet.id!, state: 'Succeeded' }, pip0: { cloudId: pips[0]!.id!, state: 'Succeeded' }, pip1: { cloudId: pips[1]!.id!, state: 'Succeeded' } };
    const read = async () => (await handler.describe(node))!;
    assert.deepEqual(await handler.drift!(await read(), node, outputs, undefined), [], 'the gateway as built is as desired');

    const asBuilt = await net.virtualNetworkGateways.get(RG, 'vng');
    await net.virtualNetworkGateways.beginCreateOrUpdateAndWait(RG, 'vng', { ...asBuilt, bgpSettings: { ...asBuilt.bgpSettings, asn: 65020 } });
    const edited = await read();
    assert.deepEqual(await handler.drift!(edited, node, outputs, undefined), [{ field: 'bgpSettings.asn', expected: '65010', actual: '65020' }]);
    assert.deepEqual(handler.phase(edited, node), { is: 'ready' }, 'an ASN is left to the drift check and its repair by update; only custom addresses make the phase drifted');

    await handler.update!(edited, node, node, outputs, new AbortController().signal);
    const repaired = await read();
    assert.deepEqual([repaired.provisioningState, repaired.bgpSettings?.asn, repaired.id], ['Succeeded', 65010, VNG_ID], 'updated in place: same gateway');
    assert.deepEqual(await handler.drift!(repaired, node, outputs, undefined), []);
    assert.deepEqual(repaired.bgpSettings?.bgpPeeringAddresses?.map((p) => p.customBgpIpAddresses), [['169.254.21.2', '169.254.22.2'], ['169.254.21.6', '169.254.22.6']]);
    const connections = await Promise.all(TUNNELS.map(async (t) => (await net.virtualNetworkGatewayConnections.get(RG, `conn-${t.name}`)).provisioningState));
    assert.deepEqual(connections, ['Succeeded', 'Succeeded', 'Succeeded', 'Succeeded'], 'its connections stay');
  });

  test('a PUT or DELETE while the previous operation runs answers 409 AnotherOperationInProgress', async () => {
    const update = await net.virtualNetworkGateways.beginCreateOrUpdate(RG, 'vng', { ...vng, tags: { touched: 'yes' } });
    assert.equal((await net.virtualNetworkGateways.get(RG, 'vng')).provisioningState, 'Updating');
    await rejectsWith(net.virtualNetworkGateways.beginCreateOrUpdate(RG, 'vng', vng), 409, 'AnotherOperationInProgress');
    await rejectsWith(net.virtualNetworkGateways.beginDelete(RG, 'vng'), 409, 'AnotherOperationInProgress');
    const done = await update.pollUntilDone();
    assert.deepEqual([done.provisioningState, done.tags], ['Succeeded', { touched: 'yes' }]);
  });

  test('DELETE answers 202 with Location; the resource shows Deleting, Location answers 202 until it is gone, then 204, then GET is 404', async () => {
    const res = await raw('DELETE', `${NET}/connections/conn-wrong-asn?api-version=2025-05-01`);
    assert.equal(res.status, 202);
    assert.match(res.headers.get('azure-asyncoperation') ?? '', /\/providers\/Microsoft\.Network\/locations\/westeurope\/operations\//);
    assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    const location = res.headers.get('location')!;
    assert.equal((await net.virtualNetworkGatewayConnections.get(RG, 'conn-wrong-asn')).provisioningState, 'Deleting');
    const statuses: number[] = [];
    for (let i = 0; i < 100 && statuses.at(-1) !== 204; i++) {
      statuses.push((await fetch(location, { headers: { Authorization: 'Bearer sim' } })).status);
      await sleep(10);
    }
    // 202 while it runs, then 204; on a loaded machine the first poll can already come after the end.
    assert.deepEqual(statuses.slice(0, -1).filter((s) => s !== 202), [], `polls before the end: ${statuses.join(', ')}`);
    assert.equal(statuses.at(-1), 204);
    await rejectsWith(net.virtualNetworkGatewayConnections.get(RG, 'conn-wrong-asn'), 404, 'ResourceNotFound');
    assert.equal((await raw('DELETE', `${NET}/connections/conn-wrong-asn?api-version=2025-05-01`)).status, 204, 'DELETE of a missing resource');
    await net.localNetworkGateways.beginDeleteAndWait(RG, 'lng-wrong-asn');
  });

  test('deleting the resource group cascades to everything in it, in use or not', async () => {
    const before = (await raw('GET', '/_sim/resources')).json.resources as { id: string }[];
    assert.ok(before.filter((r) => r.id.startsWith(NET)).length >= 10);
    await rm.resourceGroups.beginDeleteAndWait(RG);
    const left = (await raw('GET', '/_sim/resources')).json.resources as { id: string }[];
    assert.deepEqual(left.filter((r) => r.id.toLowerCase().startsWith(`/subscriptions/${SUB}/resourcegroups/${RG}`.toLowerCase())), []);
    assert.equal((await rm.resourceGroups.checkExistence(RG)).body, false);
    await rejectsWith(net.virtualNetworks.get(RG, 'vnet'), 404, 'ResourceGroupNotFound');
  });

  test('POST /_sim/reset forgets every resource', async () => {
    await rm.resourceGroups.createOrUpdate('rg-reset', { location: LOC });
    assert.equal((await raw('POST', '/_sim/reset', undefined, false)).status, 204);
    assert.deepEqual((await raw('GET', '/_sim/resources', undefined, false)).json.resources, []);
  });
});
