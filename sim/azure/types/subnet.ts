import { badRequest, invalidRequest } from '../errors.js';
import { arr, obj, str, type Json } from '../json.js';
import { contains, formatIp, overlaps, parseCidr, type Cidr } from '../ipv4.js';
import type { Resource } from '../store.js';
import { writable } from './common.js';
import type { ResourceSpec } from './spec.js';

export const SUBNET_TYPE = 'Microsoft.Network/virtualNetworks/subnets';

export const subnet: ResourceSpec = {
  type: SUBNET_TYPE,
  latency: { put: 10, delete: 10 },
  hasLocation: false,
  prepare(ctx, req, existing) {
    const vnet = req.parent!;
    const siblings = ctx.store.children(vnet.id, SUBNET_TYPE).filter((s) => s.id.toLowerCase() !== req.id.toLowerCase());
    const properties = checkSubnet(req.name, req.properties, vnet, siblings.map((s) => ({ name: s.name, prefix: subnetPrefix(s.properties) })));
    if (existing && subnetPrefix(existing.properties) !== properties.addressPrefix && ctx.usersOf(existing.id).length > 0) {
      throw badRequest('InUseSubnetCannotBeUpdated', `Subnet ${req.name} is in use and its address prefix cannot be updated.`);
    }
    return { properties };
  },
  inUse: (resource, user) => inUseSubnet(resource, user),
  render(ctx, resource, properties) {
    const users = ctx.usersOf(resource.id);
    if (users.length > 0) properties.ipConfigurations = users.map((u) => ({ id: u.via }));
  },
};

export const inUseSubnet = (resource: Resource, user: Resource) =>
  badRequest('InUseSubnetCannotBeDeleted',
    `Subnet ${resource.name} is in use by ${user.id} and cannot be deleted. In order to delete the subnet, delete all the resources within the subnet.`);

export function subnetPrefix(properties: Json): string | undefined {
  return str(properties.addressPrefix) ?? str(arr(properties.addressPrefixes)[0]);
}

export function vnetPrefixes(vnet: Resource): string[] {
  return arr(obj(vnet.properties.addressSpace)?.addressPrefixes).filter((p): p is string => typeof p === 'string');
}

/** Validates one subnet against its VNet's address space and its siblings; returns its stored properties. */
export function checkSubnet(name: string, properties: Json, vnet: Resource, siblings: { name: string; prefix: string | undefined }[]): Json {
  const prefix = subnetPrefix(properties);
  if (!prefix) throw invalidRequest(`Subnet ${name}: properties.addressPrefix is required.`);
  const cidr = parseCidr(prefix);
  if (!cidr) throw invalidRequest(`Subnet ${name}: ${prefix} is not a valid CIDR.`);
  const canonical = `${formatIp(cidr.base)}/${cidr.bits}`;
  if (canonical !== prefix) {
    throw badRequest('InvalidCIDRNotation',
      `The address prefix ${prefix} in resource ${vnet.id}/subnets/${name} has an invalid CIDR notation. For the given prefix length, the address prefix should be ${canonical}.`);
  }
  const space = vnetPrefixes(vnet).map(parseCidr).filter((c): c is Cidr => c !== undefined);
  if (!space.some((c) => contains(c, cidr))) {
    throw badRequest('NetcfgInvalidSubnet', `Subnet '${name}' is not valid in virtual network '${vnet.name}'.`);
  }
  for (const s of siblings) {
    const other = s.prefix ? parseCidr(s.prefix) : undefined;
    if (other && overlaps(other, cidr)) {
      throw badRequest('NetcfgSubnetRangesOverlap', `Subnet '${name}' is not valid because its IP address range overlaps with that of an existing subnet '${s.name}' in virtual network '${vnet.name}'.`);
    }
  }
  return { ...writable(properties, ['ipConfigurations', 'addressPrefixes']), addressPrefix: prefix };
}
