/**
 * The desired state of an AWS VPN connection on the Transit Gateway, written once: the create
 * sends it (activities/aws/vpn.ts), each tunnel with a fresh key, and a drift check compares
 * the connection EC2 returns with it. A key is never stored: what the connection reported when
 * it was last made is its keys' fingerprints (domain/secret-fingerprint.ts), and a key changed
 * since shows as another fingerprint. docs/drift.md says what is compared.
 */
import type { BackboneParams } from './backbone-graph.ts';
import { fieldDrift, type FieldDrift } from './drift.ts';
import { IPSEC_POLICY } from './ipsec-policy.ts';
import { secretFingerprint } from './secret-fingerprint.ts';

type Params = BackboneParams['aws.vpnConnection'];

export type VpnTunnelParameters = typeof IPSEC_POLICY.aws & { TunnelInsideCidr: string };

export interface VpnConnectionParameters {
  Type: 'ipsec.1';
  CustomerGatewayId: string;
  TransitGatewayId: string;
  /** BGP over every tunnel: static routes would leave the Azure side unlearnt. */
  Options: { StaticRoutesOnly: false; TunnelInsideIpVersion: 'ipv4'; TunnelOptions: VpnTunnelParameters[] };
}

type Values<T> = { Value?: T }[];

/** A tunnel as DescribeVpnConnections returns it (its members are named unlike the request's: `IkeVersions`, `DpdTimeoutSeconds`). */
export interface ObservedVpnTunnel {
  TunnelInsideCidr?: string;
  /** AWS's end of the tunnel: how ModifyVpnTunnelOptions names a tunnel. */
  OutsideIpAddress?: string;
  PreSharedKey?: string;
  IkeVersions?: Values<string>;
  Phase1EncryptionAlgorithms?: Values<string>;
  Phase1IntegrityAlgorithms?: Values<string>;
  Phase1DHGroupNumbers?: Values<number>;
  Phase2EncryptionAlgorithms?: Values<string>;
  Phase2IntegrityAlgorithms?: Values<string>;
  Phase2DHGroupNumbers?: Values<number>;
  Phase1LifetimeSeconds?: number;
  Phase2LifetimeSeconds?: number;
  DpdTimeoutSeconds?: number;
  StartupAction?: string;
}

export interface ObservedVpnConnection {
  Type?: string;
  CustomerGatewayId?: string;
  TransitGatewayId?: string;
  Options?: { StaticRoutesOnly?: boolean; TunnelInsideIpVersion?: string; TunnelOptions?: ObservedVpnTunnel[] };
}

/** What the connection's output records of a tunnel's key: its fingerprint, under the tunnel's inside CIDR. */
export const keyFingerprintAttribute = (insideCidr: string) => `preSharedKeyFingerprint ${insideCidr}`;

/** The ids are the customer gateway's and Transit Gateway's as they reported when last made. */
export function vpnConnectionParameters(params: Params, customerGatewayId: string, transitGatewayId: string): VpnConnectionParameters {
  return {
    Type: 'ipsec.1',
    CustomerGatewayId: customerGatewayId,
    TransitGatewayId: transitGatewayId,
    Options: { StaticRoutesOnly: false, TunnelInsideIpVersion: 'ipv4', TunnelOptions: params.tunnels.map((t) => ({ ...IPSEC_POLICY.aws, TunnelInsideCidr: t.insideCidr })) },
  };
}

/** Each tunnel's key fingerprint, as the connection's output records it. */
export function keyFingerprints(observed: ObservedVpnConnection): Record<string, string> {
  return Object.fromEntries((observed.Options?.TunnelOptions ?? []).map((t) => [keyFingerprintAttribute(t.TunnelInsideCidr ?? ''), secretFingerprint(t.PreSharedKey)]));
}

/**
 * `recordedKeys`: the key fingerprints the connection's output recorded when it was last made
 * (keyFingerprints); a tunnel without one (an output recorded before fingerprints were) has
 * its key left unjudged. Keys are compared and shown as fingerprints only.
 */
export function vpnConnectionDrift(desired: VpnConnectionParameters, observed: ObservedVpnConnection, recordedKeys: Record<string, string | undefined>): FieldDrift[] {
  const tunnels = observed.Options?.TunnelOptions ?? [];
  const cidrs = (list: { TunnelInsideCidr?: string }[]) => list.map((t) => t.TunnelInsideCidr ?? '').sort();
  return [
    ...fieldDrift('Type', desired.Type, observed.Type),
    ...fieldDrift('CustomerGatewayId', desired.CustomerGatewayId, observed.CustomerGatewayId),
    ...fieldDrift('TransitGatewayId', desired.TransitGatewayId, observed.TransitGatewayId),
    ...fieldDrift('Options.StaticRoutesOnly', desired.Options.StaticRoutesOnly, observed.Options?.StaticRoutesOnly ?? false),
    ...fieldDrift('Options.TunnelInsideIpVersion', desired.Options.TunnelInsideIpVersion, observed.Options?.TunnelInsideIpVersion ?? 'ipv4'),
    ...fieldDrift('Options.TunnelOptions.TunnelInsideCidr', cidrs(desired.Options.TunnelOptions), cidrs(tunnels)),
    ...desired.Options.TunnelOptions.flatMap((want) => {
      const tunnel = tunnels.find((t) => t.TunnelInsideCidr === want.TunnelInsideCidr);
      return tunnel ? tunnelDrift(want, tunnel, recordedKeys[keyFingerprintAttribute(want.TunnelInsideCidr)]) : [];
    }),
  ];
}

