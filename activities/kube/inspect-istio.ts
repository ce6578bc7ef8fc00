/**
 * Everything verification needs to know about one cell, read from its API server and
 * the root's store. Returns facts only (fingerprints, names, verdicts): tokens read from
 * remote secrets are used to ask the peer who they are, and go no further.
 */
import {
  AuthenticationV1Api, CoreV1Api, KubeConfig, loadYaml,
  type KubernetesObject, type V1ConfigMap, type V1DaemonSet, type V1Deployment, type V1Namespace, type V1Secret,
} from '@kubernetes/client-node';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { EAST_WEST_GATEWAY, ISTIO_NAMESPACE, NETWORK_LABEL } from '../../domain/istio-install.ts';
import type { ClusterFacts, RemoteSecretFacts } from '../../domain/verification.ts';
import { readCacerts } from '../pki/cacerts.ts';
import { inspectCertificate, verifiesAgainst } from '../pki/certificate-inspection.ts';
import { readRoot } from '../pki/root-store.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { reachKube, type KubeAccess } from './cluster-credentials.ts';
import { serviceAddress } from './helm-release.ts';
import { objectApi, readObject } from './objects.ts';

type ObjectApi = ReturnType<typeof objectApi>;
import { CLUSTER_ANNOTATION, MULTICLUSTER_LABEL, remoteSecretName } from './remote-secret.ts';
import { staticCloudCredentials } from './static-credentials.ts';
import { daemonSetReady, deploymentReady } from './workload-readiness.ts';

export interface InspectIstioInput {
  cluster: ClusterRef;
  network: string;
  rootSecret: string;
  peers: ClusterRef[];
  /** Namespaces whose Secrets must hold no static cloud credentials. */
  namespaces: string[];
  dataplane: 'sidecar' | 'ambient';
}

export async function inspectIstio(clients: CloudClients, kube: KubeAccess, input: InspectIstioInput): Promise<ClusterFacts> {
  const config = await reachKube(kube, input.cluster);
  const api = objectApi(config);
  const rootPem = (await readRoot(clients, input.cluster.scope.aws.region, input.rootSecret)).certPem;
  const ns = (kind: string, name: string) => ({ apiVersion: kind === 'Deployment' ? 'apps/v1' : 'v1', kind, metadata: { name, namespace: ISTIO_NAMESPACE } });
  const [cacerts, mesh, namespace, workloads, eastWestAddress, remoteSecrets, staticCredentials] = await Promise.all([
    cacertsFacts(await readObject<V1Secret>(api, ns('Secret', 'cacerts')), rootPem),
    readObject<V1ConfigMap>(api, ns('ConfigMap', 'istio')),
    readObject<V1Namespace>(api, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ISTIO_NAMESPACE } }),
    workloadFacts(api, input.dataplane),
    input.dataplane === 'sidecar' ? serviceAddress(api, EAST_WEST_GATEWAY) : gatewayApiEastWest(api),
    Promise.all(input.peers.map(async (peer) => remoteSecretFacts(peer, await readObject<V1Secret>(api, ns('Secret', remoteSecretName(peer.clusterName)))))),
    staticCloudCredentials(config.makeApiClient(CoreV1Api), input.namespaces),
  ]);
  const meshId = mesh?.data?.mesh ? loadYaml<{ defaultConfig?: { meshId?: string } }>(mesh.data.mesh)?.defaultConfig?.meshId : undefined;
  return {
    cell: input.cluster.cell,
    clusterName: input.cluster.clusterName,
    network: input.network,
    meshRootFingerprint: inspectCertificate(rootPem).fingerprintSha256,
    ...cacerts,
    ...(meshId ? { meshId } : {}),
    ...(namespace?.metadata?.labels?.[NETWORK_LABEL] ? { networkLabel: namespace.metadata.labels[NETWORK_LABEL] } : {}),
    workloads,
    ...(eastWestAddress ? { eastWestAddress } : {}),
    remoteSecrets,
    staticCredentials,
  };
}

