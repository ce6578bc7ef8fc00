import { badRequest, invalidRequest, missingReference } from '../errors.js';
import { arr, obj, refId, sameId, str } from '../json.js';
import type { Resource } from '../store.js';
import { requireProvisioned, resourceGuid, writable } from './common.js';
import type { ResourceSpec } from './spec.js';
import { VNG_TYPE } from './virtual-network-gateway.js';
import { LNG_TYPE } from './local-network-gateway.js';

const CONNECTION_TYPES = ['IPsec', 'Vnet2Vnet', 'ExpressRoute', 'VPNClient'];
const POLICY_FIELDS = ['saLifeTimeSeconds', 'saDataSizeKilobytes', 'ipsecEncryption', 'ipsecIntegrity', 'ikeEncryption', 'ikeIntegrity', 'dhGroup', 'pfsGroup'];

export const connection: ResourceSpec = {
  type: 'Microsoft.Network/connections',
  latency: { put: 90, delete: 60 },
  hasLocation: true,
  needsFabric: true,
  prepare(ctx, req, existing) {
    const p = req.properties;
    const connectionType = str(p.connectionType);
    if (!connectionType || !CONNECTION_TYPES.includes(connectionType)) {
      throw invalidRequest(`properties.connectionType must be one of ${CONNECTION_TYPES.join(', ')}.`);
    }
    const gateway = reference(ctx.store.get.bind(ctx.store), p.virtualNetworkGateway1, 'virtualNetworkGateway1', req.id, VNG_TYPE);
    if (!gateway) throw invalidRequest('properties.virtualNetworkGateway1.id is required.');
    const local = reference(ctx.store.get.bind(ctx.store), p.localNetworkGateway2, 'localNetworkGateway2', req.id, LNG_TYPE);
    const peerGateway = reference(ctx.store.get.bind(ctx.store), p.virtualNetworkGateway2, 'virtualNetworkGateway2', req.id, VNG_TYPE);
    if (connectionType === 'IPsec') {
      if (!local) throw invalidRequest('properties.localNetworkGateway2.id is required for an IPsec connection.');
      if (!str(p.sharedKey)) throw invalidRequest('properties.sharedKey is required for an IPsec connection.');
    }
    const protocol = str(p.connectionProtocol) ?? 'IKEv2';
    if (protocol !== 'IKEv2' && protocol !== 'IKEv1') throw invalidRequest('properties.connectionProtocol must be IKEv2 or IKEv1.');

    const gatewayBgp = arr(obj(gateway.properties.bgpSettings)?.bgpPeeringAddresses).map((b) => obj(b) ?? {});
    const customBgp = arr(p.gatewayCustomBgpIpAddresses).map((entry) => {
      const e = obj(entry) ?? {};
      const ipConfigurationId = str(e.ipConfigurationId);
      const address = str(e.customBgpIpAddress);
      if (!ipConfigurationId || !address) throw invalidRequest('gatewayCustomBgpIpAddresses entries need ipConfigurationId and customBgpIpAddress.');
      const instance = gatewayBgp.find((b) => sameId(str(b.ipconfigurationId), ipConfigurationId));
      if (!instance) throw missingReference(ipConfigurationId, `${req.id} (gatewayCustomBgpIpAddresses)`);
      if (!arr(instance.customBgpIpAddresses).includes(address)) {
        throw badRequest('InvalidCustomBgpIpAddress',
          `Custom BGP IP address ${address} is not one of the custom BGP IP addresses of ${ipConfigurationId} on gateway ${gateway.name}.`);
      }
      return { ipConfigurationId, customBgpIpAddress: address };
    });
    const ipsecPolicies = arr(p.ipsecPolicies).map((policy) => {
      const o = obj(policy) ?? {};
      const missing = POLICY_FIELDS.filter((f) => o[f] === undefined);
      if (missing.length > 0) throw invalidRequest(`An IPsec policy must specify every field; missing ${missing.join(', ')}.`);
      return o;
    });

    return {
      properties: {
        ...writable(p, ['connectionStatus', 'tunnelConnectionStatus', 'ingressBytesTransferred', 'egressBytesTransferred']),
        connectionType,
        connectionProtocol: protocol,
        virtualNetworkGateway1: { id: gateway.id },
        ...(local ? { localNetworkGateway2: { id: local.id } } : {}),
        ...(peerGateway ? { virtualNetworkGateway2: { id: peerGateway.id } } : {}),
        routingWeight: p.routingWeight ?? 0,
        dpdTimeoutSeconds: p.dpdTimeoutSeconds ?? 45,
        connectionMode: p.connectionMode ?? 'Default',
        enableBgp: p.enableBgp === true,
        useLocalAzureIpAddress: p.useLocalAzureIpAddress ?? false,
        usePolicyBasedTrafficSelectors: p.usePolicyBasedTrafficSelectors ?? false,
        gatewayCustomBgpIpAddresses: customBgp,
        ipsecPolicies,
        trafficSelectorPolicies: p.trafficSelectorPolicies ?? [],
        resourceGuid: resourceGuid(existing),
      },
    };
  },
  actions: {
    // As in ARM: the key is read only from its own endpoint (ConnectionSharedKey), never with the connection.
    sharedkey: {
      method: 'GET',
      run: (_ctx, resource) => ({ id: `${resource.id}/sharedkey`, value: str(resource.properties.sharedKey) ?? '' }),
    },
  },
  references: (resource) => ['virtualNetworkGateway1', 'localNetworkGateway2', 'virtualNetworkGateway2']
    .map((k) => refId(resource.properties[k]))
    .filter((id): id is string => id !== undefined)
    .map((id) => ({ id })),
  render(ctx, resource, properties) {
    // As in ARM, the key is write-only (x-ms-secret in the REST specification): never rendered back.
    delete properties.sharedKey;
    // A reference is rendered as ARM renders it: the id, and empty properties.
    for (const field of ['virtualNetworkGateway1', 'localNetworkGateway2', 'virtualNetworkGateway2']) {
      const id = refId(properties[field]);
      if (id !== undefined) properties[field] = { id, properties: {} };
    }
    const state = ctx.fabric?.connections[resource.id.toLowerCase()];
    const gateway = ctx.store.get(refId(resource.properties.virtualNetworkGateway1));
    properties.connectionStatus = state?.connectionStatus ?? 'Unknown';
    properties.tunnelConnectionStatus = (state?.tunnels ?? []).map((t) => ({
      tunnel: `${gateway?.name ?? 'gateway'}_${t.publicIp ?? t.instance}`,
      connectionStatus: t.status,
      ingressBytesTransferred: 0,
      egressBytesTransferred: 0,
      lastConnectionEstablishedUtcTime: t.lastConnectionEstablishedUtcTime ?? '',
    }));
    properties.ingressBytesTransferred = 0;
    properties.egressBytesTransferred = 0;
  },
};

function reference(get: (id: string | undefined) => Resource | undefined, value: unknown, field: string, by: string, type: string): Resource | undefined {
  const id = refId(value);
  if (id === undefined) return undefined;
  const target = get(id);
  if (!target || target.type !== type) throw missingReference(id, `${by} (${field})`);
  requireProvisioned(target, by);
  return target;
}

