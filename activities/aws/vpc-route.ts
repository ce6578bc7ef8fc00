/**
 * The VPC's route to the Azure VNet through the Transit Gateway. TGW propagation never
 * reaches VPC route tables (reference/domain.md A.3 step 3), so the route is explicit,
 * in every route table the attachment subnets use.
 */
import { CreateRouteCommand, DeleteRouteCommand, DescribeRouteTablesCommand, DescribeVpcsCommand, type RouteTable } from '@aws-sdk/client-ec2';
import type { BackboneParams, MeshScope, VpcLocator } from '../../domain/backbone-graph.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { dependency, ready, type ResourceHandler } from '../resource-handler.ts';
import { identityFilters } from './tags.ts';

type Params = BackboneParams['aws.vpcRoute'];

interface RoutedTables {
  tables: { id: string; routed: boolean }[];
}

export function vpcRouteHandler(clients: CloudClients): ResourceHandler<Params, RoutedTables> {
  const ec2 = (node: ResourceNode<string, Params>) => clients.ec2(node.params.scope.aws.region);
  return {
    async describe(node) {
      const tables = await routeTables(clients, node.params.scope, node.params.vpc);
      const routed = tables.map((table) => ({
        id: table.RouteTableId ?? '',
        routed: (table.Routes ?? []).some((r) => r.DestinationCidrBlock === node.params.destinationCidr && r.TransitGatewayId !== undefined),
      }));
      return routed.some((t) => t.routed) ? { tables: routed } : undefined;
    },
    async create(node, outputs) {
      const tables = await routeTables(clients, node.params.scope, node.params.vpc);
      const transitGatewayId = dependency(outputs, node.params.transitGatewayNode).cloudId;
      for (const table of tables) {
        if ((table.Routes ?? []).some((r) => r.DestinationCidrBlock === node.params.destinationCidr)) continue;
        await ec2(node).send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: node.params.destinationCidr, TransitGatewayId: transitGatewayId }));
      }
    },
    phase: ({ tables }) => {
      const missing = tables.filter((t) => !t.routed).map((t) => t.id);
      return missing.length === 0 ? ready() : { is: 'drifted', detail: `no route in ${missing.join(', ')}` };
    },
    output: ({ tables }) => ({ cloudId: tables.map((t) => t.id).join(','), state: 'active' }),
    async delete({ tables }, node) {
      for (const table of tables.filter((t) => t.routed)) {
        await ec2(node).send(new DeleteRouteCommand({ RouteTableId: table.id, DestinationCidrBlock: node.params.destinationCidr }));
      }
    },
  };
}

/** The main table, plus the tables explicitly associated with an existing VPC's subnets. */
async function routeTables(clients: CloudClients, scope: MeshScope, locator: VpcLocator): Promise<RouteTable[]> {
  const ec2 = clients.ec2(scope.aws.region);
  const vpcId = 'vpcId' in locator ? locator.vpcId : await taggedVpcId(clients, scope, locator.node);
  if (vpcId === undefined) return [];
  const { RouteTables = [] } = await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }] }));
  const subnetIds = 'subnetIds' in locator ? locator.subnetIds : [];
  return RouteTables.filter((table) => (table.Associations ?? []).some((a) => a.Main === true || (a.SubnetId !== undefined && subnetIds.includes(a.SubnetId))));
}

async function taggedVpcId(clients: CloudClients, scope: MeshScope, node: string): Promise<string | undefined> {
  const { Vpcs } = await clients.ec2(scope.aws.region).send(new DescribeVpcsCommand({ Filters: identityFilters(scope, node) }));
  return Vpcs?.[0]?.VpcId;
}
