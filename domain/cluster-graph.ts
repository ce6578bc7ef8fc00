/**
 * The cells (clusters) as resource graph nodes, beside the backbone
 * (docs/domain-rules.md, "Clusters (EKS, AKS)"). Nothing here waits on the backbone: an
 * EKS cluster needs its IAM role and the VPC subnets, an AKS cluster its own subnet of
 * the VNet, so clusters build while the VPN gateway does. Teardown order falls out of the
 * edges: node group before cluster, cluster before its roles and subnets.
 */
import { ID as BACKBONE, type BackboneNode, type MeshScope } from './backbone-graph.ts';
import type { AksCell, Cell, EksCell, MeshSpec } from './mesh-spec.ts';
import { backboneNames, cellNames } from './names.ts';
import type { ResourceNode } from './resource-graph.ts';

export const EKS_CLUSTER_POLICIES = ['arn:aws:iam::aws:policy/AmazonEKSClusterPolicy'];
export const EKS_NODE_POLICIES = [
  'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
  'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
  'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
];

export interface ClusterParams {
  'aws.iamRole': { scope: MeshScope; name: string; trustedService: 'eks.amazonaws.com' | 'ec2.amazonaws.com'; managedPolicyArns: string[] };
  'aws.eksCluster': { scope: MeshScope; name: string; cell: string; kubernetesVersion: string; serviceCidr: string; roleNode: string; subnetNodes: string[] };
  /** Cluster admin for the orchestrator's own principal, resolved by the activity (STS), never stored in the spec. */
  'aws.eksAccessEntry': { scope: MeshScope; clusterName: string; clusterNode: string };
  'aws.eksNodegroup': { scope: MeshScope; name: string; clusterName: string; clusterNode: string; roleNode: string; subnetNodes: string[]; count: number; instanceType: string };
  'azure.aksCluster': {
    scope: MeshScope;
    name: string;
    cell: string;
    kubernetesVersion: string;
    subnetNode: string;
    podCidr: string;
    serviceCidr: string;
    dnsServiceIp: string;
    count: number;
    vmSize: string;
  };
}

export type ClusterKind = keyof ClusterParams;
export type ClusterNode = { [K in ClusterKind]: ResourceNode<K, ClusterParams[K]> }[ClusterKind];

export const CLUSTER_ID = {
  clusterRole: (cell: string) => `aws/iam-role/${cell}/cluster`,
  nodeRole: (cell: string) => `aws/iam-role/${cell}/node`,
  eksCluster: (cell: string) => `aws/eks-cluster/${cell}`,
  accessEntry: (cell: string) => `aws/eks-access-entry/${cell}`,
  nodegroup: (cell: string) => `aws/eks-nodegroup/${cell}`,
  aksSubnet: (cell: string) => `azure/aks-subnet/${cell}`,
  aksCluster: (cell: string) => `azure/aks-cluster/${cell}`,
};

/** Which cluster an object lives in, and how to reach it (credentials are obtained by the activity). */
export interface ClusterRef {
  scope: MeshScope;
  cell: string;
  cloud: 'aws' | 'azure';
  clusterName: string;
}

export function clusterRef(scope: MeshScope, cell: Cell): ClusterRef {
  return { scope, cell: cell.name, cloud: cell.cloud, clusterName: namesOf(scope, cell).cluster };
}

function namesOf(scope: MeshScope, cell: Cell) {
  return cellNames(scope.mesh, cell, scope.naming ?? 1);
}

function node<K extends ClusterKind>(id: string, kind: K, params: ClusterParams[K], dependsOn: string[]): ClusterNode {
  return { id, kind, params, dependsOn } as ClusterNode;
}

/** Runs that started before cells existed carry specs without them. */
export function clusterGraph(spec: MeshSpec, scope: MeshScope): (ClusterNode | BackboneNode)[] {
  return (spec.cells ?? []).flatMap((cell) => (cell.cloud === 'aws' ? eksNodes(spec, scope, cell) : aksNodes(spec, scope, cell)));
}

function eksNodes(spec: MeshSpec, scope: MeshScope, cell: EksCell): ClusterNode[] {
  const names = namesOf(scope, cell);
  const { vpc } = spec.aws;
  const subnetNodes = (vpc.mode === 'create' ? vpc.subnets : vpc.subnetIds).map((_, i) => BACKBONE.subnet(i));
  const ids = {
    clusterRole: CLUSTER_ID.clusterRole(cell.name),
    nodeRole: CLUSTER_ID.nodeRole(cell.name),
    cluster: CLUSTER_ID.eksCluster(cell.name),
  };
  return [
    node(ids.clusterRole, 'aws.iamRole', { scope, name: names.clusterRole, trustedService: 'eks.amazonaws.com', managedPolicyArns: EKS_CLUSTER_POLICIES }, []),
    node(ids.nodeRole, 'aws.iamRole', { scope, name: names.nodeRole, trustedService: 'ec2.amazonaws.com', managedPolicyArns: EKS_NODE_POLICIES }, []),
    node(
      ids.cluster,
      'aws.eksCluster',
      { scope, name: names.cluster, cell: cell.name, kubernetesVersion: cell.kubernetesVersion, serviceCidr: cell.serviceCidr, roleNode: ids.clusterRole, subnetNodes },
      [ids.clusterRole, ...subnetNodes],
    ),
    node(CLUSTER_ID.accessEntry(cell.name), 'aws.eksAccessEntry', { scope, clusterName: names.cluster, clusterNode: ids.cluster }, [ids.cluster]),
    node(
      CLUSTER_ID.nodegroup(cell.name),
      'aws.eksNodegroup',
      { scope, name: names.nodegroup, clusterName: names.cluster, clusterNode: ids.cluster, roleNode: ids.nodeRole, subnetNodes, count: cell.nodePool.count, instanceType: cell.nodePool.instanceType },
      [ids.cluster, ids.nodeRole, ...subnetNodes],
    ),
  ];
}

function aksNodes(spec: MeshSpec, scope: MeshScope, cell: AksCell): (ClusterNode | BackboneNode)[] {
  const subnet = CLUSTER_ID.aksSubnet(cell.name);
  const names = namesOf(scope, cell);
  return [
    // An azure.subnet node like the GatewaySubnet: same handler, its own address range.
    { id: subnet, kind: 'azure.subnet', params: { scope, name: names.aksSubnet, virtualNetwork: backboneNames(spec.name).vnet, cidr: cell.subnetCidr }, dependsOn: [BACKBONE.vnet] },
    node(
      CLUSTER_ID.aksCluster(cell.name),
      'azure.aksCluster',
      {
        scope,
        name: names.cluster,
        cell: cell.name,
        kubernetesVersion: cell.kubernetesVersion,
        subnetNode: subnet,
        podCidr: cell.podCidr,
        serviceCidr: cell.serviceCidr,
        dnsServiceIp: cell.dnsServiceIp,
        count: cell.nodePool.count,
        vmSize: cell.nodePool.vmSize,
      },
      [subnet, BACKBONE.resourceGroup],
    ),
  ];
}
