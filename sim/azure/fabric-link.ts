// Joins the store to the pure tunnel fabric: builds the Azure view, fetches Moto's AWS
// view, and keeps the fabric's memory between evaluations.
import {
  emptyMemory, evaluateFabric,
  type AwsTunnel, type AwsView, type AzureProvisioningState, type AzureView, type FabricMemory, type FabricResult,
} from '../fabric.js';
import { arr, num, obj, refId, sameId, str, type Json } from './json.js';
import type { ProvisioningState, Store } from './store.js';
import { LNG_TYPE } from './types/local-network-gateway.js';
import { vnetPrefixes } from './types/subnet.js';
import { VNG_TYPE, gatewayIpConfigurations } from './types/virtual-network-gateway.js';

const CONNECTION_TYPE = 'Microsoft.Network/connections';
const AWS_VIEW_TIMEOUT_MS = 3000;

export class FabricLink {
  private memory: FabricMemory = emptyMemory();
  /** The last view fetched, with its text: Moto answers the same text until something it shows changes. */
  private lastView: { text: string; view: AwsView } | undefined;
  /** Substrings of connection ids whose path to AWS is cut (POST /_sim/fabric/outages). */
  outages: string[] = [];

  constructor(
    private readonly store: Store,
    private readonly timeScale: number,
    private readonly awsViewUrl: string | undefined,
  ) {}

  /** Moto's view; with no URL or no answer nothing is up, as with the far end unplugged. */
  async awsView(): Promise<AwsView> {
    if (!this.awsViewUrl) return { vpnConnections: [] };
    try {
      const res = await fetch(this.awsViewUrl, { signal: AbortSignal.timeout(AWS_VIEW_TIMEOUT_MS) });
      if (!res.ok) return { vpnConnections: [] };
      const text = await res.text();
      // Parsing costs time in proportion to the VPN connections held, on every Azure read that shows the fabric.
      if (this.lastView?.text !== text) this.lastView = { text, view: parseAwsView(JSON.parse(text)) };
      return this.lastView.view;
    } catch {
      return { vpnConnections: [] };
    }
  }

  evaluate(aws: AwsView): FabricResult {
    const result = evaluateFabric({ aws, azure: azureView(this.store), memory: this.memory, now: Date.now(), timeScale: this.timeScale, outages: this.outages });
    this.memory = result.memory;
    return result;
  }

  async current(): Promise<FabricResult> {
    return this.evaluate(await this.awsView());
  }

  reset(): void {
    this.memory = emptyMemory();
    this.outages = [];
  }
}

