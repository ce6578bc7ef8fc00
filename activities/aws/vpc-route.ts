/**
 * The VPC's route to the Azure VNet through the Transit Gateway. TGW propagation never
 * reaches VPC route tables (docs/domain-rules.md, "AWS side"), so the route is explicit,
 * in every route table the attachment subnets use.
 */
import { CreateRouteCommand, DeleteRouteCommand, DescribeRouteTablesCommand, DescribeTransitGatewaysCommand, DescribeVpcsCommand, type Route, type RouteTable } from '@aws-sdk/client-ec2';
import { ApplicationFailure } from '@temporalio/common';
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
      const transitGatewayId = await taggedId(clients, node.params.scope, node.params.transitGatewayNode);
      const routed = tables.map((table) => ({
        id: table.RouteTableId ?? '',
        routed: transitGatewayId !== undefined && routeTo(table, node.params.destinationCidr)?.TransitGatewayId === transitGatewayId,
      }));
      return routed.some((t) => t.routed) ? { tables: routed } : undefined;
    },
    async create(node, outputs) {
      const tables = await routeTables(clients, node.params.scope, node.params.vpc);
      const transitGatewayId = dependency(outputs, node.params.transitGatewayNode).cloudId;
      for (const table of tables) {
        const existing = routeTo(table, node.params.destinationCidr);
        if (existing?.TransitGatewayId === transitGatewayId) continue;
        // Another target for the same prefix is someone else's route: replacing it would cut their traffic.
        if (existing) throw foreignRoute(node.params, table.RouteTableId ?? '', existing);
        await ec2(node).send(new CreateRouteCommand({ RouteTableId: table.RouteTableId, DestinationCidrBlock: node.params.destinationCidr, TransitGatewayId: transitGatewayId }));
      }
      // Every table now routes through the mesh's gateway (EC2 answers a route create once it is in the table):
      // what a describe would find, so none confirms it. Without a table (the VPC not listed yet) the engine looks again.
      return tables.length > 0 ? { tables: tables.map((table) => ({ id: table.RouteTableId ?? '', routed: true })) } : undefined;
    },
    phase: ({ tables }) => {
      const missing = tables.filter((t) => !t.routed).map((t) => t.id);
      return missing.length === 0 ? ready() : { is: 'drifted', detail: `no route in ${missing.join(', ')}` };
    },
    output: ({ tables }) => ({ cloudId: tables.map((t) => t.id).join(','), state: 'active' }),
    // Only routes through this mesh's Transit Gateway are listed as routed, so only they are deleted.
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

async function taggedId(clients: CloudClients, scope: MeshScope, transitGatewayNode: string): Promise<string | undefined> {
  const { TransitGateways = [] } = await clients.ec2(scope.aws.region).send(new DescribeTransitGatewaysCommand({ Filters: identityFilters(scope, transitGatewayNode) }));
  return TransitGateways.find((tgw) => tgw.State !== 'deleted')?.TransitGatewayId;
}

function routeTo(table: RouteTable, destinationCidr: string): Route | undefined {
  return (table.Routes ?? []).find((r) => r.DestinationCidrBlock === destinationCidr);
}

function foreignRoute(params: Params, tableId: string, route: Route): ApplicationFailure {
  const target = route.TransitGatewayId ?? route.GatewayId ?? route.VpcPeeringConnectionId ?? route.NatGatewayId ?? route.NetworkInterfaceId ?? route.InstanceId ?? 'another target';
  return ApplicationFailure.nonRetryable(
    `route table ${tableId} already routes ${params.destinationCidr} to ${target}, which mesh ${params.scope.mesh} did not create; cellbridge never replaces or deletes it: remove that route or choose another azure.vnet.cidr`,
    'ForeignResource',
  );
}
