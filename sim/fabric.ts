// The tunnel fabric: the one rule deciding whether an AWS tunnel and an Azure connection
// have IPsec up and BGP established (sim/README.md "When is a tunnel up"). Pure: the
// emulators hand it both clouds' views, the memory it returned last time, and the clock.

// ---- The AWS view (Moto's GET /_sim/vpn-view, or the body of the fabric POST) ----

export interface AwsTunnel {
  outsideIpAddress: string;
  tunnelInsideCidr: string;
  preSharedKey: string;
  /** Empty or missing lists mean "all values allowed", as AWS defaults do. */
  ikeVersions?: string[];
  phase1EncryptionAlgorithms?: string[];
  phase1IntegrityAlgorithms?: string[];
  phase1DHGroupNumbers?: number[];
  phase2EncryptionAlgorithms?: string[];
  phase2IntegrityAlgorithms?: string[];
  phase2DHGroupNumbers?: number[];
}

export interface AwsVpnConnection {
  vpnConnectionId: string;
  state: string;
  transitGatewayId?: string;
  transitGatewayAsn: number;
  customerGatewayId?: string;
  customerGatewayIp: string;
  customerGatewayAsn: number;
  /** CIDRs of the VPCs attached to the transit gateway: what AWS advertises. */
  advertisedCidrs: string[];
  tunnels: AwsTunnel[];
}

export interface AwsView {
  vpnConnections: AwsVpnConnection[];
}

// ---- The Azure view (built from the ARM emulator's store) ----

export type AzureProvisioningState = 'Succeeded' | 'Updating' | 'Deleting' | 'Failed';

export interface AzureGatewayInstance {
  ipConfigurationId: string;
  publicIp?: string;
  customBgpIpAddresses: string[];
  defaultBgpIpAddress?: string;
}

export interface AzureGateway {
  id: string;
  name: string;
  provisioningState: AzureProvisioningState;
  enableBgp: boolean;
  asn: number;
  /** Address space of the gateway's VNet: AWS accepts one route per prefix. */
  vnetAddressPrefixes: string[];
  /** One per IP configuration, in order (two when active-active). */
  instances: AzureGatewayInstance[];
}

export interface AzureLocalGateway {
  id: string;
  provisioningState: AzureProvisioningState;
  gatewayIpAddress?: string;
  bgp?: { asn: number; peeringAddress: string };
}

/** Azure's names (IpsecPolicy in @azure/arm-network). */
export interface AzureIpsecPolicy {
  ikeEncryption: string;
  ikeIntegrity: string;
  dhGroup: string;
  ipsecEncryption: string;
  ipsecIntegrity: string;
  pfsGroup: string;
}

export interface AzureConnection {
  id: string;
  name: string;
  provisioningState: AzureProvisioningState;
  gatewayId: string;
  localGatewayId?: string;
  sharedKey?: string;
  /** 'IKEv2' (Azure's default) or 'IKEv1'. */
  protocol: string;
  enableBgp: boolean;
  customBgpIpAddresses: { ipConfigurationId: string; address: string }[];
  ipsecPolicies: AzureIpsecPolicy[];
}

export interface AzureView {
  gateways: AzureGateway[];
  localGateways: AzureLocalGateway[];
  connections: AzureConnection[];
}

// ---- Results ----

export interface TunnelTelemetry {
  status: 'UP' | 'DOWN';
  statusMessage: string;
  acceptedRouteCount: number;
  lastStatusChange: string;
}

export interface TunnelState {
  vpnConnectionId: string;
  outsideIpAddress: string;
  /** The Azure connection that terminates this tunnel, if one pairs with it. */
  connectionId?: string;
  /** Index of the Azure gateway instance (IP configuration) that terminates it. */
  instance?: number;
  ipsecUp: boolean;
  bgpEstablished: boolean;
  telemetry: TunnelTelemetry;
  /** The Azure VNet's prefixes AWS learned over this tunnel's BGP session (none while it is down). */
  acceptedPrefixes: string[];
}

export interface BgpPeer {
  localAddress: string;
  neighbor: string;
  asn: number;
  state: 'Connected' | 'Connecting';
  connectedDuration: string;
  routesReceived: number;
  messagesSent: number;
  messagesReceived: number;
}

