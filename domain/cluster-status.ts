/**
 * What GET /v1/meshes/{name} says about each cell: the cluster's state, its API
 * endpoint, its node pool, and whether the orchestrator reached it. Derived from the
 * resource statuses, so it can never disagree with them.
 */
import type { MeshScope } from './backbone-graph.ts';
import { CLUSTER_ID, clusterRef } from './cluster-graph.ts';
import type { Cell } from './mesh-spec.ts';
import type { ResourceState, ResourceStatus } from './mesh-status.ts';

export interface ClusterAccessSummary {
  server: string;
  namespaces: string[];
}

export interface ClusterStatus {
  cell: string;
  cloud: 'aws' | 'azure';
  name: string;
  state: ResourceState;
  cloudState?: string;
  endpoint?: string;
  kubernetesVersion?: string;
  network: string;
  nodePool: { count: number; size: string; state: ResourceState };
  /** Set once the orchestrator has listed namespaces with the cloud's own credentials. */
  access?: ClusterAccessSummary;
}

export function clusterStatuses(
  scope: MeshScope,
  cells: readonly Cell[],
  resource: (id: string) => ResourceStatus | undefined,
  access: Readonly<Record<string, ClusterAccessSummary>>,
): ClusterStatus[] {
  return cells.map((cell) => {
    const cluster = resource(cell.cloud === 'aws' ? CLUSTER_ID.eksCluster(cell.name) : CLUSTER_ID.aksCluster(cell.name));
    const pool = cell.cloud === 'aws' ? resource(CLUSTER_ID.nodegroup(cell.name)) : cluster;
    const fqdn = cluster?.attributes?.fqdn;
    const endpoint = cell.cloud === 'aws' ? cluster?.attributes?.endpoint : fqdn ? `https://${fqdn}:443` : undefined;
    return {
      cell: cell.name,
      cloud: cell.cloud,
      name: clusterRef(scope, cell).clusterName,
      state: cluster?.state ?? 'pending',
      ...(cluster?.cloudState ? { cloudState: cluster.cloudState } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(cluster?.attributes?.kubernetesVersion ? { kubernetesVersion: cluster.attributes.kubernetesVersion } : {}),
      network: cell.network,
      nodePool: { count: cell.nodePool.count, size: cell.cloud === 'aws' ? cell.nodePool.instanceType : cell.nodePool.vmSize, state: pool?.state ?? 'pending' },
      ...(access[cell.name] ? { access: access[cell.name] } : {}),
    };
  });
}
