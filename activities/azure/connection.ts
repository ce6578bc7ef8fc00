/**
 * One Azure connection per AWS tunnel: IKEv2, BGP, the tunnel's own key and the pinned
 * policy, with custom BGP addresses for both gateway instances (docs/domain-rules.md,
 * "Pitfall: custom BGP addresses on every connection"), all from
 * domain/azure-connection-parameters.ts. The key is read from AWS inside this activity and
 * goes straight into the request body; the worker keeps it for the VPN connection's other
 * tunnel (activities/aws/tunnel-keys.ts).
 */
import type { VirtualNetworkGatewayConnection } from '@azure/arm-network';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import { connectionDrift, connectionParameters } from '../../domain/azure-connection-parameters.ts';
import type { Outputs } from '../../domain/resource-graph.ts';
import { ipConfigurationId } from '../../domain/vpn-gateway-parameters.ts';
import { readTunnelKeys, TunnelKeys } from '../aws/tunnel-keys.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency } from '../resource-handler.ts';
import { armResource, armTags } from './arm-resource.ts';
import { GatewayTurns } from './gateway-turns.ts';
import type { AwaitOperation } from './lro.ts';

type Params = BackboneParams['azure.connection'];

export function connectionHandler(clients: CloudClients, lro: AwaitOperation) {
  const connections = (p: Params) => clients.network(p.scope.azure.subscriptionId).virtualNetworkGatewayConnections;
  const turns = new GatewayTurns();
  const keys = new TunnelKeys(readTunnelKeys(clients));
  const gatewayOf = (p: Params) => `${p.scope.azure.subscriptionId}/${p.scope.azure.resourceGroup}/${p.gatewayNode}`;
  // Everything the PUT sends comes from one function, so the drift check compares with exactly that.
  // `freshKey`: the tunnel's key as AWS holds it now, not as this worker last read it.
  const desired = async (params: Params, outputs: Outputs, freshKey = false) => {
    const gatewayId = dependency(outputs, params.gatewayNode).cloudId;
    const vpnConnectionId = dependency(outputs, params.vpnConnectionNode).cloudId;
    return connectionParameters(params, {
      gatewayId,
      localGatewayId: dependency(outputs, params.localGatewayNode).cloudId,
      ipConfigurationIds: [ipConfigurationId(gatewayId, 0), ipConfigurationId(gatewayId, 1)],
      sharedKey: await keys.key(params.scope.aws.region, vpnConnectionId, params.tunnel.insideCidr, freshKey),
    });
  };
  return armResource<Params, VirtualNetworkGatewayConnection>({
    get: ({ params }) => connections(params).get(params.scope.azure.resourceGroup, params.name),
    put: ({ id, params }, outputs, abortSignal) =>
      turns.take(gatewayOf(params), abortSignal, async () => {
        const body: VirtualNetworkGatewayConnection = { location: params.scope.azure.location, tags: armTags(params.scope, id), ...(await desired(params, outputs)) };
        return lro(() => connections(params).beginCreateOrUpdate(params.scope.azure.resourceGroup, params.name, body, { abortSignal }), abortSignal);
      }),
    // ARM never returns the key with the connection: it is read from its own endpoint, and only its fingerprint leaves.
    fieldDrift: async (observed, { params }, outputs) => {
      const key = await connections(params).getSharedKey(params.scope.azure.resourceGroup, params.name);
      return connectionDrift(await desired(params, outputs, true), observed, key.value);
    },
    remove: ({ params }, abortSignal) =>
      turns.take(gatewayOf(params), abortSignal, () => lro(() => connections(params).beginDelete(params.scope.azure.resourceGroup, params.name, { abortSignal }), abortSignal)),
    attributes: (c) => ({ connectionStatus: c.connectionStatus ?? 'Unknown' }),
  });
}
