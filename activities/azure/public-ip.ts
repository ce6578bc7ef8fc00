/** A gateway instance's public IP. Its address exists at once, so AWS can build its side before the gateway does. */
import type { PublicIPAddress } from '@azure/arm-network';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { armResource, armTags } from './arm-resource.ts';
import type { AwaitOperation } from './lro.ts';

export function publicIpHandler(clients: CloudClients, lro: AwaitOperation) {
  const ips = (p: BackboneParams['azure.publicIp']) => clients.network(p.scope.azure.subscriptionId).publicIPAddresses;
  return armResource<BackboneParams['azure.publicIp'], PublicIPAddress>({
    get: ({ params }) => ips(params).get(params.scope.azure.resourceGroup, params.name),
    put: ({ id, params }, _outputs, abortSignal) =>
      lro(() => ips(params).beginCreateOrUpdate(
        params.scope.azure.resourceGroup,
        params.name,
        {
          location: params.scope.azure.location,
          tags: armTags(params.scope, id),
          sku: { name: 'Standard', tier: 'Regional' },
          publicIPAllocationMethod: 'Static',
          // Zone-redundant, as the AZ gateway SKUs expect.
          zones: ['1', '2', '3'],
        },
        { abortSignal },
      ), abortSignal),
    remove: ({ params }, abortSignal) => lro(() => ips(params).beginDelete(params.scope.azure.resourceGroup, params.name, { abortSignal }), abortSignal),
    attributes: (ip) => ({ ipAddress: ip.ipAddress ?? '' }),
  });
}
