/**
 * A KubeConfig for one cell's API server, obtained the way each cloud requires, inside
 * the activity that needs it: nothing here is returned to a workflow.
 * - EKS: endpoint and CA from DescribeCluster, a bearer token signed in-process.
 * - AKS: the admin kubeconfig from listClusterAdminCredentials, parsed strictly (server,
 *   CA, inline client certificate, token): the cloud's answer is data, never a program
 *   for the client library to run (domain/strict-kubeconfig.ts).
 * Either way the KubeConfig is built from those fields alone. The fields are kept in the
 * worker for a while (credential-cache.ts); the EKS token has its own cache (eks-token.ts).
 */
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { KubeconfigRefused, parseStrictKubeconfig, type StrictKubeconfig } from '../../domain/strict-kubeconfig.ts';
import type { EksTokenCache } from '../aws/eks-token.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { isNotFound } from '../cloud-errors.ts';
import { CredentialCache } from './credential-cache.ts';

/** Reaches a cell's API server; `undefined` when the cluster itself does not exist (nothing in it to find or delete). */
export type KubeAccess = (ref: ClusterRef) => Promise<KubeConfig | undefined>;

/** A cluster's API server and CA, and for AKS its admin credential: what a KubeConfig is built from, bar the EKS token. */
type ClusterFields = StrictKubeconfig;
export type ClusterCredentials = CredentialCache<ClusterFields>;

/** KubeAccess over remembered credentials; `forget` drops them all (after an auth failure). */
export function kubeAccess(clients: CloudClients, tokens: EksTokenCache): KubeAccess & { forget(): void } {
  const credentials: ClusterCredentials = new CredentialCache();
  const access = async (ref: ClusterRef) => {
    try {
      return await kubeConfigFor(clients, tokens, ref, credentials);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  };
  return Object.assign(access, { forget: () => credentials.forget() });
}

/** For writes and inspections: the cluster must be there. */
export async function reachKube(kube: KubeAccess, ref: ClusterRef): Promise<KubeConfig> {
  const config = await kube(ref);
  if (!config) throw new Error(`cluster ${ref.clusterName} is not there`);
  return config;
}

/** With `credentials`, the cluster's fields are taken from there while fresh; without, asked of the cloud. */
export async function kubeConfigFor(clients: CloudClients, tokens: EksTokenCache, ref: ClusterRef, credentials?: ClusterCredentials): Promise<KubeConfig> {
  const fetch = () => (ref.cloud === 'aws' ? eksFields(clients, ref) : aksFields(clients, ref));
  const key = ref.cloud === 'aws' ? `aws/${ref.scope.aws.region}/${ref.clusterName}` : `azure/${ref.scope.azure.subscriptionId}/${ref.scope.azure.resourceGroup}/${ref.clusterName}`;
  const fields = credentials ? await credentials.get(key, fetch) : await fetch();
  if (!fields) throw new Error(`cluster ${ref.clusterName} answered no credentials`);
  if (ref.cloud === 'azure') return kubeConfigOf(ref.clusterName, fields);
  const region = ref.scope.aws.region;
  const token = await tokens.token({ clusterName: ref.clusterName, region, credentials: clients.sts(region).config.credentials, stsEndpoint: clients.stsEndpoint });
  return kubeConfigOf(ref.clusterName, { ...fields, token });
}

async function eksFields(clients: CloudClients, ref: ClusterRef): Promise<ClusterFields> {
  const { cluster } = await clients.eks(ref.scope.aws.region).send(new DescribeClusterCommand({ name: ref.clusterName }));
  if (!cluster?.endpoint || !cluster.certificateAuthority?.data) throw new Error(`EKS cluster ${ref.clusterName} has no endpoint or CA yet`);
  return { server: cluster.endpoint, caData: cluster.certificateAuthority.data };
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

async function aksFields(clients: CloudClients, ref: ClusterRef): Promise<ClusterFields> {
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
    return parseStrictKubeconfig(Buffer.from(value).toString('utf8'), { allowClientCertificate: true });
  } catch (error) {
    if (!(error instanceof KubeconfigRefused)) throw error;
    throw ApplicationFailure.nonRetryable(`AKS cluster ${ref.clusterName}: the admin kubeconfig from listClusterAdminCredentials is refused: ${error.message}`, 'KubeconfigRefused');
  }
}
