/**
 * The BGP backbone as a resource graph: four tunnels, active-active, built in the order
 * of (docs/domain-rules.md, "Backbone topology"). The Azure VPN gateway only waits for
 * its subnet and public IPs, so it starts within seconds; the AWS side needs only the
 * public IPs; local network gateways need only the AWS tunnels; connections need both
 * gateways.
 */
import { connectionBgpAddresses, gatewayInstanceAddresses, planTunnels, type TunnelPlan } from './apipa-plan.ts';
import type { MeshSpec } from './mesh-spec.ts';
import { backboneNames, type NamingVersion } from './names.ts';
import type { ResourceNode } from './resource-graph.ts';

/** Identity shared by every node of a mesh: where it lives, how it is tagged and named. */
export interface MeshScope {
  mesh: string;
  /** Absent in the inputs of meshes built before naming versions existed: version 1. */
  naming?: NamingVersion;
  aws: { region: string };
  azure: { subscriptionId: string; resourceGroup: string; location: string };
}

export interface BackboneParams {
  'aws.vpc': { scope: MeshScope; name: string; cidr: string };
  'aws.existingVpc': { scope: MeshScope; vpcId: string; cidr: string };
  'aws.subnet': { scope: MeshScope; name: string; cidr: string; availabilityZone: string; vpcNode: string };
  'aws.existingSubnet': { scope: MeshScope; subnetId: string };
  'aws.transitGateway': { scope: MeshScope; name: string; amazonSideAsn: number };
  'aws.transitGatewayVpcAttachment': { scope: MeshScope; name: string; vpcNode: string; subnetNodes: string[]; transitGatewayNode: string };
  'aws.vpcRoute': { scope: MeshScope; destinationCidr: string; vpc: VpcLocator; transitGatewayNode: string };
  'aws.customerGateway': { scope: MeshScope; name: string; bgpAsn: number; publicIpNode: string };
  'aws.vpnConnection': { scope: MeshScope; name: string; tunnels: TunnelPlan[]; customerGatewayNode: string; transitGatewayNode: string };
  'azure.resourceGroup': { scope: MeshScope; name: string };
  'azure.virtualNetwork': { scope: MeshScope; name: string; cidr: string };
  'azure.subnet': { scope: MeshScope; name: string; virtualNetwork: string; cidr: string };
  'azure.publicIp': { scope: MeshScope; name: string };
  'azure.vpnGateway': {
    scope: MeshScope;
    name: string;
    asn: number;
    instanceBgpAddresses: [string[], string[]];
    subnetNode: string;
    publicIpNodes: [string, string];
  };
  'azure.localNetworkGateway': { scope: MeshScope; name: string; tunnel: TunnelPlan; awsAsn: number; vpnConnectionNode: string };
  'azure.connection': {
    scope: MeshScope;
    name: string;
    tunnel: TunnelPlan;
    customBgpAddresses: [string, string];
    gatewayNode: string;
    localGatewayNode: string;
    vpnConnectionNode: string;
  };
}

/** How the route activity finds the VPC's route tables: by the VPC node's tags, or the IDs the user gave. */
export type VpcLocator = { node: string } | { vpcId: string; subnetIds: string[] };

export type BackboneKind = keyof BackboneParams;
export type BackboneNode = { [K in BackboneKind]: ResourceNode<K, BackboneParams[K]> }[BackboneKind];

export const BACKBONE_KINDS: BackboneKind[] = [
  'aws.vpc', 'aws.existingVpc', 'aws.subnet', 'aws.existingSubnet', 'aws.transitGateway', 'aws.transitGatewayVpcAttachment',
  'aws.vpcRoute', 'aws.customerGateway', 'aws.vpnConnection', 'azure.resourceGroup', 'azure.virtualNetwork', 'azure.subnet',
  'azure.publicIp', 'azure.vpnGateway', 'azure.localNetworkGateway', 'azure.connection',
];

export const ID = {
  resourceGroup: 'azure/resource-group',
  vnet: 'azure/vnet',
  gatewaySubnet: 'azure/gateway-subnet',
  publicIp: (i: number) => `azure/public-ip/${i}`,
  vpnGateway: 'azure/vpn-gateway',
  localGateway: (t: number) => `azure/local-gateway/${t}`,
  connection: (t: number) => `azure/connection/${t}`,
  vpc: 'aws/vpc',
  subnet: (i: number) => `aws/subnet/${i}`,
  transitGateway: 'aws/transit-gateway',
  attachment: 'aws/tgw-attachment',
  route: 'aws/route-to-azure',
  customerGateway: (i: number) => `aws/customer-gateway/${i}`,
  vpnConnection: (i: number) => `aws/vpn-connection/${i}`,
};

export function meshScope(spec: MeshSpec, naming: NamingVersion): MeshScope {
  return {
    mesh: spec.name,
    naming,
    aws: { region: spec.aws.region },
    azure: { subscriptionId: spec.azure.subscriptionId, resourceGroup: spec.azure.resourceGroup, location: spec.azure.location },
  };
}

function node<K extends BackboneKind>(id: string, kind: K, params: BackboneParams[K], dependsOn: string[] = []): BackboneNode {
  return { id, kind, params, dependsOn } as BackboneNode;
}

export function backboneGraph(spec: MeshSpec, scope: MeshScope): { nodes: BackboneNode[] } {
  const plan = planTunnels(spec.backbone.tunnelInsideCidrs);
  return { nodes: [...azureNetwork(spec, scope, plan), ...awsNetwork(spec, scope), ...tunnels(spec, scope, plan)] };
}

