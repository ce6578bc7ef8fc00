/**
 * Azure's model of one AWS tunnel endpoint. Its BGP peer is AWS's `.1` (the "VGW inside"
 * address), never Azure's own `.2` (docs/domain-rules.md, "Pitfall: local network gateway
 * peers with AWS's address"). The address space stays empty: routes come from BGP, and
 * APIPA cannot be entered there. The body comes from domain/local-gateway-parameters.ts.
 */
import type { LocalNetworkGateway } from '@azure/arm-network';
import type { BackboneParams } from '../../domain/backbone-graph.ts';
import { localGatewayDrift, localGatewayParameters } from '../../domain/local-gateway-parameters.ts';
import type { Outputs } from '../../domain/resource-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency } from '../resource-handler.ts';
import { armResource, armTags } from './arm-resource.ts';
import type { AwaitOperation } from './lro.ts';

type Params = BackboneParams['azure.localNetworkGateway'];

export function localNetworkGatewayHandler(clients: CloudClients, lro: AwaitOperation) {
  const gateways = (p: Params) => clients.network(p.scope.azure.subscriptionId).localNetworkGateways;
  return armResource<Params, LocalNetworkGateway>({
    get: ({ params }) => gateways(params).get(params.scope.azure.resourceGroup, params.name),
    put: ({ id, params }, outputs, abortSignal) =>
      lro(() => gateways(params).beginCreateOrUpdate(
        params.scope.azure.resourceGroup,
        params.name,
        { location: params.scope.azure.location, tags: armTags(params.scope, id), ...localGatewayParameters(params, outsideIp(params, outputs)) },
        { abortSignal },
      ), abortSignal),
    fieldDrift: async (observed, { params }, outputs) => localGatewayDrift(localGatewayParameters(params, outsideIp(params, outputs)), observed),
    remove: ({ params }, abortSignal) => lro(() => gateways(params).beginDelete(params.scope.azure.resourceGroup, params.name, { abortSignal }), abortSignal),
    drift: (lng, { params }) =>
      lng.bgpSettings?.bgpPeeringAddress === params.tunnel.awsBgpAddress && lng.bgpSettings?.asn === params.awsAsn
        ? undefined
        : `BGP peer is ${lng.bgpSettings?.bgpPeeringAddress} AS ${lng.bgpSettings?.asn}, the plan says ${params.tunnel.awsBgpAddress} AS ${params.awsAsn}`,
    attributes: (lng) => ({ gatewayIpAddress: lng.gatewayIpAddress ?? '' }),
  });
}

/** The AWS tunnel's outside address, paired by inside CIDR, never by the position of the tunnel in AWS's answer. */
function outsideIp(params: Params, outputs: Outputs): string {
  const ip = dependency(outputs, params.vpnConnectionNode).attributes?.[params.tunnel.insideCidr];
  if (!ip) throw new Error(`AWS reports no tunnel with inside CIDR ${params.tunnel.insideCidr} on ${params.vpnConnectionNode}`);
  return ip;
}
