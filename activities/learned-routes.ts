/**
 * What each side of the backbone learned from the other over BGP, read from the clouds:
 * the Azure VPN gateway's learned routes that came from the mesh's AWS tunnel peers
 * (origin EBgp), and the routes the Transit Gateway's route table learned by propagation
 * from its VPN attachments. Read-only, so retrying it is always safe.
 */
import { DescribeTransitGatewaysCommand, SearchTransitGatewayRoutesCommand } from '@aws-sdk/client-ec2';
import type { TunnelPlan } from '../domain/apipa-plan.ts';
import { ID, type MeshScope } from '../domain/backbone-graph.ts';
import type { LearnedRoutes } from '../domain/east-west-routable.ts';
import { identityFilters } from './aws/tags.ts';
import type { AwaitOperation } from './azure/lro.ts';
import type { CloudClients } from './cloud-clients.ts';
import { toFailure } from './cloud-errors.ts';

export interface ObserveLearnedRoutesInput {
  scope: MeshScope;
  gatewayName: string;
  tunnels: TunnelPlan[];
}

export async function observeLearnedRoutes(clients: CloudClients, lro: AwaitOperation, input: ObserveLearnedRoutesInput): Promise<LearnedRoutes> {
  try {
    const [azureFromAws, awsFromAzure] = await Promise.all([azureLearned(clients, lro, input), awsLearned(clients, input.scope)]);
    return { azureFromAws, awsFromAzure };
  } catch (error) {
    throw toFailure(error, 'observe learned routes');
  }
}

/** Routes from a peer in another AS, and only from the mesh's own AWS tunnel addresses. */
async function azureLearned(clients: CloudClients, lro: AwaitOperation, input: ObserveLearnedRoutesInput): Promise<string[]> {
  const { scope } = input;
  const peers = new Set(input.tunnels.map((t) => t.awsBgpAddress));
  const { value = [] } = (await lro(() => clients.network(scope.azure.subscriptionId).virtualNetworkGateways.beginGetLearnedRoutes(scope.azure.resourceGroup, input.gatewayName))) ?? {};
  return distinct(value.filter((r) => r.origin?.toLowerCase() === 'ebgp' && peers.has(r.sourcePeer ?? '')).map((r) => r.network));
}

/**
 * The routes the VPC's traffic sees: the table its attachment is associated with (the
 * Transit Gateway's default, which the mesh enables), those propagated by VPN attachments.
 */
async function awsLearned(clients: CloudClients, scope: MeshScope): Promise<string[]> {
  const ec2 = clients.ec2(scope.aws.region);
  const { TransitGateways = [] } = await ec2.send(new DescribeTransitGatewaysCommand({ Filters: identityFilters(scope, ID.transitGateway) }));
  const table = TransitGateways.find((tgw) => tgw.State === 'available')?.Options?.AssociationDefaultRouteTableId;
  if (!table) return [];
  const { Routes = [] } = await ec2.send(new SearchTransitGatewayRoutesCommand({
    TransitGatewayRouteTableId: table,
    Filters: [
      { Name: 'type', Values: ['propagated'] },
      { Name: 'state', Values: ['active'] },
      { Name: 'attachment.resource-type', Values: ['vpn'] },
    ],
    MaxResults: 1000,
  }));
  return distinct(Routes.map((r) => r.DestinationCidrBlock));
}

function distinct(prefixes: (string | undefined)[]): string[] {
  return [...new Set(prefixes.filter((p): p is string => !!p))].sort();
}
