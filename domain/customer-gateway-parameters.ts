/**
 * The desired state of an AWS customer gateway (one Azure gateway instance, as AWS sees it),
 * written once: the create sends it (activities/aws/vpn.ts), and a drift check compares the
 * gateway EC2 returns with it. AWS cannot modify a customer gateway, so a drifted one is only
 * ever one made again by hand under our tags; the plan replaces one whose ASN or address changes.
 */
import type { BackboneParams } from './backbone-graph.ts';
import { fieldDrift, type FieldDrift } from './drift.ts';

type Params = BackboneParams['aws.customerGateway'];

/** Above this, AWS takes the ASN in BgpAsnExtended instead of BgpAsn. */
const MAX_BGP_ASN = 2147483647;

export type CustomerGatewayParameters = { Type: 'ipsec.1'; IpAddress: string; DeviceName: string } & ({ BgpAsn: number } | { BgpAsnExtended: number });

/** As DescribeCustomerGateways returns it: ASNs as strings. */
export interface ObservedCustomerGateway {
  Type?: string;
  IpAddress?: string;
  BgpAsn?: string;
  BgpAsnExtended?: string;
}

/** `ipAddress`: the Azure public IP's address, as it reported when last made. */
export function customerGatewayParameters(params: Params, ipAddress: string): CustomerGatewayParameters {
  return {
    Type: 'ipsec.1',
    IpAddress: ipAddress,
    ...(params.bgpAsn > MAX_BGP_ASN ? { BgpAsnExtended: params.bgpAsn } : { BgpAsn: params.bgpAsn }),
    DeviceName: params.name,
  };
}

/** The device name is sent, not compared: it is a label, and EC2 does not always return it. */
export function customerGatewayDrift(desired: CustomerGatewayParameters, observed: ObservedCustomerGateway): FieldDrift[] {
  const asn = 'BgpAsn' in desired ? desired.BgpAsn : desired.BgpAsnExtended;
  // An ASN above 2147483647 comes back in BgpAsnExtended; either member holding ours is ours.
  const observedAsn = Number(observed.BgpAsnExtended ?? observed.BgpAsn);
  return [
    ...fieldDrift('Type', desired.Type, observed.Type),
    ...fieldDrift('IpAddress', desired.IpAddress, observed.IpAddress),
    ...fieldDrift('BgpAsn', asn, Number.isNaN(observedAsn) ? undefined : observedAsn),
  ];
}
