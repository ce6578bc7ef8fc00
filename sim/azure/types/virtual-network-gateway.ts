import { badRequest, invalidRequest, missingReference } from '../errors.js';
import { arr, obj, refId, sameId, str, type Json } from '../json.js';
import { formatIp, parseCidr } from '../ipv4.js';
import type { Resource } from '../store.js';
import { checkAsn, checkAzureApipa, newEtag, requireProvisioned, resourceGuid, writable } from './common.js';
import type { ResourceSpec } from './spec.js';
import { subnetPrefix } from './subnet.js';

export const VNG_TYPE = 'Microsoft.Network/virtualNetworkGateways';
const GATEWAY_TYPES = ['Vpn', 'ExpressRoute', 'LocalGateway'];
const DEFAULT_ASN = 65515;

interface IpConfiguration {
  id: string;
  name: string;
  subnet: Resource;
  publicIp?: Resource;
  privateIp: string;
}

export const virtualNetworkGateway: ResourceSpec = {
  type: VNG_TYPE,
  latency: { put: 2700, delete: 1200 },
  hasLocation: true,
  prepare(ctx, req, existing) {
    const p = req.properties;
    const gatewayType = str(p.gatewayType);
    if (!gatewayType || !GATEWAY_TYPES.includes(gatewayType)) throw invalidRequest(`properties.gatewayType must be one of ${GATEWAY_TYPES.join(', ')}.`);
    const sku = obj(p.sku);
    if (!str(sku?.name)) throw invalidRequest('properties.sku.name is required.');
    const active = p.activeActive === true;

    const requested = arr(p.ipConfigurations).map((c) => obj(c) ?? {});
    if (active && requested.length !== 2) {
      throw badRequest('ActiveActiveGatewayRequiresTwoIpConfigurations',
        `Virtual network gateway ${req.name} is active-active and needs exactly two IP configurations, each with its own public IP; got ${requested.length}.`);
    }
    if (!active && requested.length !== 1) {
      throw badRequest('VirtualNetworkGatewayRequiresOneIpConfiguration',
        `Virtual network gateway ${req.name} is not active-active and needs exactly one IP configuration; got ${requested.length}.`);
    }
    const ipConfigurations = requested.map((c, i) => ipConfiguration(ctx.store.get.bind(ctx.store), req.id, c, i));
    if (new Set(ipConfigurations.map((c) => c.name.toLowerCase())).size !== ipConfigurations.length) {
      throw invalidRequest('IP configuration names must be unique.');
    }
    if (new Set(ipConfigurations.map((c) => c.subnet.id.toLowerCase())).size > 1) {
      throw invalidRequest('All IP configurations of a gateway must use the same GatewaySubnet.');
    }
    for (const c of ipConfigurations) {
      if (gatewayType === 'Vpn' && !c.publicIp) throw invalidRequest(`IP configuration ${c.name} of VPN gateway ${req.name} needs a publicIPAddress.`);
      const other = c.publicIp && ctx.usersOf(c.publicIp.id).find((u) => !sameId(u.resource.id, req.id));
      if (other) {
        throw badRequest('PublicIPAddressInUse', `Public IP address ${c.publicIp!.id} is already used by ${other.via} and cannot be used by ${c.id}.`);
      }
    }
    if (active && sameId(ipConfigurations[0]!.publicIp?.id, ipConfigurations[1]!.publicIp?.id)) {
      throw badRequest('ActiveActiveGatewayRequiresTwoIpConfigurations', 'The two IP configurations of an active-active gateway need two different public IPs.');
    }

    const bgpIn = obj(p.bgpSettings);
    const asn = bgpIn?.asn === undefined ? DEFAULT_ASN : checkAsn(bgpIn.asn, 'properties.bgpSettings.asn');
    const custom = new Map<string, string[]>();
    for (const entry of arr(bgpIn?.bgpPeeringAddresses)) {
      const e = obj(entry) ?? {};
      const target = str(e.ipconfigurationId);
      const ipc = ipConfigurations.find((c) => sameId(c.id, target));
      if (!ipc) throw missingReference(String(target), `${req.id} (bgpSettings.bgpPeeringAddresses[].ipconfigurationId)`);
      const addresses = arr(e.customBgpIpAddresses).map((a) => checkAzureApipa(a, `bgpPeeringAddresses[${ipc.name}].customBgpIpAddresses`));
      custom.set(ipc.id.toLowerCase(), addresses);
    }
    const seen = new Map<string, string>();
    for (const [ipcId, addresses] of custom) {
      for (const a of addresses) {
        const owner = seen.get(a);
        if (owner && owner !== ipcId) {
          throw badRequest('DuplicateCustomBgpIpAddress', `Custom BGP IP address ${a} is used by both gateway instances; each instance needs its own addresses.`);
        }
        seen.set(a, ipcId);
      }
    }

    return {
      properties: {
        ...writable(p, ['ipConfigurations', 'bgpSettings', 'inboundDnsForwardingEndpoint']),
        gatewayType,
        vpnType: str(p.vpnType) ?? 'RouteBased',
        enableBgp: p.enableBgp === true,
        activeActive: active,
        sku,
        ipConfigurations: ipConfigurations.map((c) => ({
          name: c.name,
          id: c.id,
          etag: newEtag(),
          properties: {
            provisioningState: 'Succeeded',
            privateIPAllocationMethod: 'Dynamic',
            privateIPAddress: c.privateIp,
            subnet: { id: c.subnet.id },
            ...(c.publicIp ? { publicIPAddress: { id: c.publicIp.id } } : {}),
          },
        })),
        bgpSettings: {
          asn,
          bgpPeeringAddress: ipConfigurations.map((c) => c.privateIp).join(','),
          peerWeight: bgpIn?.peerWeight ?? 0,
          bgpPeeringAddresses: ipConfigurations.map((c) => ({
            ipconfigurationId: c.id,
            defaultBgpIpAddresses: [c.privateIp],
            customBgpIpAddresses: custom.get(c.id.toLowerCase()) ?? [],
            tunnelIpAddresses: c.publicIp ? [str(c.publicIp.properties.ipAddress)] : [],
          })),
        },
        resourceGuid: resourceGuid(existing),
      },
    };
  },
  references: (resource) => gatewayIpConfigurations(resource).flatMap((c) => [
    { id: c.subnetId, via: c.id },
    ...(c.publicIpId ? [{ id: c.publicIpId, via: c.id }] : []),
  ]),
  inUse: (resource, user) => badRequest('VirtualNetworkGatewayInUse',
    `Virtual network gateway ${resource.name} cannot be deleted because it is in use by ${user.id}. Delete its connections first.`),
  actions: {
    getBgpPeerStatus: {
      method: 'POST',
      latency: 5,
      async run(ctx, resource, _body, query) {
        const peers = (await ctx.fabric()).peers[resource.id.toLowerCase()] ?? [];
        const only = query.get('peer');
        return { value: only ? peers.filter((p) => p.neighbor === only) : peers };
      },
    },
    // The gateway's routing table (GatewayRouteListResult): its VNet, and what AWS advertises over each established session.
    getLearnedRoutes: {
      method: 'POST',
      latency: 5,
      async run(ctx, resource) {
        return { value: (await ctx.fabric()).learnedRoutes[resource.id.toLowerCase()] ?? [] };
      },
    },
  },
};

