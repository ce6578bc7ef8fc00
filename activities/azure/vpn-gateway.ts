/**
 * The active-active, route-based, BGP-enabled VPN gateway: the 45-minute resource the
 * whole mesh waits on. Each instance (IP configuration) carries the custom APIPA
 * addresses of the two tunnels it terminates (docs/domain-rules.md, "Azure side").
 */
import type { VirtualNetworkGateway } from '@azure/arm-network';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency } from '../resource-handler.ts';
import { armResource, armTags, networkResourceId } from './arm-resource.ts';
import type { AwaitOperation } from './lro.ts';

type Params = BackboneParams['azure.vpnGateway'];

export function ipConfigurationId(gatewayId: string, instance: number): string {
  return `${gatewayId}/ipConfigurations/ipcfg${instance}`;
}

export function vpnGatewayHandler(clients: CloudClients, lro: AwaitOperation) {
  const gateways = (p: Params) => clients.network(p.scope.azure.subscriptionId).virtualNetworkGateways;
  return armResource<Params, VirtualNetworkGateway>({
    get: ({ params }) => gateways(params).get(params.scope.azure.resourceGroup, params.name),
    put: ({ id, params }, outputs, abortSignal) => {
      const gatewayId = networkResourceId(params.scope, 'virtualNetworkGateways', params.name);
      const subnetId = dependency(outputs, params.subnetNode).cloudId;
      const body: VirtualNetworkGateway = {
        location: params.scope.azure.location,
        tags: armTags(params.scope, id),
        gatewayType: 'Vpn',
        vpnType: 'RouteBased',
        vpnGatewayGeneration: 'Generation2',
        sku: { name: 'VpnGw2AZ', tier: 'VpnGw2AZ' },
        // `active` is serialised as properties.activeActive.
        active: true,
        enableBgp: true,
        ipConfigurations: params.publicIpNodes.map((pipNode, i) => ({
          name: `ipcfg${i}`,
          privateIPAllocationMethod: 'Dynamic',
          subnet: { id: subnetId },
          publicIPAddress: { id: dependency(outputs, pipNode).cloudId },
        })),
        bgpSettings: {
          asn: params.asn,
          bgpPeeringAddresses: params.instanceBgpAddresses.map((addresses, i) => ({
            // Lower-case "c" here, upper-case in a connection's gatewayCustomBgpIpAddresses.
            ipconfigurationId: ipConfigurationId(gatewayId, i),
            customBgpIpAddresses: addresses,
          })),
        },
      };
      return lro(() => gateways(params).beginCreateOrUpdate(params.scope.azure.resourceGroup, params.name, body, { abortSignal }), abortSignal);
    },
    remove: ({ params }, abortSignal) => lro(() => gateways(params).beginDelete(params.scope.azure.resourceGroup, params.name, { abortSignal }), abortSignal),
    drift: (gateway, { params }) => {
      const actual = (gateway.bgpSettings?.bgpPeeringAddresses ?? []).map((a) => (a.customBgpIpAddresses ?? []).join(','));
      const planned = params.instanceBgpAddresses.map((a) => a.join(','));
      return actual.join('|') === planned.join('|') ? undefined : `custom BGP addresses are ${actual.join(' / ')}, the plan says ${planned.join(' / ')}`;
    },
  });
}
