/**
 * The active-active, route-based, BGP-enabled VPN gateway: the 45-minute resource the
 * whole mesh waits on. Each instance (IP configuration) carries the custom APIPA
 * addresses of the two tunnels it terminates (docs/domain-rules.md, "Azure side"). The
 * body comes from domain/vpn-gateway-parameters.ts.
 */
import type { VirtualNetworkGateway } from '@azure/arm-network';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import type { Outputs } from '../../domain/resource-graph.ts';
import { customBgpAddressesDrift, vpnGatewayBgpSettings, vpnGatewayDrift, vpnGatewayParameters, type VpnGatewayInputs } from '../../domain/vpn-gateway-parameters.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency } from '../resource-handler.ts';
import { armResource, armTags, networkResourceId } from './arm-resource.ts';
import type { AwaitOperation } from './lro.ts';

type Params = BackboneParams['azure.vpnGateway'];

export function vpnGatewayHandler(clients: CloudClients, lro: AwaitOperation) {
  const gateways = (p: Params) => clients.network(p.scope.azure.subscriptionId).virtualNetworkGateways;
  return armResource<Params, VirtualNetworkGateway>({
    get: ({ params }) => gateways(params).get(params.scope.azure.resourceGroup, params.name),
    put: ({ id, params }, outputs, abortSignal) => {
      const body: VirtualNetworkGateway = { location: params.scope.azure.location, tags: armTags(params.scope, id), ...vpnGatewayParameters(params, inputs(params, outputs)) };
      return lro(() => gateways(params).beginCreateOrUpdate(params.scope.azure.resourceGroup, params.name, body, { abortSignal }), abortSignal);
    },
    remove: ({ params }, abortSignal) => lro(() => gateways(params).beginDelete(params.scope.azure.resourceGroup, params.name, { abortSignal }), abortSignal),
    // Custom BGP addresses not as planned leave the tunnels down: a create that finds them so PUTs them back. An ASN
    // changed by hand is left to the drift check (fieldDrift) and its repair by update, as a change of the ASN is.
    drift: (gateway, { params }) => {
      const drifts = customBgpAddressesDrift(vpnGatewayBgpSettings(params, gatewayId(params)), gateway);
      return drifts.length === 0 ? undefined : drifts.map((d) => `${d.field} is ${d.actual}, the plan says ${d.expected}`).join('; ');
    },
    fieldDrift: async (gateway, { params }, outputs) => vpnGatewayDrift(vpnGatewayParameters(params, inputs(params, outputs)), gateway),
  });
}

function inputs(params: Params, outputs: Outputs): VpnGatewayInputs {
  return {
    gatewayId: gatewayId(params),
    subnetId: dependency(outputs, params.subnetNode).cloudId,
    publicIpIds: [dependency(outputs, params.publicIpNodes[0]).cloudId, dependency(outputs, params.publicIpNodes[1]).cloudId],
  };
}

function gatewayId(params: Params): string {
  return networkResourceId(params.scope, 'virtualNetworkGateways', params.name);
}
