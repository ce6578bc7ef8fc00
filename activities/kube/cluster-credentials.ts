/**
 * A KubeConfig for one cell's API server, obtained the way each cloud requires, inside
 * the activity that needs it: nothing here is returned to a workflow.
 * - EKS: endpoint and CA from DescribeCluster, a bearer token signed in-process.
 * - AKS: the admin kubeconfig from listClusterAdminCredentials, parsed strictly (server,
 *   CA, inline client certificate, token): the cloud's answer is data, never a program
 *   for the client library to run (domain/strict-kubeconfig.ts).
 * Either way the KubeConfig is built from those fields alone.
 */
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { KubeconfigRefused, parseStrictKubeconfig, type StrictKubeconfig } from '../../domain/strict-kubeconfig.ts';
import type { EksTokenCache } from '../aws/eks-token.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { isNotFound } from '../cloud-errors.ts';


/** Reaches a cell's API server; `undefined` when the cluster itself does not exist (nothing in it to find or delete). */
export type KubeAccess = (ref: ClusterRef) => Promise<KubeConfig | undefined>;

export function kubeAccess(clients: CloudClients, tokens: EksTokenCache): KubeAccess {
  return async (ref) => {
    try {
      return await kubeConfigFor(clients, tokens, ref);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
}

/** For writes and inspections: the cluster must be there. */
export async function reachKube(kube: KubeAccess, ref: ClusterRef): Promise<KubeConfig> {
  const config = await kube(ref);
  if (!config) throw new Error(`cluster ${ref.clusterName} is not there`);
  return config;
}

export async function kubeConfigFor(clients: CloudClients, tokens: EksTokenCache, ref: ClusterRef): Promise<KubeConfig> {
  return ref.cloud === 'aws' ? eksKubeConfig(clients, tokens, ref) : aksKubeConfig(clients, ref);
}

async function eksKubeConfig(clients: CloudClients, tokens: EksTokenCache, ref: ClusterRef): Promise<KubeConfig> {
  const region = ref.scope.aws.region;
  const { cluster } = await clients.eks(region).send(new DescribeClusterCommand({ name: ref.clusterName }));
  if (!cluster?.endpoint || !cluster.certificateAuthority?.data) throw new Error(`EKS cluster ${ref.clusterName} has no endpoint or CA yet`);
  const token = await tokens.token({ clusterName: ref.clusterName, region, credentials: clients.sts(region).config.credentials, stsEndpoint: clients.stsEndpoint });
  return kubeConfigOf(ref.clusterName, { server: cluster.endpoint, caData: cluster.certificateAuthority.data, token });
}

/** A KubeConfig holding one cluster and one user built from these fields and nothing else (no plugin, no file, no proxy). */
export function kubeConfigOf(name: string, fields: StrictKubeconfig): KubeConfig {
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: [{ name, server: fields.server, caData: fields.caData, skipTLSVerify: false }],
    users: [{
      name: 'cellbridge',
      ...(fields.token ? { token: fields.token } : {}),
      ...(fields.clientCertificate ? { certData: fields.clientCertificate.certData, keyData: fields.clientCertificate.keyData } : {}),
    }],
    contexts: [{ name, cluster: name, user: 'cellbridge' }],
    currentContext: name,
  });
  return config;
}

async function aksKubeConfig(clients: CloudClients, ref: ClusterRef): Promise<KubeConfig> {
  const { subscriptionId, resourceGroup } = ref.scope.azure;
  let kubeconfigs;
  try {
    ({ kubeconfigs } = await clients.containerService(subscriptionId).managedClusters.listClusterAdminCredentials(resourceGroup, ref.clusterName));
  } catch (error) {
    if (/disable local accounts/i.test((error as Error).message ?? '')) {
      throw ApplicationFailure.nonRetryable(
        `AKS cluster ${ref.clusterName} has local accounts disabled, so listClusterAdminCredentials is refused; enable local accounts on it (cellbridge creates its clusters with them enabled)`,
        'AksLocalAccountsDisabled',
      );
    }
    throw error;
  }
  const value = kubeconfigs?.[0]?.value;
  if (!value) throw new Error(`AKS cluster ${ref.clusterName} returned no admin kubeconfig`);
  try {
    return kubeConfigOf(ref.clusterName, parseStrictKubeconfig(Buffer.from(value).toString('utf8'), { allowClientCertificate: true }));
  } catch (error) {
    if (!(error instanceof KubeconfigRefused)) throw error;
    throw ApplicationFailure.nonRetryable(`AKS cluster ${ref.clusterName}: the admin kubeconfig from listClusterAdminCredentials is refused: ${error.message}`, 'KubeconfigRefused');
  }
}
