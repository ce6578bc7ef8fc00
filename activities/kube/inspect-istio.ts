/**
 * Everything verification needs to know about one cell, read from its API server and
 * the root's store. Returns facts only (fingerprints, names, verdicts): tokens read from
 * remote secrets are used to ask the peer who they are, and go no further. A remote
 * secret is written by whoever can write Secrets in istio-system, so its kubeconfig is
 * parsed strictly (domain/strict-kubeconfig.ts), and its token is sent only to the
 * server cellbridge itself knows for that peer, verified with that peer's CA.
 */
import {
  AuthenticationV1Api, CoreV1Api,
  type KubernetesObject, type V1ConfigMap, type V1DaemonSet, type V1Deployment, type V1Namespace, type V1Secret,
} from '@kubernetes/client-node';
import { FAILSAFE_SCHEMA, load as loadYamlText } from 'js-yaml';
import type { ClusterRef } from '../../domain/cluster-graph.ts';
import { EAST_WEST_GATEWAY, ISTIO_NAMESPACE, NETWORK_LABEL } from '../../domain/istio-install.ts';
import type { ClusterFacts, RemoteSecretFacts } from '../../domain/verification.ts';
import { KubeconfigRefused, parseStrictKubeconfig, type StrictKubeconfig } from '../../domain/strict-kubeconfig.ts';
import { readCacerts } from '../pki/cacerts.ts';
import { inspectCertificate, splitPemBundle, verifiesAgainst } from '../pki/certificate-inspection.ts';
import { readRoot } from '../pki/root-store.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { kubeConfigOf, reachKube, type KubeAccess } from './cluster-credentials.ts';
import { gatewayIps, type ResolveHostname } from './gateway-address.ts';
import { serviceAddress } from './helm-release.ts';
import { objectApi, readObject } from './objects.ts';

type ObjectApi = ReturnType<typeof objectApi>;
import { CLUSTER_ANNOTATION, MULTICLUSTER_LABEL, remoteSecretName } from '../../domain/remote-secret-parameters.ts';
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

/** `resolve` turns the east-west gateway's hostname (EKS) into the addresses a peer would reach. */
export async function inspectIstio(clients: CloudClients, kube: KubeAccess, input: InspectIstioInput, resolve: ResolveHostname): Promise<ClusterFacts> {
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
    Promise.all(input.peers.map(async (peer) => remoteSecretFacts(kube, peer, await readObject<V1Secret>(api, ns('Secret', remoteSecretName(peer.clusterName)))))),
    staticCloudCredentials(config.makeApiClient(CoreV1Api), input.namespaces),
  ]);
  const meshId = mesh?.data?.mesh ? meshIdOf(mesh.data.mesh) : undefined;
  const eastWestIps = await gatewayIps(eastWestAddress, resolve);
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
    ...eastWestIps,
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

/** istiod's mesh config, read as plain data (failsafe schema: strings, lists and maps only). */
function meshIdOf(meshConfig: string): string | undefined {
  try {
    const id = (loadYamlText(meshConfig, { schema: FAILSAFE_SCHEMA }) as { defaultConfig?: { meshId?: unknown } } | null)?.defaultConfig?.meshId;
    return typeof id === 'string' ? id : undefined;
  } catch {
    return undefined;
  }
}

async function remoteSecretFacts(kube: KubeAccess, peer: ClusterRef, secret: V1Secret | undefined): Promise<RemoteSecretFacts> {
  const base = { peer: peer.cell, present: true };
  if (!secret) return { peer: peer.cell, present: false };
  const problems = [
    secret.metadata?.labels?.[MULTICLUSTER_LABEL] !== 'true' && `label ${MULTICLUSTER_LABEL} is not "true"`,
    secret.metadata?.annotations?.[CLUSTER_ANNOTATION] !== peer.clusterName && `annotation ${CLUSTER_ANNOTATION} is not ${peer.clusterName}`,
    !secret.data?.[peer.clusterName] && `no data key ${peer.clusterName}`,
  ].filter((p): p is string => typeof p === 'string');
  if (problems.length > 0) return { ...base, malformed: problems.join('; ') };
  let named: StrictKubeconfig;
  try {
    named = parseStrictKubeconfig(Buffer.from(secret.data![peer.clusterName]!, 'base64').toString('utf8'), { allowClientCertificate: false });
  } catch (error) {
    if (error instanceof KubeconfigRefused) return { ...base, refused: error.message };
    throw error;
  }
  const mismatch = await againstPeer(kube, peer, named);
  if (mismatch) return { ...base, ...mismatch };
  try {
    const review = await kubeConfigOf(peer.clusterName, named).makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    return { ...base, acceptedAs: review.status?.userInfo?.username ?? '(unnamed)' };
  } catch (error) {
    const e = error as { code?: number; message?: string };
    // Throttled, or a server error: the peer's API server has not judged the token yet, so the
    // check is tried again (the activity's retries) rather than reported as a refusal.
    if (e.code === 429 || (e.code !== undefined && e.code >= 500)) throw error;
    return { ...base, rejected: e.code ? `HTTP ${e.code}` : (e.message ?? 'unreachable').slice(0, 200) };
  }
}

/**
 * The secret must name the peer's own API server (the endpoint cellbridge reaches it
 * at, from the cloud) and trust only that server's CA; otherwise the token would go to
 * whoever wrote the secret. Nothing is sent before this holds.
 */
async function againstPeer(kube: KubeAccess, peer: ClusterRef, named: StrictKubeconfig): Promise<Pick<RemoteSecretFacts, 'foreignServer' | 'foreignCa' | 'refused'> | undefined> {
  let known: { server: string; caData?: string } | undefined;
  try {
    known = (await reachKube(kube, peer)).getCurrentCluster() ?? undefined;
  } catch (error) {
    return { refused: `${peer.clusterName}'s own endpoint could not be read from its cloud (${((error as Error).message ?? '').slice(0, 200)}), so nothing was sent` };
  }
  if (!known || serverKey(named.server) !== serverKey(known.server)) return { foreignServer: { named: named.server, peer: known?.server ?? '(unknown)' } };
  const namedCa = caFingerprints(named.caData);
  const peerCa = caFingerprints(known.caData ?? '');
  if (namedCa.length === 0 || !namedCa.every((fp) => peerCa.includes(fp))) return { foreignCa: { named: namedCa, peer: peerCa } };
  return undefined;
}

/** Scheme, host, port (443 implied) and path, so spellings of one URL compare equal. */
function serverKey(server: string): string {
  const url = new URL(server);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

function caFingerprints(caData: string): string[] {
  return splitPemBundle(Buffer.from(caData, 'base64').toString('utf8')).map((pem) => inspectCertificate(pem).fingerprintSha256);
}
