/**
 * What gets installed in each cluster, as data: Helm values for istiod and the
 * east-west gateway, the cross-network Gateway, and DestinationRules from the spec's
 * traffic policies (docs/domain-rules.md, "Istio multi-primary / multi-network /
 * ambient", "Plugged-in CA and rotation" and "Traffic policy and failover").
 */
import type { ClusterRef } from './cluster-graph.ts';
import type { KubeObject } from './istio-graph.ts';
import type { Cell, MeshSpec, TrafficPolicy } from './mesh-spec.ts';

export const ISTIO_NAMESPACE = 'istio-system';
export const NETWORK_LABEL = 'topology.istio.io/network';
export const EAST_WEST_GATEWAY = 'istio-eastwestgateway';
// Images (global.hub, global.tag) are no workflow value: the worker sets them from the
// release's configuration and the chart it installs (domain/istio-charts.ts).

export function istiodValues(spec: MeshSpec, cluster: ClusterRef, cell: Cell): Record<string, unknown> {
  const ambient = spec.istio.dataplane === 'ambient';
  return {
    ...(ambient ? { profile: 'ambient' } : {}),
    global: { meshID: spec.istio.meshId, multiCluster: { clusterName: cluster.clusterName }, network: cell.network },
    meshConfig: {
      trustDomain: spec.istio.trustDomain,
      // Root rotation (the rotation workflow) needs both from the first install.
      defaultConfig: { proxyMetadata: { PROXY_CONFIG_XDS_AGENT: 'true' } },
    },
    env: { ISTIO_MULTIROOT_MESH: 'true', ...(ambient ? { AMBIENT_ENABLE_MULTI_NETWORK: 'true' } : {}) },
  };
}

/** Ambient's node agents: the CNI plugin and ztunnel (docs/domain-rules.md, "Istio multi-primary / multi-network / ambient"). */
export function cniValues(): Record<string, unknown> {
  return { profile: 'ambient' };
}

export function ztunnelValues(cluster: ClusterRef, cell: Cell): Record<string, unknown> {
  return { profile: 'ambient', multiCluster: { clusterName: cluster.clusterName }, network: cell.network };
}

/**
 * Ambient's east-west gateway is a Gateway API resource, HBONE on 15008 (upstream class
 * istio-east-west). istiod makes its Service, with spec.infrastructure's annotations: without
 * them the cloud gives it a public load balancer the peer cannot reach over the backbone.
 */
export function eastWestGatewayApi(network: string, cloud: Cell['cloud']): KubeObject {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: EAST_WEST_GATEWAY, namespace: ISTIO_NAMESPACE, labels: { [NETWORK_LABEL]: network } },
    spec: {
      gatewayClassName: 'istio-east-west',
      infrastructure: { annotations: internalLoadBalancer(cloud) },
      listeners: [{ name: 'mesh', port: 15008, protocol: 'HBONE', tls: { mode: 'Terminate', options: { 'gateway.istio.io/tls-terminate-mode': 'ISTIO_MUTUAL' } } }],
    },
  };
}

/** Internal load balancers: the peer reaches the gateway over the VPN backbone. */
function internalLoadBalancer(cloud: Cell['cloud']): Record<string, string> {
  return cloud === 'aws'
    ? { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal', 'service.beta.kubernetes.io/aws-load-balancer-type': 'nlb' }
    : { 'service.beta.kubernetes.io/azure-load-balancer-internal': 'true' };
}

export function eastWestValues(cell: Cell): Record<string, unknown> {
  return {
    name: EAST_WEST_GATEWAY,
    networkGateway: cell.network,
    labels: { istio: 'eastwestgateway', app: EAST_WEST_GATEWAY, [NETWORK_LABEL]: cell.network },
    service: { type: 'LoadBalancer', annotations: internalLoadBalancer(cell.cloud) },
  };
}

/** samples/multicluster/expose-services.yaml: mTLS passes through, routed by SNI. */
export function crossNetworkGateway(): KubeObject {
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'cross-network-gateway', namespace: ISTIO_NAMESPACE },
    spec: {
      selector: { istio: 'eastwestgateway' },
      servers: [{ port: { number: 15443, name: 'tls', protocol: 'TLS' }, tls: { mode: 'AUTO_PASSTHROUGH' }, hosts: ['*.local'] }],
    },
  };
}

export function destinationRule(policy: TrafficPolicy): KubeObject {
  const { failover, failoverPriority, outlierDetection } = policy;
  return {
    apiVersion: 'networking.istio.io/v1',
    kind: 'DestinationRule',
    metadata: { name: policy.name, namespace: policy.namespace, labels: { 'app.kubernetes.io/managed-by': 'cellbridge' } },
    spec: {
      host: policy.host,
      trafficPolicy: {
        loadBalancer: { localityLbSetting: { enabled: true, ...(failover ? { failover } : {}), ...(failoverPriority ? { failoverPriority } : {}) } },
        outlierDetection,
      },
    },
  };
}