function tunnelDrift(want: VpnTunnelParameters, tunnel: ObservedVpnTunnel, recordedKey: string | undefined): FieldDrift[] {
  const at = (field: string) => `tunnel ${want.TunnelInsideCidr} ${field}`;
  const values = <T>(list: Values<T> | undefined) => (list ?? []).map((v) => v.Value);
  const wanted = <T>(list: readonly { Value: T }[]) => list.map((v) => v.Value);
  return [
    ...fieldDrift(at('IkeVersions'), wanted(want.IKEVersions), values(tunnel.IkeVersions)),
    ...fieldDrift(at('Phase1EncryptionAlgorithms'), wanted(want.Phase1EncryptionAlgorithms), values(tunnel.Phase1EncryptionAlgorithms)),
    ...fieldDrift(at('Phase1IntegrityAlgorithms'), wanted(want.Phase1IntegrityAlgorithms), values(tunnel.Phase1IntegrityAlgorithms)),
    ...fieldDrift(at('Phase1DHGroupNumbers'), wanted(want.Phase1DHGroupNumbers), values(tunnel.Phase1DHGroupNumbers)),
    ...fieldDrift(at('Phase2EncryptionAlgorithms'), wanted(want.Phase2EncryptionAlgorithms), values(tunnel.Phase2EncryptionAlgorithms)),
    ...fieldDrift(at('Phase2IntegrityAlgorithms'), wanted(want.Phase2IntegrityAlgorithms), values(tunnel.Phase2IntegrityAlgorithms)),
    ...fieldDrift(at('Phase2DHGroupNumbers'), wanted(want.Phase2DHGroupNumbers), values(tunnel.Phase2DHGroupNumbers)),
    ...fieldDrift(at('Phase1LifetimeSeconds'), want.Phase1LifetimeSeconds, tunnel.Phase1LifetimeSeconds),
    ...fieldDrift(at('Phase2LifetimeSeconds'), want.Phase2LifetimeSeconds, tunnel.Phase2LifetimeSeconds),
    ...fieldDrift(at('DpdTimeoutSeconds'), want.DPDTimeoutSeconds, tunnel.DpdTimeoutSeconds),
    ...fieldDrift(at('StartupAction'), want.StartupAction, tunnel.StartupAction),
    ...(recordedKey === undefined ? [] : fieldDrift(at('PreSharedKey'), recordedKey, secretFingerprint(tunnel.PreSharedKey))),
  ];
}

/** The IPsec policy as ModifyVpnTunnelOptions takes it: the pinned one, without a key. */
export type VpnTunnelPolicy = Omit<VpnTunnelParameters, 'TunnelInsideCidr'>;

/** One ModifyVpnTunnelOptions request: the tunnel, named by its outside IP, to the pinned policy and, when it has another, the planned inside CIDR. */
export interface VpnTunnelRepair {
  /** The planned inside CIDR the tunnel ends with. */
  insideCidr: string;
  outsideIp: string;
  options: VpnTunnelPolicy & { TunnelInsideCidr?: string };
}

/**
 * The tunnels whose IPsec policy or inside CIDR differs from the desired one, each with the
 * whole pinned policy to send (AWS modifies one tunnel at a time), and the planned inside CIDR
 * when the tunnel has another (new `backbone.tunnelInsideCidrs`, or one changed by hand). A
 * tunnel keeps the planned CIDR it has; the tunnels on CIDRs no longer planned take the planned
 * ones no tunnel has, in order: which physical tunnel takes which CIDR does not matter, as the
 * Azure side pairs with a tunnel by its inside CIDR (the VPN connection's output). Never a CIDR
 * the other tunnel still holds, so no request is refused as a duplicate. A key is never sent:
 * cellbridge never stored it, so a key changed by hand is not put back but recorded as the one
 * the tunnel has now (its Azure connection is updated to it).
 */
export function vpnTunnelRepairs(desired: VpnConnectionParameters, observed: ObservedVpnConnection): VpnTunnelRepair[] {
  const tunnels = observed.Options?.TunnelOptions ?? [];
  const planned = new Set(desired.Options.TunnelOptions.map((t) => t.TunnelInsideCidr));
  const unplanned = tunnels.filter((t) => !planned.has(t.TunnelInsideCidr ?? ''));
  return desired.Options.TunnelOptions.flatMap(({ TunnelInsideCidr, ...options }) => {
    const tunnel = tunnels.find((t) => t.TunnelInsideCidr === TunnelInsideCidr) ?? unplanned.shift();
    if (!tunnel?.OutsideIpAddress) return [];
    if (tunnel.TunnelInsideCidr !== TunnelInsideCidr) return [{ insideCidr: TunnelInsideCidr, outsideIp: tunnel.OutsideIpAddress, options: { ...options, TunnelInsideCidr } }];
    if (tunnelDrift({ ...options, TunnelInsideCidr }, tunnel, undefined).length === 0) return [];
    return [{ insideCidr: TunnelInsideCidr, outsideIp: tunnel.OutsideIpAddress, options }];
  });
}
