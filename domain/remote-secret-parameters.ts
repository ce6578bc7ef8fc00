/**
 * The desired state of a remote secret, exactly as `istioctl create-remote-secret` makes it
 * (docs/domain-rules.md, "Istio multi-primary / multi-network / ambient"): written once for
 * the create (activities/kube/remote-secret.ts) and a drift check (a secret removed or
 * relabelled by hand). Its kubeconfig holds a token, so a report only says whether it is there.
 */
import { fieldDrift, type FieldDrift } from './drift.ts';
import { ISTIO_NAMESPACE } from './istio-install.ts';

export const MULTICLUSTER_LABEL = 'istio/multiCluster';
export const CLUSTER_ANNOTATION = 'networking.istio.io/cluster';

export function remoteSecretName(sourceClusterName: string): string {
  return `istio-remote-secret-${sourceClusterName}`;
}

export interface RemoteSecretObject {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  type: 'Opaque';
  data: Record<string, string>;
}

/** `kubeconfigBase64`: the source cluster's reader kubeconfig, made inside the activity. */
export function remoteSecretObject(sourceClusterName: string, kubeconfigBase64: string): RemoteSecretObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: remoteSecretName(sourceClusterName),
      namespace: ISTIO_NAMESPACE,
      labels: { [MULTICLUSTER_LABEL]: 'true' },
      annotations: { [CLUSTER_ANNOTATION]: sourceClusterName },
    },
    type: 'Opaque',
    data: { [sourceClusterName]: kubeconfigBase64 },
  };
}

export interface ObservedRemoteSecret {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  dataKeys: string[];
}

export function remoteSecretDrift(sourceClusterName: string, observed: ObservedRemoteSecret): FieldDrift[] {
  const desired = remoteSecretObject(sourceClusterName, '');
  return [
    ...fieldDrift(`metadata.labels.${MULTICLUSTER_LABEL}`, desired.metadata.labels[MULTICLUSTER_LABEL], observed.labels?.[MULTICLUSTER_LABEL]),
    ...fieldDrift(`metadata.annotations.${CLUSTER_ANNOTATION}`, desired.metadata.annotations[CLUSTER_ANNOTATION], observed.annotations?.[CLUSTER_ANNOTATION]),
    ...fieldDrift(`data.${sourceClusterName}`, 'a kubeconfig', observed.dataKeys.includes(sourceClusterName) ? 'a kubeconfig' : 'absent'),
  ];
}
