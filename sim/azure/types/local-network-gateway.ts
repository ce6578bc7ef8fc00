import { badRequest, invalidRequest } from '../errors.js';
import { arr, obj, str } from '../json.js';
import { parseCidr } from '../ipv4.js';
import { checkAsn, checkIp, resourceGuid, writable } from './common.js';
import type { ResourceSpec } from './spec.js';

export const LNG_TYPE = 'Microsoft.Network/localNetworkGateways';

export const localNetworkGateway: ResourceSpec = {
  type: LNG_TYPE,
  latency: { put: 30, delete: 30 },
  hasLocation: true,
  prepare(_ctx, req, existing) {
    const p = req.properties;
    if (p.gatewayIpAddress === undefined && !str(p.fqdn)) throw invalidRequest('properties.gatewayIpAddress (or fqdn) is required.');
    const gatewayIpAddress = p.gatewayIpAddress === undefined ? undefined : checkIp(p.gatewayIpAddress, 'properties.gatewayIpAddress');
    const prefixes = arr(obj(p.localNetworkAddressSpace)?.addressPrefixes);
    for (const prefix of prefixes) {
      if (typeof prefix !== 'string' || !parseCidr(prefix)) throw invalidRequest(`Address prefix ${JSON.stringify(prefix)} is not a valid CIDR.`);
    }
    const bgpIn = obj(p.bgpSettings);
    const bgpSettings = bgpIn && {
      asn: checkAsn(bgpIn.asn, 'properties.bgpSettings.asn'),
      bgpPeeringAddress: checkIp(bgpIn.bgpPeeringAddress, 'properties.bgpSettings.bgpPeeringAddress'),
      peerWeight: bgpIn.peerWeight ?? 0,
    };
    return {
      properties: {
        ...writable(p, []),
        gatewayIpAddress,
        localNetworkAddressSpace: { addressPrefixes: prefixes },
        ...(bgpSettings ? { bgpSettings } : {}),
        resourceGuid: resourceGuid(existing),
      },
    };
  },
  inUse: (resource, user) => badRequest('LocalNetworkGatewayInUse',
    `Local network gateway ${resource.name} cannot be deleted because it is in use by ${user.id}. Delete the connection first.`),
};