function ipConfiguration(get: (id: string | undefined) => Resource | undefined, gatewayId: string, c: Json, index: number): IpConfiguration {
  const name = str(c.name);
  if (!name) throw invalidRequest('Every IP configuration needs a name.');
  const id = `${gatewayId}/ipConfigurations/${name}`;
  const cp = obj(c.properties) ?? {};
  const subnetId = refId(cp.subnet);
  if (!subnetId) throw invalidRequest(`IP configuration ${name} needs properties.subnet.id.`);
  const subnet = get(subnetId);
  if (!subnet) throw missingReference(subnetId, id);
  // Azure finds the gateway subnet by its exact name.
  if (subnet.name !== 'GatewaySubnet') {
    throw badRequest('GatewaySubnetNameInvalid',
      `Subnet ${subnet.id} referenced by ${id} cannot be used for a virtual network gateway: its name must be exactly 'GatewaySubnet'.`);
  }
  const cidr = parseCidr(subnetPrefix(subnet.properties) ?? '');
  if (!cidr || cidr.bits > 29) {
    throw badRequest('GatewaySubnetIsTooSmall', `GatewaySubnet ${subnet.id} must be /29 or larger (/27 or larger is recommended).`);
  }
  requireProvisioned(subnet, id);
  const publicIpId = refId(cp.publicIPAddress);
  const publicIp = publicIpId ? get(publicIpId) : undefined;
  if (publicIpId && !publicIp) throw missingReference(publicIpId, id);
  if (publicIp) requireProvisioned(publicIp, id);
  // Azure gives gateway instances the last addresses of the GatewaySubnet.
  const privateIp = formatIp(cidr.base + 2 ** (32 - cidr.bits) - 2 - index);
  return { id, name, subnet, publicIp, privateIp };
}

/** The stored IP configurations, as the fabric and references need them. */
export function gatewayIpConfigurations(gateway: Resource): { id: string; subnetId: string; publicIpId?: string }[] {
  return arr(gateway.properties.ipConfigurations).map((c) => {
    const o = obj(c) ?? {};
    const p = obj(o.properties) ?? {};
    return { id: String(o.id), subnetId: String(refId(p.subnet)), publicIpId: refId(p.publicIPAddress) };
  });
}
