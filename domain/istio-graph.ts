/**
 * Istio multi-primary, multi-network over the cells, as resource graph nodes
 * (docs/domain-rules.md, "Istio multi-primary / multi-network / ambient" and "Plugged-in
 * CA and rotation"): one shared root CA; per cluster the labelled istio-system namespace,
 * its cacerts (before istiod), the base and istiod charts, the east-west gateway once
 * istiod is up, the cross-network Gateway and the traffic policies; remote secrets in
 * both directions between every pair of clusters.
 */
import type { MeshScope } from './backbone-graph.ts';
import { CLUSTER_ID, clusterRef, type ClusterRef } from './cluster-graph.ts';
import { cniValues, crossNetworkGateway, destinationRule, EAST_WEST_GATEWAY, eastWestGatewayApi, eastWestValues, istiodValues, ztunnelValues } from './istio-install.ts';
import type { Cell, KeyType, MeshSpec } from './mesh-spec.ts';
import { rootSecretName } from './pki-profile.ts';
import type { ResourceNode } from './resource-graph.ts';

/** What must be ready before a release counts as installed: workloads, or CRDs being served. */
export interface WorkloadRef {
  kind: 'Deployment' | 'DaemonSet' | 'CustomResourceDefinition';
  name: string;
}

/** A Kubernetes object as plain data; the API server validates it (CRDs from the base chart). */
export type KubeObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [field: string]: unknown };

export interface IstioParams {
  'pki.rootCa': { scope: MeshScope; mesh: string; secretName: string; userSupplied: boolean; keyType: KeyType; validityDays: number };
  'kube.istioNamespace': { cluster: ClusterRef; network: string };
  /** `rootSecret` names where the root lives; the activity reads it there, so no key crosses the workflow. */
  'kube.cacerts': { cluster: ClusterRef; mesh: string; rootSecret: string; keyType: KeyType; validityDays: number; marginDays: number };
  'kube.helmRelease': { cluster: ClusterRef; release: string; chart: string; istioVersion: string; values: Record<string, unknown>; ready: WorkloadRef[]; addressOf?: string };
  'kube.manifest': { cluster: ClusterRef; objects: KubeObject[] };
  /** CRDs shipped beside the charts (the Gateway API's, for ambient), read by the activity: too big for history. */
  'kube.crdBundle': { cluster: ClusterRef; bundle: 'gateway-api'; crds: string[] };
  /** The peer's reader credentials for `source`, written into `target`. */
  'kube.remoteSecret': { source: ClusterRef; target: ClusterRef };
}

export type IstioKind = keyof IstioParams;
export type IstioNode = { [K in IstioKind]: ResourceNode<K, IstioParams[K]> }[IstioKind];

/** The CRDs of the base chart that cellbridge itself applies objects of. */
const ISTIO_CRDS_USED = ['gateways.networking.istio.io', 'destinationrules.networking.istio.io'];
const GATEWAY_API_CRDS_USED = ['gateways.gateway.networking.k8s.io', 'gatewayclasses.gateway.networking.k8s.io'];

export const ISTIO_ID = {
  root: 'pki/root-ca',
  namespace: (cell: string) => `istio/${cell}/namespace`,
  cacerts: (cell: string) => `istio/${cell}/cacerts`,
  base: (cell: string) => `istio/${cell}/base`,
  istiod: (cell: string) => `istio/${cell}/istiod`,
  eastWest: (cell: string) => `istio/${cell}/east-west-gateway`,
  exposeServices: (cell: string) => `istio/${cell}/cross-network-gateway`,
  trafficPolicies: (cell: string) => `istio/${cell}/traffic-policies`,
  gatewayApi: (cell: string) => `istio/${cell}/gateway-api-crds`,
  cni: (cell: string) => `istio/${cell}/cni`,
  ztunnel: (cell: string) => `istio/${cell}/ztunnel`,
  remoteSecret: (source: string, target: string) => `istio/${target}/remote-secret/${source}`,
};

/** The user's root by reference, or the one cellbridge generates and keeps. */
export function rootSecretOf(spec: MeshSpec): string {
  return spec.pki.rootSecret ?? rootSecretName(spec.name);
}

function node<K extends IstioKind>(id: string, kind: K, params: IstioParams[K], dependsOn: string[]): IstioNode {
  return { id, kind, params, dependsOn } as IstioNode;
}

/** The nodes after which a cell's API server accepts the orchestrator and has nodes. */
function clusterReady(cell: Cell): string[] {
  return cell.cloud === 'aws' ? [CLUSTER_ID.accessEntry(cell.name), CLUSTER_ID.nodegroup(cell.name)] : [CLUSTER_ID.aksCluster(cell.name)];
}

