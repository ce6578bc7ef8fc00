/**
 * The VNet and its GatewaySubnet. Subnets are managed through the subnets API only: a PUT
 * of the VNet replaces its inline subnets (docs/domain-rules.md, "Azure side"), so the
 * VNet is created without subnets and never "converged". A new address range (a live mesh's
 * change) is a PUT of the VNet as it is read, subnets included, with only the range replaced:
 * Azure takes it while every subnet stays inside the range (docs/live-backbone.md).
 */
import type { Subnet, VirtualNetwork } from '@azure/arm-network';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { armResource, armTags } from './arm-resource.ts';
import type { AwaitOperation } from './lro.ts';

export function virtualNetworkHandler(clients: CloudClients, lro: AwaitOperation) {
  const vnets = (p: BackboneParams['azure.virtualNetwork']) => clients.network(p.scope.azure.subscriptionId).virtualNetworks;
  return armResource<BackboneParams['azure.virtualNetwork'], VirtualNetwork>({
    get: ({ params }) => vnets(params).get(params.scope.azure.resourceGroup, params.name),
    put: ({ id, params }, _outputs, abortSignal) =>
      lro(() => vnets(params).beginCreateOrUpdate(
        params.scope.azure.resourceGroup,
        params.name,
        { location: params.scope.azure.location, tags: armTags(params.scope, id), addressSpace: { addressPrefixes: [params.cidr] } },
        { abortSignal },
      ), abortSignal),
    update: (observed, { id, params }, abortSignal) =>
      lro(() => vnets(params).beginCreateOrUpdate(
        params.scope.azure.resourceGroup,
        params.name,
        { ...observed, tags: armTags(params.scope, id), addressSpace: { addressPrefixes: [params.cidr] } },
        { abortSignal },
      ), abortSignal),
    remove: ({ params }, abortSignal) => lro(() => vnets(params).beginDelete(params.scope.azure.resourceGroup, params.name, { abortSignal }), abortSignal),
  });
}

export function subnetHandler(clients: CloudClients, lro: AwaitOperation) {
  const subnets = (p: BackboneParams['azure.subnet']) => clients.network(p.scope.azure.subscriptionId).subnets;
  return armResource<BackboneParams['azure.subnet'], Subnet>({
    get: ({ params }) => subnets(params).get(params.scope.azure.resourceGroup, params.virtualNetwork, params.name),
    put: ({ params }, _outputs, abortSignal) =>
      lro(() => subnets(params).beginCreateOrUpdate(params.scope.azure.resourceGroup, params.virtualNetwork, params.name, { addressPrefix: params.cidr }, { abortSignal }), abortSignal),
    remove: ({ params }, abortSignal) =>
      lro(() => subnets(params).beginDelete(params.scope.azure.resourceGroup, params.virtualNetwork, params.name, { abortSignal }), abortSignal),
    drift: (subnet, { params }) => (subnet.addressPrefix === params.cidr ? undefined : `prefix is ${subnet.addressPrefix}, the spec says ${params.cidr}`),
    untagged: true,
  });
}