/** One route of a gateway's routing table, as Azure's getLearnedRoutes lists it (GatewayRoute). */
export interface GatewayRoute {
  localAddress: string;
  network: string;
  nextHop: string;
  sourcePeer: string;
  /** `Network` for the gateway's own VNet, `EBgp` for what a BGP peer in another AS advertised. */
  origin: 'Network' | 'EBgp';
  asPath: string;
  weight: number;
}

export type ConnectionStatus = 'Unknown' | 'Connecting' | 'Connected' | 'NotConnected';

export interface ConnectionState {
  connectionStatus: ConnectionStatus;
  /** One per gateway instance, like Azure's tunnelConnectionStatus. */
  tunnels: { instance: number; publicIp?: string; status: ConnectionStatus; lastConnectionEstablishedUtcTime?: string }[];
}

/** What the fabric remembers between evaluations; treat as opaque. */
export interface FabricMemory {
  /** `${outsideIp}|${connectionId}` → since when (ms) the BGP conditions have held. */
  bgpSince: Record<string, number>;
  /** Same keys → since when IPsec has been up. */
  ipsecSince: Record<string, number>;
  /** Outside IP → the last AWS status and when it changed. */
  status: Record<string, { status: 'UP' | 'DOWN'; at: number }>;
}

export interface FabricResult {
  tunnels: TunnelState[];
  /** Lower-cased gateway id → its BGP peers, one per (instance, BGP connection). */
  peers: Record<string, BgpPeer[]>;
  /** Lower-cased gateway id → its routes: its VNet, and what AWS advertises over each established session. */
  learnedRoutes: Record<string, GatewayRoute[]>;
  /** Lower-cased connection id → its status. */
  connections: Record<string, ConnectionState>;
  memory: FabricMemory;
}

export interface FabricInput {
  aws: AwsView;
  azure: AzureView;
  memory: FabricMemory;
  /** Wall clock, ms. */
  now: number;
  /** Real-world seconds per emulated second. */
  timeScale: number;
  /**
   * Simulated path outages: an Azure connection whose id contains one of these
   * (case-insensitive) cannot reach its peer, so IPsec and BGP stay down.
   */
  outages?: string[];
}

/** BGP convergence in real-world seconds (divided by the time scale). */
export const CONVERGENCE_SECONDS = 60;

export function emptyMemory(): FabricMemory {
  return { bgpSince: {}, ipsecSince: {}, status: {} };
}

interface Pairing {
  connection: AzureConnection;
  gateway: AzureGateway;
  instance: number;
  ipsecUp: boolean;
  bgpHolds: boolean;
  bgpEstablished: boolean;
  /** Routes Azure learns over this tunnel: the CIDRs AWS advertises. */
  advertisedCidrs: string[];
  key: string;
}

