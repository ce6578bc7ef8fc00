/**
 * The desired state of the Azure VPN gateway, written once: the create and update PUT it
 * (activities/azure/vpn-gateway.ts), and a drift check compares the gateway ARM returns with
 * it. The BGP settings are what the tunnels stand on: the ASN AWS's customer gateways and
 * tunnels were made with, and each instance's custom APIPA addresses, which the Azure
 * connections and the AWS tunnels' inside CIDRs name (docs/domain-rules.md, "Azure side").
 * Azure takes a PUT of changed BGP settings on a live gateway, so a drifted one is repaired
 * in place (docs/drift.md).
 */
import type { BackboneParams } from './backbone-graph.ts';
import { fieldDrift, type FieldDrift } from './drift.ts';

type Params = BackboneParams['azure.vpnGateway'];

/** What the gateway is built from that the graph does not hold: cloud IDs. */
export interface VpnGatewayInputs {
  gatewayId: string;
  subnetId: string;
  /** The two instances' public IPs, by instance. */
  publicIpIds: [string, string];
}

export interface VpnGatewayParameters {
  gatewayType: 'Vpn';
  vpnType: 'RouteBased';
  vpnGatewayGeneration: 'Generation2';
  sku: { name: 'VpnGw2AZ'; tier: 'VpnGw2AZ' };
  /** Active-active; the SDK serialises `active` as properties.activeActive. */
  active: true;
  enableBgp: true;
  ipConfigurations: { name: string; privateIPAllocationMethod: 'Dynamic'; subnet: { id: string }; publicIPAddress: { id: string } }[];
  bgpSettings: {
    asn: number;
    /** Lower-case "c" in ipconfigurationId here, upper-case in a connection's gatewayCustomBgpIpAddresses. */
    bgpPeeringAddresses: { ipconfigurationId: string; customBgpIpAddresses: string[] }[];
  };
}

/** What ARM returns of the compared fields. */
export interface ObservedVpnGateway {
  active?: boolean;
  enableBgp?: boolean;
  bgpSettings?: { asn?: number; bgpPeeringAddresses?: { ipconfigurationId?: string; customBgpIpAddresses?: string[] }[] };
}

export function ipConfigurationId(gatewayId: string, instance: number): string {
  return `${gatewayId}/ipConfigurations/ipcfg${instance}`;
}

export function vpnGatewayParameters(params: Params, inputs: VpnGatewayInputs): VpnGatewayParameters {
  return {
    gatewayType: 'Vpn',
    vpnType: 'RouteBased',
    vpnGatewayGeneration: 'Generation2',
    sku: { name: 'VpnGw2AZ', tier: 'VpnGw2AZ' },
    active: true,
    enableBgp: true,
    ipConfigurations: inputs.publicIpIds.map((publicIpId, i) => ({
      name: `ipcfg${i}`,
      privateIPAllocationMethod: 'Dynamic' as const,
      subnet: { id: inputs.subnetId },
      publicIPAddress: { id: publicIpId },
    })),
    bgpSettings: vpnGatewayBgpSettings(params, inputs.gatewayId),
  };
}

/** The BGP settings alone: all a gateway's phase needs to judge it (its ID follows from its name). */
export function vpnGatewayBgpSettings(params: Params, gatewayId: string): VpnGatewayParameters['bgpSettings'] {
  return {
    asn: params.asn,
    bgpPeeringAddresses: params.instanceBgpAddresses.map((addresses, i) => ({
      ipconfigurationId: ipConfigurationId(gatewayId, i),
      customBgpIpAddresses: addresses,
    })),
  };
}

/**
 * Active-active, BGP on, the ASN, and per instance the custom BGP addresses. Not the SKU, generation or
 * IP configurations: an instance's public IP or subnet cannot change under a live gateway
 * without Azure rebuilding it, which no hand edit in place does.
 */
export function vpnGatewayDrift(desired: VpnGatewayParameters, observed: ObservedVpnGateway): FieldDrift[] {
  return [
    ...fieldDrift('activeActive', desired.active, observed.active),
    ...fieldDrift('enableBgp', desired.enableBgp, observed.enableBgp),
    ...bgpSettingsDrift(desired.bgpSettings, observed),
  ];
}

export function bgpSettingsDrift(desired: VpnGatewayParameters['bgpSettings'], observed: ObservedVpnGateway): FieldDrift[] {
  return [...fieldDrift('bgpSettings.asn', desired.asn, observed.bgpSettings?.asn), ...customBgpAddressesDrift(desired, observed)];
}

/** Per instance, as a set: Azure keeps no order, and IDs are compared as ARM does, ignoring case. */
export function customBgpAddressesDrift(desired: VpnGatewayParameters['bgpSettings'], observed: ObservedVpnGateway): FieldDrift[] {
  const peering = observed.bgpSettings?.bgpPeeringAddresses ?? [];
  return desired.bgpPeeringAddresses.flatMap((want) => {
    const instance = want.ipconfigurationId.split('/').pop();
    const got = peering.find((p) => p.ipconfigurationId?.toLowerCase() === want.ipconfigurationId.toLowerCase());
    return fieldDrift(`bgpSettings.bgpPeeringAddresses[${instance}].customBgpIpAddresses`, [...want.customBgpIpAddresses].sort(), got ? [...(got.customBgpIpAddresses ?? [])].sort() : undefined);
  });
}
