import { badRequest, invalidRequest } from '../errors.js';
import { arr, obj, str, type Json } from '../json.js';
import { parseCidr } from '../ipv4.js';
import type { Resource } from '../store.js';
import { newEtag, resourceGuid, writable } from './common.js';
import type { ResourceSpec } from './spec.js';
import { SUBNET_TYPE, checkSubnet, inUseSubnet, subnetPrefix } from './subnet.js';

export const virtualNetwork: ResourceSpec = {
  type: 'Microsoft.Network/virtualNetworks',
  latency: { put: 15, delete: 15 },
  hasLocation: true,
  prepare(ctx, req, existing) {
    const prefixes = arr(obj(req.properties.addressSpace)?.addressPrefixes);
    if (prefixes.length === 0) throw invalidRequest('properties.addressSpace.addressPrefixes must list at least one CIDR.');
    for (const p of prefixes) {
      if (typeof p !== 'string' || !parseCidr(p)) throw invalidRequest(`Address prefix ${JSON.stringify(p)} is not a valid CIDR.`);
    }
    const draft: Resource = { ...(existing ?? blank(req.id, req.name, this.type)), properties: { addressSpace: { addressPrefixes: prefixes } } };

    // ARM semantics: the inline list replaces the VNet's subnets, so omitting one deletes it.
    const wanted: { name: string; properties: Json }[] = [];
    for (const s of arr(req.properties.subnets)) {
      const name = str(obj(s)?.name);
      if (!name) throw invalidRequest('Every inline subnet needs a name.');
      const properties = checkSubnet(name, obj(obj(s)?.properties) ?? {}, draft, wanted.map((w) => ({ name: w.name, prefix: subnetPrefix(w.properties) })));
      wanted.push({ name, properties });
    }
    const current = existing ? ctx.store.children(existing.id, SUBNET_TYPE) : [];
    const removed = current.filter((c) => !wanted.some((w) => w.name.toLowerCase() === c.name.toLowerCase()));
    for (const r of removed) {
      const user = ctx.usersOf(r.id)[0];
      if (user) throw inUseSubnet(r, user.resource);
    }
    for (const w of wanted) {
      const before = current.find((c) => c.name.toLowerCase() === w.name.toLowerCase());
      if (before && subnetPrefix(before.properties) !== w.properties.addressPrefix && ctx.usersOf(before.id).length > 0) {
        throw badRequest('InUseSubnetCannotBeUpdated', `Subnet ${before.name} is in use and its address prefix cannot be updated.`);
      }
    }

    return {
      properties: {
        ...writable(req.properties, ['subnets']),
        addressSpace: { addressPrefixes: prefixes },
        resourceGuid: resourceGuid(existing),
      },
      commit(resource, operationId) {
        for (const r of removed) ctx.store.remove(r.id);
        for (const w of wanted) {
          const before = current.find((c) => c.name.toLowerCase() === w.name.toLowerCase());
          ctx.store.put({
            ...(before ?? blank(`${resource.id}/subnets/${w.name}`, w.name, SUBNET_TYPE)),
            properties: w.properties,
            provisioningState: 'Updating',
            etag: newEtag(),
            busy: operationId,
          });
        }
      },
    };
  },
  render(ctx, resource, properties) {
    properties.subnets = ctx.store.children(resource.id, SUBNET_TYPE).map((s) => ctx.render(s));
  },
};

function blank(id: string, name: string, type: string): Resource {
  return { id, name, type, extra: {}, properties: {}, provisioningState: 'Updating', etag: newEtag() };
}