export function evaluateFabric(input: FabricInput): FabricResult {
  const { aws, azure, now, timeScale } = input;
  const convergenceMs = (CONVERGENCE_SECONDS * 1000) / timeScale;
  const memory = emptyMemory();
  const gateways = byId(azure.gateways);
  const localGateways = byId(azure.localGateways);
  const tunnels: TunnelState[] = [];
  const pairingsByConnection = new Map<string, Pairing>();
  // pair() needs the local gateway's IP to be the tunnel's outside IP, so only those connections are tried:
  // one lookup per tunnel instead of every connection, which kept many meshes on one stack quadratic.
  const candidates = connectionsByPeerIp(azure.connections, localGateways);

  for (const vpn of aws.vpnConnections) {
    for (const tunnel of vpn.tunnels) {
      let best: Pairing | undefined;
      for (const connection of candidates.get(tunnel.outsideIpAddress) ?? []) {
        const pairing = pair(vpn, tunnel, connection, gateways, localGateways, isCut(connection, input.outages));
        if (!pairing) continue;
        if (pairing.ipsecUp) {
          const since = input.memory.ipsecSince[pairing.key] ?? now;
          memory.ipsecSince[pairing.key] = since;
        }
        if (pairing.bgpHolds) {
          const since = input.memory.bgpSince[pairing.key] ?? now;
          memory.bgpSince[pairing.key] = since;
          pairing.bgpEstablished = now - since >= convergenceMs;
        }
        if (!best || rank(pairing) > rank(best)) best = pairing;
      }
      if (best) {
        const known = pairingsByConnection.get(best.connection.id.toLowerCase());
        if (!known || rank(best) > rank(known)) pairingsByConnection.set(best.connection.id.toLowerCase(), best);
      }

      const ipsecUp = best?.ipsecUp ?? false;
      const bgpEstablished = best?.bgpEstablished ?? false;
      const status = bgpEstablished ? 'UP' : 'DOWN';
      const previous = input.memory.status[tunnel.outsideIpAddress];
      const changedAt = previous && previous.status === status ? previous.at : now;
      memory.status[tunnel.outsideIpAddress] = { status, at: changedAt };
      const acceptedPrefixes = bgpEstablished && best ? best.gateway.vnetAddressPrefixes : [];
      const routes = acceptedPrefixes.length;
      tunnels.push({
        vpnConnectionId: vpn.vpnConnectionId,
        outsideIpAddress: tunnel.outsideIpAddress,
        connectionId: best?.connection.id,
        instance: best?.instance,
        ipsecUp,
        bgpEstablished,
        telemetry: {
          status,
          statusMessage: bgpEstablished ? `${routes} BGP ROUTES` : ipsecUp ? 'IPSEC IS UP' : 'IPSEC IS DOWN',
          acceptedRouteCount: routes,
          lastStatusChange: new Date(changedAt).toISOString(),
        },
        acceptedPrefixes,
      });
    }
  }

  const peers: Record<string, BgpPeer[]> = {};
  const learnedRoutes: Record<string, GatewayRoute[]> = {};
  for (const gateway of azure.gateways) {
    peers[gateway.id.toLowerCase()] = [];
    learnedRoutes[gateway.id.toLowerCase()] = gateway.instances.flatMap((instance) => vnetRoutes(gateway, instance));
  }
  const connections: Record<string, ConnectionState> = {};
  const dialled = availableOutsideIps(aws);
  for (const connection of azure.connections) {
    const gateway = gateways.get(connection.gatewayId.toLowerCase());
    const local = connection.localGatewayId ? localGateways.get(connection.localGatewayId.toLowerCase()) : undefined;
    const pairing = pairingsByConnection.get(connection.id.toLowerCase());
    connections[connection.id.toLowerCase()] = connectionState(connection, gateway, local, pairing, dialled, memory);

    if (!gateway || !local?.bgp || !connection.enableBgp || connection.provisioningState !== 'Succeeded') continue;
    gateway.instances.forEach((instance, k) => {
      const connected = pairing?.bgpEstablished === true && pairing.instance === k;
      const connectedMs = connected ? Math.max(0, now - (memory.bgpSince[pairing.key] ?? now) - convergenceMs) : 0;
      const learned = connected ? pairing.advertisedCidrs : [];
      const routesReceived = learned.length;
      const keepalives = Math.floor((connectedMs * timeScale) / 60_000); // Azure's fixed 60 s keepalive
      const localAddress = connection.customBgpIpAddresses.find((c) => sameId(c.ipConfigurationId, instance.ipConfigurationId))?.address
        ?? instance.customBgpIpAddresses[0] ?? instance.defaultBgpIpAddress ?? '';
      peers[gateway.id.toLowerCase()]!.push({
        localAddress,
        neighbor: local.bgp!.peeringAddress,
        asn: local.bgp!.asn,
        state: connected ? 'Connected' : 'Connecting',
        connectedDuration: timeSpan(connectedMs * timeScale),
        routesReceived,
        messagesSent: connected ? 2 + gateway.vnetAddressPrefixes.length + keepalives : 0,
        messagesReceived: connected ? 2 + routesReceived + keepalives : 0,
      });
      const neighbor = local.bgp!.peeringAddress;
      learnedRoutes[gateway.id.toLowerCase()]!.push(...learned.map((network): GatewayRoute => ({
        localAddress: instance.defaultBgpIpAddress ?? '', network, nextHop: neighbor, sourcePeer: neighbor, origin: 'EBgp', asPath: String(local.bgp!.asn), weight: 32768,
      })));
    });
  }

  return { tunnels, peers, learnedRoutes, connections, memory };
}

/** Each gateway instance knows its own VNet's prefixes (origin Network, no next hop). */
function vnetRoutes(gateway: AzureGateway, instance: AzureGatewayInstance): GatewayRoute[] {
  const localAddress = instance.defaultBgpIpAddress ?? '';
  return gateway.vnetAddressPrefixes.map((network) => ({ localAddress, network, nextHop: '', sourcePeer: localAddress, origin: 'Network', asPath: '', weight: 32768 }));
}

