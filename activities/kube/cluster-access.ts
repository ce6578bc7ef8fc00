/**
 * Proof that the orchestrator can drive a cell: reach its API server with the cloud's
 * own credentials and list namespaces. Only names and counts come back to the workflow.
 */
import { CoreV1Api } from '@kubernetes/client-node';
import type { EksTokenCache } from '../aws/eks-token.ts';
import type { CloudClients } from '../cloud-clients.ts';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { kubeConfigFor } from './cluster-credentials.ts';

export interface ClusterAccess {
  cell: string;
  server: string;
  namespaces: string[];
}

export async function probeClusterAccess(clients: CloudClients, tokens: EksTokenCache, ref: ClusterRef): Promise<ClusterAccess> {
  const config = await kubeConfigFor(clients, tokens, ref);
  const { items } = await config.makeApiClient(CoreV1Api).listNamespace();
  return { cell: ref.cell, server: config.getCurrentCluster()?.server ?? '', namespaces: items.map((n) => n.metadata?.name ?? '').sort() };
}