async function cacertsFacts(secret: V1Secret | undefined, rootPem: string): Promise<Pick<ClusterFacts, 'rootFingerprints' | 'intermediate' | 'cacertsProblem'>> {
  if (!secret) return { rootFingerprints: [], cacertsProblem: 'istio-system/cacerts is missing' };
  try {
    const cacerts = readCacerts(secret.data);
    const info = inspectCertificate(cacerts.intermediate.certPem);
    return {
      rootFingerprints: cacerts.roots.map((r) => inspectCertificate(r).fingerprintSha256),
      intermediate: { fingerprint: info.fingerprintSha256, notAfter: info.notAfter, chainsToMeshRoot: await verifiesAgainst(cacerts.intermediate.certPem, [rootPem], new Date()) },
    };
  } catch (error) {
    return { rootFingerprints: [], cacertsProblem: (error as Error).message };
  }
}

/** Sidecar: istiod and the east-west gateway. Ambient: istiod and the node agents (ztunnel, CNI). */
async function workloadFacts(api: ObjectApi, dataplane: InspectIstioInput['dataplane']): Promise<ClusterFacts['workloads']> {
  const read = <T extends KubernetesObject>(kind: string, name: string) => readObject<T>(api, { apiVersion: 'apps/v1', kind, metadata: { name, namespace: ISTIO_NAMESPACE } });
  const istiod = { name: 'istiod', ready: deploymentReady(await read<V1Deployment>('Deployment', 'istiod')) };
  if (dataplane === 'sidecar') return [istiod, { name: EAST_WEST_GATEWAY, ready: deploymentReady(await read<V1Deployment>('Deployment', EAST_WEST_GATEWAY)) }];
  return [istiod, ...(await Promise.all(['ztunnel', 'istio-cni-node'].map(async (name) => ({ name, ready: daemonSetReady(await read<V1DaemonSet>('DaemonSet', name)) }))))];
}

/**
 * Ambient's east-west gateway is a Gateway API object; istiod's gateway controller gives
 * it a Service and an address. What is reported: its address once it has one, else that
 * it is declared with the right class and HBONE listener.
 */
async function gatewayApiEastWest(api: ObjectApi): Promise<string | undefined> {
  const gateway = await readObject<KubernetesObject & { spec?: { gatewayClassName?: string; listeners?: { port?: number; protocol?: string }[] }; status?: { addresses?: { value?: string }[] } }>(
    api, { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: EAST_WEST_GATEWAY, namespace: ISTIO_NAMESPACE } });
  if (gateway?.spec?.gatewayClassName !== 'istio-east-west' || !gateway.spec.listeners?.some((l) => l.port === 15008 && l.protocol === 'HBONE')) return undefined;
  return gateway.status?.addresses?.[0]?.value ?? 'Gateway istio-east-west HBONE:15008 (address pending istiod)';
}

async function remoteSecretFacts(peer: ClusterRef, secret: V1Secret | undefined): Promise<RemoteSecretFacts> {
  const base = { peer: peer.cell };
  if (!secret) return { ...base, present: false };
  const problems = [
    secret.metadata?.labels?.[MULTICLUSTER_LABEL] !== 'true' && `label ${MULTICLUSTER_LABEL} is not "true"`,
    secret.metadata?.annotations?.[CLUSTER_ANNOTATION] !== peer.clusterName && `annotation ${CLUSTER_ANNOTATION} is not ${peer.clusterName}`,
    !secret.data?.[peer.clusterName] && `no data key ${peer.clusterName}`,
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) return { ...base, present: true, malformed: problems.join('; ') };
  const config = new KubeConfig();
  try {
    config.loadFromString(Buffer.from(secret.data![peer.clusterName]!, 'base64').toString('utf8'));
  } catch {
    return { ...base, present: true, malformed: 'the kubeconfig does not parse' };
  }
  try {
    const review = await config.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    return { ...base, present: true, acceptedAs: review.status?.userInfo?.username ?? '(unnamed)' };
  } catch (error) {
    const e = error as { code?: number; message?: string };
    return { ...base, present: true, rejected: e.code ? `HTTP ${e.code}` : (e.message ?? 'unreachable').slice(0, 200) };
  }
}