/** Outside IPs of the tunnels of available VPN connections: the far ends an Azure connection can dial.
 *  One set per evaluation, not a pass over every VPN connection per Azure connection. */
function availableOutsideIps(aws: AwsView): Set<string> {
  return new Set(aws.vpnConnections.filter((v) => v.state === 'available').flatMap((v) => v.tunnels.map((t) => t.outsideIpAddress)));
}

/** Connections by their local network gateway's IP address, in their original order (ties keep the first). */
function connectionsByPeerIp(connections: AzureConnection[], localGateways: Map<string, AzureLocalGateway>): Map<string, AzureConnection[]> {
  const byIp = new Map<string, AzureConnection[]>();
  for (const connection of connections) {
    const ip = connection.localGatewayId ? localGateways.get(connection.localGatewayId.toLowerCase())?.gatewayIpAddress : undefined;
    if (ip === undefined) continue;
    const bucket = byIp.get(ip);
    if (bucket) bucket.push(connection);
    else byIp.set(ip, [connection]);
  }
  return byIp;
}

function pair(
  vpn: AwsVpnConnection,
  tunnel: AwsTunnel,
  connection: AzureConnection,
  gateways: Map<string, AzureGateway>,
  localGateways: Map<string, AzureLocalGateway>,
  cut: boolean,
): Pairing | undefined {
  const gateway = gateways.get(connection.gatewayId.toLowerCase());
  const local = connection.localGatewayId ? localGateways.get(connection.localGatewayId.toLowerCase()) : undefined;
  if (!gateway || !local || local.gatewayIpAddress !== tunnel.outsideIpAddress) return undefined;

  const instance = gateway.instances.findIndex((i) => i.publicIp !== undefined && i.publicIp === vpn.customerGatewayIp);
  const provisioned = vpn.state === 'available'
    && [gateway, local, connection].every((r) => r.provisioningState === 'Succeeded');
  const ipsecUp = provisioned
    && !cut
    && instance >= 0
    && connection.sharedKey === tunnel.preSharedKey
    && connection.protocol.toUpperCase() === 'IKEV2'
    && allows(tunnel.ikeVersions, 'ikev2')
    && connection.ipsecPolicies.every((p) => policyAllowed(p, tunnel));

  const hosts = insideHosts(tunnel.tunnelInsideCidr);
  const inst = gateway.instances[instance];
  const bgpHolds = ipsecUp && hosts !== undefined && inst !== undefined && local.bgp !== undefined
    && local.bgp.peeringAddress === hosts.aws
    && connection.customBgpIpAddresses.find((c) => sameId(c.ipConfigurationId, inst.ipConfigurationId))?.address === hosts.azure
    && inst.customBgpIpAddresses.includes(hosts.azure)
    && local.bgp.asn === vpn.transitGatewayAsn
    && vpn.customerGatewayAsn === gateway.asn
    && gateway.asn !== local.bgp.asn
    && connection.enableBgp
    && gateway.enableBgp;

  return {
    connection,
    gateway,
    instance,
    ipsecUp,
    bgpHolds,
    bgpEstablished: false,
    advertisedCidrs: vpn.advertisedCidrs,
    key: `${tunnel.outsideIpAddress}|${connection.id.toLowerCase()}`,
  };
}

function isCut(connection: AzureConnection, outages: string[] = []): boolean {
  const id = connection.id.toLowerCase();
  return outages.some((o) => id.includes(o.toLowerCase()));
}

function rank(p: Pairing): number {
  return (p.bgpEstablished ? 4 : 0) + (p.bgpHolds ? 2 : 0) + (p.ipsecUp ? 1 : 0);
}

function connectionState(
  connection: AzureConnection,
  gateway: AzureGateway | undefined,
  local: AzureLocalGateway | undefined,
  pairing: Pairing | undefined,
  dialled: Set<string>,
  memory: FabricMemory,
): ConnectionState {
  const instances = gateway?.instances ?? [];
  if (connection.provisioningState !== 'Succeeded') {
    return { connectionStatus: 'Unknown', tunnels: instances.map((i, k) => ({ instance: k, publicIp: i.publicIp, status: 'Unknown' })) };
  }
  // Azure keeps dialling while the far end exists; with nothing there it gives up.
  const farEndExists = local?.gatewayIpAddress !== undefined && dialled.has(local.gatewayIpAddress);
  const up = pairing?.ipsecUp === true;
  const since = pairing ? memory.ipsecSince[pairing.key] : undefined;
  const down: ConnectionStatus = farEndExists ? 'Connecting' : 'NotConnected';
  return {
    connectionStatus: up ? 'Connected' : down,
    tunnels: instances.map((i, k) => {
      const terminates = pairing?.instance === k;
      return {
        instance: k,
        publicIp: i.publicIp,
        status: terminates && up ? 'Connected' : terminates ? down : 'NotConnected',
        lastConnectionEstablishedUtcTime: terminates && up && since !== undefined ? new Date(since).toISOString() : undefined,
      };
    }),
  };
}

