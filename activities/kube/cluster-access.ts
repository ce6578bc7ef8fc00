/**
 * Proof that the orchestrator can drive a cell: reach its API server with the cloud's
 * own credentials and list namespaces. Only names and counts come back to the workflow.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { reachKube, type KubeAccess } from './cluster-credentials.ts';

export interface ClusterAccess {
  cell: string;
  server: string;
  namespaces: string[];
}

export async function probeClusterAccess(kube: KubeAccess, ref: ClusterRef): Promise<ClusterAccess> {
  const config = await reachKube(kube, ref);
  const { items } = await config.makeApiClient(CoreV1Api).listNamespace();
  return { cell: ref.cell, server: config.getCurrentCluster()?.server ?? '', namespaces: items.map((n) => n.metadata?.name ?? '').sort() };
}