function azureNetwork(spec: MeshSpec, scope: MeshScope, plan: TunnelPlan[]): BackboneNode[] {
  const names = backboneNames(spec.name);
  return [
    node(ID.resourceGroup, 'azure.resourceGroup', { scope, name: spec.azure.resourceGroup }),
    node(ID.vnet, 'azure.virtualNetwork', { scope, name: names.vnet, cidr: spec.azure.vnet.cidr }, [ID.resourceGroup]),
    node(ID.gatewaySubnet, 'azure.subnet', { scope, name: names.gatewaySubnet, virtualNetwork: names.vnet, cidr: spec.azure.vnet.gatewaySubnetCidr }, [ID.vnet]),
    ...[0, 1].map((i) => node(ID.publicIp(i), 'azure.publicIp', { scope, name: names.gatewayPublicIp(i) }, [ID.resourceGroup])),
    node(
      ID.vpnGateway,
      'azure.vpnGateway',
      {
        scope,
        name: names.vpnGateway,
        asn: spec.azure.gatewayAsn,
        instanceBgpAddresses: gatewayInstanceAddresses(plan),
        subnetNode: ID.gatewaySubnet,
        publicIpNodes: [ID.publicIp(0), ID.publicIp(1)],
      },
      [ID.gatewaySubnet, ID.publicIp(0), ID.publicIp(1)],
    ),
  ];
}

function awsNetwork(spec: MeshSpec, scope: MeshScope): BackboneNode[] {
  const names = backboneNames(spec.name);
  const { vpc } = spec.aws;
  const subnetIds = vpc.mode === 'create' ? vpc.subnets.map((_, i) => ID.subnet(i)) : vpc.subnetIds.map((_, i) => ID.subnet(i));
  const vpcNodes: BackboneNode[] =
    vpc.mode === 'create'
      ? [
          node(ID.vpc, 'aws.vpc', { scope, name: names.vpc, cidr: vpc.cidr }),
          ...vpc.subnets.map((s, i) =>
            node(ID.subnet(i), 'aws.subnet', { scope, name: names.subnet(i), cidr: s.cidr, availabilityZone: s.availabilityZone, vpcNode: ID.vpc }, [ID.vpc]),
          ),
        ]
      : [
          node(ID.vpc, 'aws.existingVpc', { scope, vpcId: vpc.vpcId, cidr: vpc.cidr }),
          ...vpc.subnetIds.map((subnetId, i) => node(ID.subnet(i), 'aws.existingSubnet', { scope, subnetId }, [ID.vpc])),
        ];
  return [
    ...vpcNodes,
    node(ID.transitGateway, 'aws.transitGateway', { scope, name: names.transitGateway, amazonSideAsn: spec.aws.transitGatewayAsn }),
    node(
      ID.attachment,
      'aws.transitGatewayVpcAttachment',
      { scope, name: names.attachment, vpcNode: ID.vpc, subnetNodes: subnetIds, transitGatewayNode: ID.transitGateway },
      [ID.transitGateway, ID.vpc, ...subnetIds],
    ),
    node(
      ID.route,
      'aws.vpcRoute',
      {
        scope,
        destinationCidr: spec.azure.vnet.cidr,
        vpc: vpc.mode === 'create' ? { node: ID.vpc } : { vpcId: vpc.vpcId, subnetIds: vpc.subnetIds },
        transitGatewayNode: ID.transitGateway,
      },
      [ID.attachment, ID.transitGateway],
    ),
  ];
}

function tunnels(spec: MeshSpec, scope: MeshScope, plan: TunnelPlan[]): BackboneNode[] {
  const names = backboneNames(spec.name);
  const perConnection = [0, 1].flatMap((i) => [
    node(ID.customerGateway(i), 'aws.customerGateway', { scope, name: names.customerGateway(i), bgpAsn: spec.azure.gatewayAsn, publicIpNode: ID.publicIp(i) }, [ID.publicIp(i)]),
    node(
      ID.vpnConnection(i),
      'aws.vpnConnection',
      {
        scope,
        name: names.vpnConnection(i),
        tunnels: plan.filter((t) => t.connection === i),
        customerGatewayNode: ID.customerGateway(i),
        transitGatewayNode: ID.transitGateway,
      },
      [ID.customerGateway(i), ID.transitGateway],
    ),
  ]);
  const perTunnel = plan.flatMap((tunnel) => [
    node(
      ID.localGateway(tunnel.index),
      'azure.localNetworkGateway',
      { scope, name: names.localGateway(tunnel.index), tunnel, awsAsn: spec.aws.transitGatewayAsn, vpnConnectionNode: ID.vpnConnection(tunnel.connection) },
      [ID.resourceGroup, ID.vpnConnection(tunnel.connection)],
    ),
    node(
      ID.connection(tunnel.index),
      'azure.connection',
      {
        scope,
        name: names.connection(tunnel.index),
        tunnel,
        customBgpAddresses: connectionBgpAddresses(plan, tunnel),
        gatewayNode: ID.vpnGateway,
        localGatewayNode: ID.localGateway(tunnel.index),
        vpnConnectionNode: ID.vpnConnection(tunnel.connection),
      },
      [ID.vpnGateway, ID.localGateway(tunnel.index), ID.vpnConnection(tunnel.connection)],
    ),
  ]);
  return [...perConnection, ...perTunnel];
}
