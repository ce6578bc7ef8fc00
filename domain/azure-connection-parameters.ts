/**
 * The desired state of one Azure connection (one AWS tunnel), written once: the create and
 * update PUT it (activities/azure/connection.ts), and a drift check compares the connection
 * ARM returns, and its key read through the sharedkey endpoint, with it. The key's desired
 * value is the AWS tunnel's current key; a report shows both only as fingerprints.
 */
import type { BackboneParams } from './backbone-graph.ts';
import { desiredFieldsDrift, fieldDrift, type FieldDrift } from './drift.ts';
import { IPSEC_POLICY } from './ipsec-policy.ts';
import { secretFingerprint } from './secret-fingerprint.ts';

type Params = BackboneParams['azure.connection'];

/** What the connection is built from that the graph does not hold: cloud IDs of its ends and the AWS tunnel's key. */
export interface ConnectionInputs {
  gatewayId: string;
  localGatewayId: string;
  /** The gateway's two IP configurations, by instance. */
  ipConfigurationIds: [string, string];
  sharedKey: string;
}

export interface ConnectionParameters {
  connectionType: 'IPsec';
  connectionProtocol: 'IKEv2';
  virtualNetworkGateway1: { id: string };
  localNetworkGateway2: { id: string };
  sharedKey: string;
  enableBgp: boolean;
  gatewayCustomBgpIpAddresses: { ipConfigurationId: string; customBgpIpAddress: string }[];
  ipsecPolicies: (typeof IPSEC_POLICY.azure)[];
  usePolicyBasedTrafficSelectors: boolean;
  dpdTimeoutSeconds: number;
  connectionMode: 'Default';
}

/** What ARM returns of the same fields (the key comes from its own endpoint). */
export interface ObservedConnection {
  connectionType?: string;
  connectionProtocol?: string;
  virtualNetworkGateway1?: { id?: string };
  localNetworkGateway2?: { id?: string };
  enableBgp?: boolean;
  gatewayCustomBgpIpAddresses?: { ipConfigurationId?: string; customBgpIpAddress?: string }[];
  ipsecPolicies?: object[];
  usePolicyBasedTrafficSelectors?: boolean;
  dpdTimeoutSeconds?: number;
  connectionMode?: string;
}

export function connectionParameters(params: Params, inputs: ConnectionInputs): ConnectionParameters {
  return {
    connectionType: 'IPsec',
    connectionProtocol: 'IKEv2',
    virtualNetworkGateway1: { id: inputs.gatewayId },
    localNetworkGateway2: { id: inputs.localGatewayId },
    sharedKey: inputs.sharedKey,
    enableBgp: true,
    // Custom BGP addresses for both gateway instances (docs/domain-rules.md, "Pitfall: custom BGP addresses on every connection").
    gatewayCustomBgpIpAddresses: params.customBgpAddresses.map((address, instance) => ({ ipConfigurationId: inputs.ipConfigurationIds[instance]!, customBgpIpAddress: address })),
    ipsecPolicies: [IPSEC_POLICY.azure],
    usePolicyBasedTrafficSelectors: false,
    dpdTimeoutSeconds: 45,
    connectionMode: 'Default',
  };
}

export function connectionDrift(desired: ConnectionParameters, observed: ObservedConnection, observedSharedKey: string | undefined): FieldDrift[] {
  // ARM IDs are case-insensitive, and ARM may return them in another case than they were sent.
  const id = (value: string | undefined) => value?.toLowerCase();
  // Per gateway instance, named by its IP configuration (the last segment of its ID).
  const bgp = (list: { ipConfigurationId?: string; customBgpIpAddress?: string }[] | undefined) =>
    Object.fromEntries((list ?? []).map((b) => [id(b.ipConfigurationId)?.split('/').pop() ?? '', b.customBgpIpAddress]));
  const policy = (p: object | undefined) => Object.fromEntries(Object.keys(IPSEC_POLICY.azure).map((k) => [k, (p as Record<string, unknown> | undefined)?.[k]]));
  return [
    ...fieldDrift('connectionType', desired.connectionType, observed.connectionType),
    ...fieldDrift('connectionProtocol', desired.connectionProtocol, observed.connectionProtocol),
    ...fieldDrift('virtualNetworkGateway1.id', id(desired.virtualNetworkGateway1.id), id(observed.virtualNetworkGateway1?.id)),
    ...fieldDrift('localNetworkGateway2.id', id(desired.localNetworkGateway2.id), id(observed.localNetworkGateway2?.id)),
    ...fieldDrift('sharedKey', secretFingerprint(desired.sharedKey), secretFingerprint(observedSharedKey)),
    ...fieldDrift('enableBgp', desired.enableBgp, observed.enableBgp),
    ...desiredFieldsDrift(bgp(desired.gatewayCustomBgpIpAddresses), bgp(observed.gatewayCustomBgpIpAddresses), 'gatewayCustomBgpIpAddresses'),
    ...desiredFieldsDrift(desired.ipsecPolicies.map(policy), (observed.ipsecPolicies ?? []).map(policy), 'ipsecPolicies'),
    ...fieldDrift('usePolicyBasedTrafficSelectors', desired.usePolicyBasedTrafficSelectors, observed.usePolicyBasedTrafficSelectors ?? false),
    ...fieldDrift('dpdTimeoutSeconds', desired.dpdTimeoutSeconds, observed.dpdTimeoutSeconds),
    ...fieldDrift('connectionMode', desired.connectionMode, observed.connectionMode),
  ];
}
