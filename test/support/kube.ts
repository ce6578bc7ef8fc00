/** A test's view into a cell's API server, with the same credentials the orchestrator uses (EKS token, AKS admin kubeconfig). */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { EksTokenCache } from '../../activities/aws/eks-token.ts';
import { createCloudClients } from '../../activities/cloud-clients.ts';
import { kubeConfigFor } from '../../activities/kube/cluster-credentials.ts';
import { clusterRef } from '../../domain/cluster-graph.ts';
import type { Cell } from '../../domain/mesh-spec.ts';
import { CURRENT_NAMING, cellNames } from '../../domain/names.ts';
import type { Endpoints } from '../../sim/stack.ts';
import { azureCredential } from '../../worker/azure-credential.ts';

export async function cellKubeConfig(e: Endpoints, spec: { name: string; aws: { region: string }; azure: { subscriptionId: string; location: string } }, cell: string, cloud: 'aws' | 'azure'): Promise<KubeConfig> {
  process.env.AWS_ACCESS_KEY_ID = e.productEnv.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = e.productEnv.AWS_SECRET_ACCESS_KEY;
  const clients = createCloudClients({
    aws: { endpoint: e.aws, requestTimeoutMs: 10_000 },
    azure: { endpoint: e.azure, credential: azureCredential('emulator', e.azure) },
  });
  const scope = { mesh: spec.name, naming: CURRENT_NAMING, aws: { region: spec.aws.region }, azure: { subscriptionId: spec.azure.subscriptionId, resourceGroup: `cellbridge-${spec.name}`, location: spec.azure.location } };
  return kubeConfigFor(clients, new EksTokenCache(), clusterRef(scope, { name: cell, cloud } as Cell));
}

/** The cloud name of a cell's cluster in a mesh the API created (so: the current naming), which is also its Istio cluster ID. */
export function cellClusterName(mesh: string, cell: string): string {
  return cellNames(mesh, { name: cell }, CURRENT_NAMING).cluster;
}

export function core(config: KubeConfig): CoreV1Api {
  return config.makeApiClient(CoreV1Api);
}
