/** A test's view into a cell's API server, with the same credentials the orchestrator uses (EKS token, AKS admin kubeconfig). */
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { EksTokenCache } from '../../activities/aws/eks-token.ts';
import { createCloudClients } from '../../activities/cloud-clients.ts';
import { kubeConfigFor } from '../../activities/kube/cluster-credentials.ts';
import { clusterName } from '../../domain/cluster-graph.ts';
import type { Endpoints } from '../../sim/stack.ts';
import { azureCredential } from '../../worker/azure-credential.ts';

export async function cellKubeConfig(e: Endpoints, spec: { name: string; aws: { region: string }; azure: { subscriptionId: string; location: string } }, cell: string, cloud: 'aws' | 'azure'): Promise<KubeConfig> {
  process.env.AWS_ACCESS_KEY_ID = e.productEnv.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = e.productEnv.AWS_SECRET_ACCESS_KEY;
  const clients = createCloudClients({
    aws: { endpoint: e.aws, requestTimeoutMs: 10_000 },
    azure: { endpoint: e.azure, credential: azureCredential('emulator', e.azure) },
  });
  const scope = { mesh: spec.name, aws: { region: spec.aws.region }, azure: { subscriptionId: spec.azure.subscriptionId, resourceGroup: `cellbridge-${spec.name}`, location: spec.azure.location } };
  return kubeConfigFor(clients, new EksTokenCache(), { scope, cell, cloud, clusterName: clusterName(spec.name, cell) });
}

export function core(config: KubeConfig): CoreV1Api {
  return config.makeApiClient(CoreV1Api);
}
