// What Istio's sidecar injector would write into a proxy container, for pods the simulator
// runs a real pilot-agent for: the API servers here cannot call istiod's webhook, so pods
// are admitted uninjected (sim/README.md) and the simulator plays the injector's part from
// the same inputs: the injector's values (the `istio-sidecar-injector` ConfigMap) and the
// mesh config's `defaultConfig` (the `istio` ConfigMap). Only the parts pilot-agent reads.
import { load } from 'js-yaml';

export interface InjectorInputs {
  /** `istio-sidecar-injector`'s `values` (JSON). */
  valuesJson?: string;
  /** `istio`'s `mesh` (YAML). */
  meshYaml?: string;
}

export interface ProxyPodInfo {
  name: string;
  namespace: string;
  serviceAccount: string;
  podIp: string;
  hostIp: string;
  nodeName: string;
  /** The Deployment (or other workload) the pod belongs to. */
  workload?: { kind: string; name: string };
  /** The container's own env (the gateway chart's ISTIO_META_REQUESTED_NETWORK_VIEW, …): it wins over the injector's. */
  containerEnv: Record<string, string>;
}

/** Settings of the local process that override the mesh's defaultConfig (binary, addresses, ports). */
export type ProxyConfigOverrides = Record<string, unknown> & { binaryPath: string; discoveryAddress: string; proxyAdminPort: number; statusPort: number };

export interface InjectedProxy {
  env: Record<string, string>;
  /** What the injector passes as `--domain`. */
  domain: string;
}

export function injectedProxy(inputs: InjectorInputs, pod: ProxyPodInfo, overrides: ProxyConfigOverrides, interceptionMode: 'REDIRECT' | 'NONE'): InjectedProxy {
  const values = (inputs.valuesJson ? JSON.parse(inputs.valuesJson) : {}) as { global?: { multiCluster?: { clusterName?: string }; network?: string; meshID?: string; pilotCertProvider?: string; proxy?: { clusterDomain?: string } } };
  const mesh = ((inputs.meshYaml ? load(inputs.meshYaml) : {}) ?? {}) as { defaultConfig?: Record<string, unknown> & { proxyMetadata?: Record<string, string> }; trustDomain?: string };
  const global = values.global ?? {};
  const proxyConfig = { ...mesh.defaultConfig, ...overrides };
  const env: Record<string, string> = {
    PILOT_CERT_PROVIDER: global.pilotCertProvider ?? 'istiod',
    CA_ADDR: overrides.discoveryAddress,
    POD_NAME: pod.name,
    POD_NAMESPACE: pod.namespace,
    INSTANCE_IP: pod.podIp,
    SERVICE_ACCOUNT: pod.serviceAccount,
    HOST_IP: pod.hostIp,
    ISTIO_CPU_LIMIT: '1',
    GOMAXPROCS: '1',
    PROXY_CONFIG: JSON.stringify(proxyConfig),
    ISTIO_META_CLUSTER_ID: global.multiCluster?.clusterName || 'Kubernetes',
    ISTIO_META_NODE_NAME: pod.nodeName,
    ISTIO_META_INTERCEPTION_MODE: interceptionMode,
    ...(global.network ? { ISTIO_META_NETWORK: global.network } : {}),
    ...(global.meshID ? { ISTIO_META_MESH_ID: global.meshID } : {}),
    ...(pod.workload ? { ISTIO_META_WORKLOAD_NAME: pod.workload.name, ISTIO_META_OWNER: `kubernetes://apis/apps/v1/namespaces/${pod.namespace}/${pod.workload.kind.toLowerCase()}s/${pod.workload.name}` } : {}),
    TRUST_DOMAIN: mesh.trustDomain ?? 'cluster.local',
    // The injector turns proxyMetadata into the container's env.
    ...mesh.defaultConfig?.proxyMetadata,
    ...pod.containerEnv,
  };
  return { env, domain: `${pod.namespace}.svc.${global.proxy?.clusterDomain ?? 'cluster.local'}` };
}
