/**
 * The desired state of an Azure local network gateway (AWS's end of one tunnel), written
 * once: the create and update PUT it (activities/azure/local-network-gateway.ts), and a drift
 * check compares the gateway ARM returns with it. Its address is the AWS tunnel's outside IP,
 * so an AWS VPN connection made again leaves its two local gateways to follow.
 */
import type { BackboneParams } from './backbone-graph.ts';
import { fieldDrift, type FieldDrift } from './drift.ts';

type Params = BackboneParams['azure.localNetworkGateway'];

export interface LocalGatewayParameters {
  gatewayIpAddress: string;
  /** Empty: routes come from BGP, and APIPA cannot be entered there. */
  localNetworkAddressSpace: { addressPrefixes: string[] };
  /** The peer is AWS's `.1` (docs/domain-rules.md, "Pitfall: local network gateway peers with AWS's address"). */
  bgpSettings: { asn: number; bgpPeeringAddress: string };
}

export interface ObservedLocalGateway {
  gatewayIpAddress?: string;
  localNetworkAddressSpace?: { addressPrefixes?: string[] };
  bgpSettings?: { asn?: number; bgpPeeringAddress?: string };
}

/** `outsideIp`: the AWS tunnel's outside address, paired by inside CIDR. */
export function localGatewayParameters(params: Params, outsideIp: string): LocalGatewayParameters {
  return {
    gatewayIpAddress: outsideIp,
    localNetworkAddressSpace: { addressPrefixes: [] },
    bgpSettings: { asn: params.awsAsn, bgpPeeringAddress: params.tunnel.awsBgpAddress },
  };
}

export function localGatewayDrift(desired: LocalGatewayParameters, observed: ObservedLocalGateway): FieldDrift[] {
  return [
    ...fieldDrift('gatewayIpAddress', desired.gatewayIpAddress, observed.gatewayIpAddress),
    ...fieldDrift('localNetworkAddressSpace.addressPrefixes', desired.localNetworkAddressSpace.addressPrefixes, observed.localNetworkAddressSpace?.addressPrefixes ?? []),
    ...fieldDrift('bgpSettings.asn', desired.bgpSettings.asn, observed.bgpSettings?.asn),
    ...fieldDrift('bgpSettings.bgpPeeringAddress', desired.bgpSettings.bgpPeeringAddress, observed.bgpSettings?.bgpPeeringAddress),
  ];
}
