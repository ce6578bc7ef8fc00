/**
 * One Azure connection per AWS tunnel: IKEv2, BGP, the tunnel's own key and the pinned
 * policy, with custom BGP addresses for both gateway instances (docs/domain-rules.md,
 * "Pitfall: custom BGP addresses on every connection"). The key is read from AWS inside
 * this activity and goes straight into the request body.
 */
import type { VirtualNetworkGatewayConnection } from '@azure/arm-network';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import { IPSEC_POLICY } from '../../domain/ipsec-policy.ts';
import { tunnelPreSharedKey } from '../aws/vpn.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency } from '../resource-handler.ts';
import { armResource, armTags } from './arm-resource.ts';
import { ipConfigurationId } from './vpn-gateway.ts';

type Params = BackboneParams['azure.connection'];

export function connectionHandler(clients: CloudClients) {
  const connections = (p: Params) => clients.network(p.scope.azure.subscriptionId).virtualNetworkGatewayConnections;
  return armResource<Params, VirtualNetworkGatewayConnection>({
    get: ({ params }) => connections(params).get(params.scope.azure.resourceGroup, params.name),
    put: async ({ id, params }, outputs, abortSignal) => {
      const gatewayId = dependency(outputs, params.gatewayNode).cloudId;
      const vpnConnectionId = dependency(outputs, params.vpnConnectionNode).cloudId;
      const sharedKey = await tunnelPreSharedKey(clients, params.scope.aws.region, vpnConnectionId, params.tunnel.insideCidr);
      const body: VirtualNetworkGatewayConnection = {
        location: params.scope.azure.location,
        tags: armTags(params.scope, id),
        connectionType: 'IPsec',
        connectionProtocol: 'IKEv2',
        virtualNetworkGateway1: { id: gatewayId },
        localNetworkGateway2: { id: dependency(outputs, params.localGatewayNode).cloudId },
        sharedKey,
        enableBgp: true,
        gatewayCustomBgpIpAddresses: params.customBgpAddresses.map((address, instance) => ({
          ipConfigurationId: ipConfigurationId(gatewayId, instance),
          customBgpIpAddress: address,
        })),
        ipsecPolicies: [IPSEC_POLICY.azure],
        usePolicyBasedTrafficSelectors: false,
        dpdTimeoutSeconds: 45,
        connectionMode: 'Default',
      };
      return connections(params).beginCreateOrUpdateAndWait(params.scope.azure.resourceGroup, params.name, body, { abortSignal });
    },
    remove: ({ params }, abortSignal) => connections(params).beginDeleteAndWait(params.scope.azure.resourceGroup, params.name, { abortSignal }),
    attributes: (c) => ({ connectionStatus: c.connectionStatus ?? 'Unknown' }),
  });
}
