import { badRequest } from '../errors.js';
import { obj, str } from '../json.js';
import { resourceGuid, writable } from './common.js';
import type { ResourceSpec } from './spec.js';

export const publicIpAddress: ResourceSpec = {
  type: 'Microsoft.Network/publicIPAddresses',
  latency: { put: 15, delete: 15 },
  hasLocation: true,
  prepare(ctx, req, existing) {
    // Basic public IPs were retired in 2025, so Standard is the default SKU.
    const sku = obj(req.body.sku) ?? { name: 'Standard', tier: 'Regional' };
    const method = str(req.properties.publicIPAllocationMethod) ?? (sku.name === 'Standard' ? 'Static' : 'Dynamic');
    if (sku.name === 'Standard' && method !== 'Static') {
      throw badRequest('StandardSkuPublicIPAddressesMustBeStatic', `Standard sku publicIp ${req.id} must have AllocationMethod set to Static.`);
    }
    // The address is known at creation, so AWS customer gateways can be made before the VPN gateway.
    const kept = str(existing?.properties.ipAddress);
    return {
      properties: {
        ...writable(req.properties, ['ipAddress', 'ipConfiguration']),
        publicIPAllocationMethod: method,
        publicIPAddressVersion: str(req.properties.publicIPAddressVersion) ?? 'IPv4',
        idleTimeoutInMinutes: req.properties.idleTimeoutInMinutes ?? 4,
        ipAddress: kept ?? ctx.allocatePublicIp(),
        resourceGuid: resourceGuid(existing),
      },
      extra: { sku, ...(req.body.zones !== undefined ? { zones: req.body.zones } : {}) },
    };
  },
  inUse: (resource, user) => badRequest('PublicIPAddressInUse',
    `Public IP address ${resource.id} can not be deleted since it is still allocated to resource ${user.id}. In order to delete the public IP, disassociate/detach the Public IP address from the resource.`),
  render(ctx, resource, properties) {
    const user = ctx.usersOf(resource.id)[0];
    if (user) properties.ipConfiguration = { id: user.via };
  },
};
