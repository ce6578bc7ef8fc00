import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  CONVERGENCE_SECONDS, emptyMemory, evaluateFabric,
  type AwsView, type AzureConnection, type AzureView, type FabricMemory, type FabricResult,
} from '../../sim/fabric.js';

const GW = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworkGateways/vng';
const IPCFG0 = `${GW}/ipConfigurations/ipcfg0`;
const IPCFG1 = `${GW}/ipConfigurations/ipcfg1`;
const LNG = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/localNetworkGateways/lng-0-1';
const CONN = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/connections/conn-0-1';
const OUTSIDE = '198.51.100.11';
const CONVERGED_MS = CONVERGENCE_SECONDS * 1000 + 1;

interface Scenario { aws: AwsView; azure: AzureView; outages: string[] }

/** One AWS tunnel (Conn0 T1, 169.254.21.0/30) and the Azure side paired with it correctly. */
function scenario(): Scenario {
  return {
    outages: [],
    aws: {
      vpnConnections: [{
        vpnConnectionId: 'vpn-0', state: 'available', transitGatewayId: 'tgw-1', transitGatewayAsn: 64512,
        customerGatewayId: 'cgw-0', customerGatewayIp: '192.0.2.1', customerGatewayAsn: 65010,
        advertisedCidrs: ['10.10.0.0/16', '10.11.0.0/16'],
        tunnels: [{
          outsideIpAddress: OUTSIDE, tunnelInsideCidr: '169.254.21.0/30', preSharedKey: 'psk-one',
          ikeVersions: ['ikev2'], phase1EncryptionAlgorithms: ['AES256'], phase1IntegrityAlgorithms: ['SHA2-256'],
          phase1DHGroupNumbers: [14], phase2EncryptionAlgorithms: ['AES256'], phase2IntegrityAlgorithms: ['SHA2-256'],
          phase2DHGroupNumbers: [14],
        }],
      }],
    },
    azure: {
      gateways: [{
        id: GW, name: 'vng', provisioningState: 'Succeeded', enableBgp: true, asn: 65010,
        vnetAddressPrefixes: ['10.20.0.0/16'],
        instances: [
          { ipConfigurationId: IPCFG0, publicIp: '192.0.2.1', customBgpIpAddresses: ['169.254.21.2', '169.254.22.2'], defaultBgpIpAddress: '10.20.255.30' },
          { ipConfigurationId: IPCFG1, publicIp: '192.0.2.2', customBgpIpAddresses: ['169.254.21.6', '169.254.22.6'], defaultBgpIpAddress: '10.20.255.29' },
        ],
      }],
      localGateways: [{ id: LNG, provisioningState: 'Succeeded', gatewayIpAddress: OUTSIDE, bgp: { asn: 64512, peeringAddress: '169.254.21.1' } }],
      connections: [{
        id: CONN, name: 'conn-0-1', provisioningState: 'Succeeded', gatewayId: GW, localGatewayId: LNG,
        sharedKey: 'psk-one', protocol: 'IKEv2', enableBgp: true,
        customBgpIpAddresses: [{ ipConfigurationId: IPCFG0, address: '169.254.21.2' }, { ipConfigurationId: IPCFG1, address: '169.254.21.6' }],
        ipsecPolicies: [{ ikeEncryption: 'AES256', ikeIntegrity: 'SHA256', dhGroup: 'DHGroup14', ipsecEncryption: 'AES256', ipsecIntegrity: 'SHA256', pfsGroup: 'PFS2048' }],
      }],
    },
  };
}

/** Evaluates at each instant in turn, carrying the fabric's memory; returns the last result. */
function evaluateAt(s: Scenario, instants: number[], memory: FabricMemory = emptyMemory()): FabricResult {
  let result: FabricResult | undefined;
  for (const now of instants) {
    result = evaluateFabric({ aws: s.aws, azure: s.azure, memory, now, timeScale: 1, outages: s.outages });
    memory = result.memory;
  }
  return result!;
}