/** Runs started before Istio was part of a mesh have no cells, so no Istio either. */
export function istioGraph(spec: MeshSpec, scope: MeshScope): IstioNode[] {
  const cells = spec.cells ?? [];
  if (cells.length === 0) return [];
  const { pki } = spec;
  const root = node(ISTIO_ID.root, 'pki.rootCa', { scope, mesh: spec.name, secretName: rootSecretOf(spec), userSupplied: pki.rootSecret !== undefined, keyType: pki.keyType, validityDays: pki.rootValidityDays }, []);
  return [root, ...cells.flatMap((cell) => cellNodes(spec, scope, cell)), ...remoteSecrets(scope, cells)];
}

function cellNodes(spec: MeshSpec, scope: MeshScope, cell: Cell): IstioNode[] {
  const cluster = clusterRef(scope, cell);
  const id = (f: (cell: string) => string) => f(cell.name);
  const release = (nodeId: string, name: string, chart: string, values: Record<string, unknown>, ready: WorkloadRef[], dependsOn: string[], addressOf?: string) =>
    node(nodeId, 'kube.helmRelease', { cluster, release: name, chart, istioVersion: spec.istio.version, values, ready, ...(addressOf ? { addressOf } : {}) }, dependsOn);
  const ambient = spec.istio.dataplane === 'ambient';
  const common = [
    node(id(ISTIO_ID.namespace), 'kube.istioNamespace', { cluster, network: cell.network }, clusterReady(cell)),
    node(id(ISTIO_ID.cacerts), 'kube.cacerts', { cluster, mesh: spec.name, rootSecret: rootSecretOf(spec), keyType: spec.pki.keyType, validityDays: spec.pki.intermediateValidityDays, marginDays: spec.pki.verificationMarginDays }, [id(ISTIO_ID.namespace), ISTIO_ID.root]),
    release(id(ISTIO_ID.base), 'istio-base', 'base', { defaultRevision: 'default' }, ISTIO_CRDS_USED.map((name) => ({ kind: 'CustomResourceDefinition' as const, name })), [id(ISTIO_ID.namespace)]),
    ...(spec.trafficPolicies.length > 0 ? [node(id(ISTIO_ID.trafficPolicies), 'kube.manifest', { cluster, objects: spec.trafficPolicies.map(destinationRule) }, [id(ISTIO_ID.base)])] : []),
  ];
  const istiodDeps = [id(ISTIO_ID.base), id(ISTIO_ID.cacerts)];
  if (!ambient) {
    return [
      ...common,
      release(id(ISTIO_ID.istiod), 'istiod', 'istiod', istiodValues(spec, cluster, cell), [{ kind: 'Deployment', name: 'istiod' }], istiodDeps),
      // The gateway's image is injected by istiod's webhook, so it waits for istiod to be Ready.
      release(id(ISTIO_ID.eastWest), EAST_WEST_GATEWAY, 'gateway', eastWestValues(cell), [{ kind: 'Deployment', name: EAST_WEST_GATEWAY }], [id(ISTIO_ID.istiod)], EAST_WEST_GATEWAY),
      node(id(ISTIO_ID.exposeServices), 'kube.manifest', { cluster, objects: [crossNetworkGateway()] }, [id(ISTIO_ID.eastWest)]),
    ];
  }
  return [
    ...common,
    node(id(ISTIO_ID.gatewayApi), 'kube.crdBundle', { cluster, bundle: 'gateway-api', crds: GATEWAY_API_CRDS_USED }, [id(ISTIO_ID.namespace)]),
    release(id(ISTIO_ID.istiod), 'istiod', 'istiod', istiodValues(spec, cluster, cell), [{ kind: 'Deployment', name: 'istiod' }], [...istiodDeps, id(ISTIO_ID.gatewayApi)]),
    release(id(ISTIO_ID.cni), 'istio-cni', 'cni', cniValues(), [{ kind: 'DaemonSet', name: 'istio-cni-node' }], [id(ISTIO_ID.base)]),
    release(id(ISTIO_ID.ztunnel), 'ztunnel', 'ztunnel', ztunnelValues(cluster, cell), [{ kind: 'DaemonSet', name: 'ztunnel' }], [id(ISTIO_ID.istiod)]),
    node(id(ISTIO_ID.eastWest), 'kube.manifest', { cluster, objects: [eastWestGatewayApi(cell.network, cell.cloud)] }, [id(ISTIO_ID.istiod), id(ISTIO_ID.gatewayApi)]),
  ];
}

function remoteSecrets(scope: MeshScope, cells: Cell[]): IstioNode[] {
  return cells.flatMap((source) =>
    cells
      .filter((target) => target.name !== source.name)
      .map((target) =>
        node(
          ISTIO_ID.remoteSecret(source.name, target.name),
          'kube.remoteSecret',
          { source: clusterRef(scope, source), target: clusterRef(scope, target) },
          [ISTIO_ID.istiod(source.name), ISTIO_ID.namespace(target.name)],
        ),
      ),
  );
}