// ---- IKE / IPsec: is Azure's policy inside AWS's allowed lists? ----

const ENCRYPTION: Record<string, string> = {
  AES128: 'AES128', AES256: 'AES256', GCMAES128: 'AES128-GCM-16', GCMAES256: 'AES256-GCM-16',
};
const INTEGRITY: Record<string, string> = { SHA1: 'SHA1', SHA256: 'SHA2-256', SHA384: 'SHA2-384' };
const DH_GROUP: Record<string, number> = {
  DHGroup2: 2, DHGroup14: 14, DHGroup2048: 14, DHGroup24: 24, ECP256: 19, ECP384: 20,
};
const PFS_GROUP: Record<string, number> = {
  PFS2: 2, PFS14: 14, PFS2048: 14, PFS24: 24, ECP256: 19, ECP384: 20,
};

function policyAllowed(p: AzureIpsecPolicy, t: AwsTunnel): boolean {
  // A name AWS has no counterpart for (DES, MD5, PFS None, ...) can never be negotiated.
  const enc1 = ENCRYPTION[p.ikeEncryption];
  const enc2 = ENCRYPTION[p.ipsecEncryption];
  const dh1 = DH_GROUP[p.dhGroup];
  const dh2 = PFS_GROUP[p.pfsGroup];
  if (!enc1 || !enc2 || dh1 === undefined || dh2 === undefined) return false;
  return allows(t.phase1EncryptionAlgorithms, enc1)
    && integrityAllowed(p.ikeIntegrity, t.phase1IntegrityAlgorithms)
    && allows(t.phase1DHGroupNumbers, dh1)
    && allows(t.phase2EncryptionAlgorithms, enc2)
    && integrityAllowed(p.ipsecIntegrity, t.phase2IntegrityAlgorithms)
    && allows(t.phase2DHGroupNumbers, dh2);
}

function integrityAllowed(azure: string, list: string[] | undefined): boolean {
  // With GCM, Azure names the integrity after the cipher: GCM carries its own.
  if (azure.startsWith('GCMAES')) return true;
  const aws = INTEGRITY[azure];
  return aws !== undefined && allows(list, aws);
}

function allows<T extends string | number>(list: T[] | undefined, value: T): boolean {
  if (!list || list.length === 0) return true;
  return list.some((v) => (typeof v === 'string' && typeof value === 'string' ? v.toLowerCase() === value.toLowerCase() : v === value));
}

// ---- small helpers ----

/** First (AWS side, ".1") and second (Azure side, ".2") host of a /30. */
export function insideHosts(cidr: string): { aws: string; azure: string } | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/30$/.exec(cidr.trim());
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const base = (((octets[0]! << 24) >>> 0) + (octets[1]! << 16) + (octets[2]! << 8) + octets[3]!) & ~3;
  const ip = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
  return { aws: ip((base >>> 0) + 1), azure: ip((base >>> 0) + 2) };
}

/** .NET TimeSpan text, as Azure prints connectedDuration: [d.]hh:mm:ss.fffffff */
function timeSpan(ms: number): string {
  const total = Math.floor(ms);
  const days = Math.floor(total / 86_400_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  const hh = pad(Math.floor(total / 3_600_000) % 24);
  const mm = pad(Math.floor(total / 60_000) % 60);
  const ss = pad(Math.floor(total / 1000) % 60);
  const frac = pad((total % 1000) * 10_000, 7);
  return `${days > 0 ? `${days}.` : ''}${hh}:${mm}:${ss}.${frac}`;
}

function byId<T extends { id: string }>(items: T[]): Map<string, T> {
  return new Map(items.map((i) => [i.id.toLowerCase(), i]));
}

function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