const connection = (s: { azure: AzureView }): AzureConnection => s.azure.connections[0]!;

interface Case {
  name: string;
  change: (s: ReturnType<typeof scenario>) => void;
  /** Evaluation instants (ms); the last one is asserted. */
  at: number[];
  ipsecUp: boolean;
  bgpEstablished: boolean;
  statusMessage: string;
}

const T0 = Date.parse('2026-01-01T00:00:00Z');

const cases: Case[] = [
  {
    name: 'the correct pairing comes up once the conditions have held for the convergence time',
    change: () => {}, at: [T0, T0 + CONVERGED_MS], ipsecUp: true, bgpEstablished: true, statusMessage: '1 BGP ROUTES',
  },
  {
    name: 'the correct pairing is not yet established before convergence',
    change: () => {}, at: [T0, T0 + CONVERGED_MS - 2], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
  {
    name: 'a single look after a long time is not convergence: the conditions must be seen to hold',
    change: () => {}, at: [T0 + 10 * CONVERGED_MS], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
  {
    name: 'a reversed .1/.2 mapping (LNG peer = Azure .2, Azure APIPA = .1) never comes up',
    change: (s) => {
      s.azure.localGateways[0]!.bgp!.peeringAddress = '169.254.21.2';
      s.azure.gateways[0]!.instances[0]!.customBgpIpAddresses = ['169.254.21.1', '169.254.22.1'];
      connection(s).customBgpIpAddresses[0]!.address = '169.254.21.1';
    },
    at: [T0, T0 + 100 * CONVERGED_MS], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
  {
    name: 'the LNG peering address set to the AWS cgw inside address (.2, the widely copied mistake) never comes up',
    change: (s) => { s.azure.localGateways[0]!.bgp!.peeringAddress = '169.254.21.2'; },
    at: [T0, T0 + 100 * CONVERGED_MS], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
  {
    name: 'a wrong pre-shared key keeps IPsec down',
    change: (s) => { connection(s).sharedKey = 'psk-two'; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: false, bgpEstablished: false, statusMessage: 'IPSEC IS DOWN',
  },
  {
    name: 'an LNG ASN other than the transit gateway ASN keeps BGP down',
    change: (s) => { s.azure.localGateways[0]!.bgp!.asn = 65000; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
  {
    name: 'a customer gateway ASN other than the Azure gateway ASN keeps BGP down',
    change: (s) => { s.aws.vpnConnections[0]!.customerGatewayAsn = 65000; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
  {
    name: 'equal ASNs on both sides keep BGP down',
    change: (s) => {
      s.aws.vpnConnections[0]!.transitGatewayAsn = 65010;
      s.azure.localGateways[0]!.bgp!.asn = 65010;
    },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
  {
    name: 'a connection without gatewayCustomBgpIpAddresses never establishes BGP',
    change: (s) => { connection(s).customBgpIpAddresses = []; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
  {
    name: 'an APIPA address the gateway instance does not own keeps BGP down',
    change: (s) => { s.azure.gateways[0]!.instances[0]!.customBgpIpAddresses = ['169.254.22.2']; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
  {
    name: 'an IKE policy AWS does not allow (AES128 against AES256 only) keeps IPsec down',
    change: (s) => { connection(s).ipsecPolicies[0]!.ikeEncryption = 'AES128'; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: false, bgpEstablished: false, statusMessage: 'IPSEC IS DOWN',
  },
  {
    name: 'PFS None never matches AWS, which always offers a phase-2 DH group',
    change: (s) => { connection(s).ipsecPolicies[0]!.pfsGroup = 'None'; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: false, bgpEstablished: false, statusMessage: 'IPSEC IS DOWN',
  },
  {
    name: 'empty AWS algorithm lists allow any policy AWS can speak',
    change: (s) => {
      const t = s.aws.vpnConnections[0]!.tunnels[0]!;
      Object.assign(t, { phase1EncryptionAlgorithms: [], phase1DHGroupNumbers: [], phase2DHGroupNumbers: [] });
      Object.assign(connection(s).ipsecPolicies[0]!, { ikeEncryption: 'GCMAES256', ikeIntegrity: 'GCMAES256', dhGroup: 'ECP384', pfsGroup: 'ECP384' });
    },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: true, bgpEstablished: true, statusMessage: '1 BGP ROUTES',
  },
  {
    name: 'an IKEv1 connection never meets an IKEv2-only AWS tunnel',
    change: (s) => { connection(s).protocol = 'IKEv1'; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: false, bgpEstablished: false, statusMessage: 'IPSEC IS DOWN',
  },
  {
    name: 'a customer gateway IP that is not one of the Azure gateway public IPs keeps IPsec down',
    change: (s) => { s.aws.vpnConnections[0]!.customerGatewayIp = '192.0.2.99'; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: false, bgpEstablished: false, statusMessage: 'IPSEC IS DOWN',
  },
  {
    name: 'an Azure gateway still Updating keeps the tunnel down',
    change: (s) => { s.azure.gateways[0]!.provisioningState = 'Updating'; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: false, bgpEstablished: false, statusMessage: 'IPSEC IS DOWN',
  },
  {
    name: 'an AWS VPN connection still pending keeps the tunnel down',
    change: (s) => { s.aws.vpnConnections[0]!.state = 'pending'; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: false, bgpEstablished: false, statusMessage: 'IPSEC IS DOWN',
  },
  {
    name: 'a simulated path outage on the connection keeps IPsec down although everything else matches',
    change: (s) => { s.outages = ['CONN-0-1']; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: false, bgpEstablished: false, statusMessage: 'IPSEC IS DOWN',
  },
  {
    name: 'an outage of another connection leaves this tunnel up',
    change: (s) => { s.outages = ['conn-9-9']; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: true, bgpEstablished: true, statusMessage: '1 BGP ROUTES',
  },
  {
    name: 'BGP disabled on the connection keeps BGP down',
    change: (s) => { connection(s).enableBgp = false; },
    at: [T0, T0 + CONVERGED_MS], ipsecUp: true, bgpEstablished: false, statusMessage: 'IPSEC IS UP',
  },
];

describe('tunnel fabric: when is a tunnel up', () => {
  for (const c of cases) {
    test(c.name, () => {
      const s = scenario();
      c.change(s);
      const result = evaluateAt(s, c.at);
      const tunnel = result.tunnels.find((t) => t.outsideIpAddress === OUTSIDE)!;
      assert.equal(tunnel.ipsecUp, c.ipsecUp, 'ipsecUp');
      assert.equal(tunnel.bgpEstablished, c.bgpEstablished, 'bgpEstablished');
      assert.equal(tunnel.telemetry.status, c.bgpEstablished ? 'UP' : 'DOWN');
      assert.equal(tunnel.telemetry.statusMessage, c.statusMessage);
      const peers = result.peers[GW.toLowerCase()] ?? [];
      const connected = peers.filter((p) => p.state === 'Connected');
      assert.equal(connected.length, c.bgpEstablished ? 1 : 0, 'Connected BGP peers');
    });
  }
});

describe('tunnel fabric: what an established tunnel reports', () => {
  test('AWS accepts one route per VNet prefix and Azure receives one per advertised CIDR', () => {
    const result = evaluateAt(scenario(), [T0, T0 + CONVERGED_MS]);
    const tunnel = result.tunnels[0]!;
    assert.equal(tunnel.telemetry.acceptedRouteCount, 1);
    assert.equal(tunnel.instance, 0);
    assert.equal(tunnel.telemetry.lastStatusChange, new Date(T0 + CONVERGED_MS).toISOString());

    const peers = result.peers[GW.toLowerCase()]!;
    assert.equal(peers.length, 2, 'one peer entry per gateway instance');
    const up = peers.find((p) => p.state === 'Connected')!;
    assert.deepEqual(
      { localAddress: up.localAddress, neighbor: up.neighbor, asn: up.asn, routesReceived: up.routesReceived },
      { localAddress: '169.254.21.2', neighbor: '169.254.21.1', asn: 64512, routesReceived: 2 },
    );
    assert.match(up.connectedDuration, /^\d\d:\d\d:\d\d\.\d{7}$/);
    const other = peers.find((p) => p.state !== 'Connected')!;
    assert.deepEqual({ localAddress: other.localAddress, state: other.state }, { localAddress: '169.254.21.6', state: 'Connecting' });
  });

  test('routes are learned only over an established session: Azure lists what AWS advertises (EBgp, from the AWS peer), AWS accepts the VNet; a cut path withdraws both', () => {
    const s = scenario();
    const up = evaluateAt(s, [T0, T0 + CONVERGED_MS]);
    const ebgp = (r: FabricResult) => r.learnedRoutes[GW.toLowerCase()]!.filter((route) => route.origin === 'EBgp');
    assert.deepEqual(ebgp(up), ['10.10.0.0/16', '10.11.0.0/16'].map((network) => ({
      localAddress: '10.20.255.30', network, nextHop: '169.254.21.1', sourcePeer: '169.254.21.1', origin: 'EBgp', asPath: '64512', weight: 32768,
    })));
    assert.deepEqual(up.learnedRoutes[GW.toLowerCase()]!.filter((route) => route.origin === 'Network').map((route) => `${route.localAddress} ${route.network}`),
      ['10.20.255.30 10.20.0.0/16', '10.20.255.29 10.20.0.0/16'], 'each instance knows its own VNet');
    assert.deepEqual(up.tunnels[0]!.acceptedPrefixes, ['10.20.0.0/16']);

    const converging = evaluateAt(s, [T0]);
    assert.deepEqual([ebgp(converging), converging.tunnels[0]!.acceptedPrefixes], [[], []], 'nothing is learned before BGP converges');

    s.outages = ['conn-0-1'];
    const cut = evaluateAt(s, [T0 + CONVERGED_MS + 1000], up.memory);
    assert.deepEqual([ebgp(cut), cut.tunnels[0]!.acceptedPrefixes], [[], []], 'an outage withdraws what was learned');
  });

  test('the connection is Connected on the terminating instance only', () => {
    const result = evaluateAt(scenario(), [T0]);
    const state = result.connections[CONN.toLowerCase()]!;
    assert.equal(state.connectionStatus, 'Connected');
    assert.deepEqual(state.tunnels.map((t) => t.status), ['Connected', 'NotConnected']);
  });

  test('convergence starts over when the conditions break', () => {
    const s = scenario();
    let memory = evaluateAt(s, [T0]).memory;
    const pskBefore = connection(s).sharedKey;
    connection(s).sharedKey = 'changed';
    memory = evaluateAt(s, [T0 + 1000], memory).memory;
    connection(s).sharedKey = pskBefore;
    const result = evaluateAt(s, [T0 + 2000, T0 + CONVERGED_MS + 1000], memory);
    assert.equal(result.tunnels[0]!.bgpEstablished, false);
    assert.equal(evaluateAt(s, [T0 + 2000 + CONVERGED_MS], result.memory).tunnels[0]!.bgpEstablished, true);
  });

  test('the convergence time is divided by the time scale', () => {
    const s = scenario();
    const first = evaluateFabric({ aws: s.aws, azure: s.azure, memory: emptyMemory(), now: T0, timeScale: 600 });
    const later = evaluateFabric({ aws: s.aws, azure: s.azure, memory: first.memory, now: T0 + 101, timeScale: 600 });
    assert.equal(later.tunnels[0]!.bgpEstablished, true);
  });

  test('with no Azure side at all the tunnel reports IPSEC IS DOWN', () => {
    const s = scenario();
    s.azure = { gateways: [], localGateways: [], connections: [] };
    const t = evaluateAt(s, [T0]).tunnels[0]!;
    assert.deepEqual(t.telemetry, { status: 'DOWN', statusMessage: 'IPSEC IS DOWN', acceptedRouteCount: 0, lastStatusChange: new Date(T0).toISOString() });
  });
});