export function azureView(store: Store): AzureView {
  const gateways = store.ofType(VNG_TYPE).map((g) => {
    const ipConfigurations = gatewayIpConfigurations(g);
    const bgp = obj(g.properties.bgpSettings);
    const peering = arr(bgp?.bgpPeeringAddresses).map((p) => obj(p) ?? {});
    const vnet = store.get(ipConfigurations[0]?.subnetId.replace(/\/subnets\/[^/]+$/i, ''));
    return {
      id: g.id,
      name: g.name,
      provisioningState: fabricState(g.provisioningState),
      enableBgp: g.properties.enableBgp === true,
      asn: num(bgp?.asn) ?? 65515,
      vnetAddressPrefixes: vnet ? vnetPrefixes(vnet) : [],
      instances: ipConfigurations.map((c) => {
        const entry = peering.find((p) => sameId(str(p.ipconfigurationId), c.id));
        return {
          ipConfigurationId: c.id,
          publicIp: str(store.get(c.publicIpId)?.properties.ipAddress),
          customBgpIpAddresses: strings(entry?.customBgpIpAddresses),
          defaultBgpIpAddress: strings(entry?.defaultBgpIpAddresses)[0],
        };
      }),
    };
  });

  const localGateways = store.ofType(LNG_TYPE).map((l) => {
    const bgp = obj(l.properties.bgpSettings);
    const asn = num(bgp?.asn);
    const peeringAddress = str(bgp?.bgpPeeringAddress);
    return {
      id: l.id,
      provisioningState: fabricState(l.provisioningState),
      gatewayIpAddress: str(l.properties.gatewayIpAddress),
      bgp: asn !== undefined && peeringAddress ? { asn, peeringAddress } : undefined,
    };
  });

  const connections = store.ofType(CONNECTION_TYPE)
    .filter((c) => c.properties.connectionType === 'IPsec')
    .map((c) => ({
      id: c.id,
      name: c.name,
      provisioningState: fabricState(c.provisioningState),
      gatewayId: refId(c.properties.virtualNetworkGateway1) ?? '',
      localGatewayId: refId(c.properties.localNetworkGateway2),
      sharedKey: str(c.properties.sharedKey),
      protocol: str(c.properties.connectionProtocol) ?? 'IKEv2',
      enableBgp: c.properties.enableBgp === true,
      customBgpIpAddresses: arr(c.properties.gatewayCustomBgpIpAddresses).map((e) => ({
        ipConfigurationId: str(obj(e)?.ipConfigurationId) ?? '',
        address: str(obj(e)?.customBgpIpAddress) ?? '',
      })),
      ipsecPolicies: arr(c.properties.ipsecPolicies).map((p) => {
        const o = obj(p) ?? {};
        return {
          ikeEncryption: String(o.ikeEncryption), ikeIntegrity: String(o.ikeIntegrity), dhGroup: String(o.dhGroup),
          ipsecEncryption: String(o.ipsecEncryption), ipsecIntegrity: String(o.ipsecIntegrity), pfsGroup: String(o.pfsGroup),
        };
      }),
    }));

  return { gateways, localGateways, connections };
}

/** Network resources say Updating while they are created; only managed clusters say Creating. */
function fabricState(state: ProvisioningState): AzureProvisioningState {
  return state === 'Creating' ? 'Updating' : state;
}

/** Reads an AWS view from untrusted JSON, dropping what does not fit the contract. */
export function parseAwsView(body: unknown): AwsView {
  const vpnConnections = arr(obj(body)?.vpnConnections).flatMap((v) => {
    const o = obj(v);
    const customerGatewayIp = str(o?.customerGatewayIp);
    if (!o || !customerGatewayIp) return [];
    return [{
      vpnConnectionId: str(o.vpnConnectionId) ?? '',
      state: str(o.state) ?? 'unknown',
      transitGatewayId: str(o.transitGatewayId),
      transitGatewayAsn: num(o.transitGatewayAsn) ?? 0,
      customerGatewayId: str(o.customerGatewayId),
      customerGatewayIp,
      customerGatewayAsn: num(o.customerGatewayAsn) ?? 0,
      advertisedCidrs: strings(o.advertisedCidrs),
      tunnels: arr(o.tunnels).flatMap((t) => parseTunnel(obj(t))),
    }];
  });
  return { vpnConnections };
}

function parseTunnel(t: Json | undefined): AwsTunnel[] {
  const outsideIpAddress = str(t?.outsideIpAddress);
  if (!t || !outsideIpAddress) return [];
  const numbers = (v: unknown) => arr(v).filter((n): n is number => typeof n === 'number');
  return [{
    outsideIpAddress,
    tunnelInsideCidr: str(t.tunnelInsideCidr) ?? '',
    preSharedKey: str(t.preSharedKey) ?? '',
    ikeVersions: strings(t.ikeVersions),
    phase1EncryptionAlgorithms: strings(t.phase1EncryptionAlgorithms),
    phase1IntegrityAlgorithms: strings(t.phase1IntegrityAlgorithms),
    phase1DHGroupNumbers: numbers(t.phase1DHGroupNumbers),
    phase2EncryptionAlgorithms: strings(t.phase2EncryptionAlgorithms),
    phase2IntegrityAlgorithms: strings(t.phase2IntegrityAlgorithms),
    phase2DHGroupNumbers: numbers(t.phase2DHGroupNumbers),
  }];
}

function strings(v: unknown): string[] {
  return arr(v).filter((s): s is string => typeof s === 'string');
}
