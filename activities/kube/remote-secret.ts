/**
 * A remote secret exactly as `istioctl create-remote-secret` makes it
 * (docs/domain-rules.md, "Istio multi-primary / multi-network / ambient"): in the source
 * cluster, a token Secret for istio-system/istio-reader-service-account; in the target
 * cluster, `istio-remote-secret-<source>` holding a kubeconfig with that token, so the
 * target's istiod can watch the source. The token goes from one cluster to the other
 * inside this activity and nowhere else. The secret's shape is domain/remote-secret-parameters.ts.
 */
import { dumpYaml, type KubeConfig, type V1Secret, type V1ServiceAccount } from '@kubernetes/client-node';
import type { IstioParams } from '../../domain/istio-graph.ts';
import { ISTIO_NAMESPACE } from '../../domain/istio-install.ts';
import { remoteSecretDrift, remoteSecretName, remoteSecretObject, type ObservedRemoteSecret } from '../../domain/remote-secret-parameters.ts';
import { ready, type ResourceHandler } from '../resource-handler.ts';
import { reachKube, type KubeAccess } from './cluster-credentials.ts';
import { applyObject, deleteObject, objectApi, readObject } from './objects.ts';

type Params = IstioParams['kube.remoteSecret'];

export const READER_ACCOUNT = 'istio-reader-service-account';
export const READER_TOKEN_SECRET = 'istio-reader-service-account-istio-remote-secret-token';
const TOKEN_WAIT_MS = 60_000;

const secretRef = (name: string) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: ISTIO_NAMESPACE } });

export function remoteSecretHandler(kube: KubeAccess): ResourceHandler<Params, V1Secret> {
  return {
    async describe({ params }) {
      const target = await kube(params.target);
      return target ? readObject<V1Secret>(objectApi(target), secretRef(remoteSecretName(params.source.clusterName))) : undefined;
    },
    async create({ params }, _outputs, signal) {
      const source = await reachKube(kube, params.source);
      const { token, caData } = await readerToken(source, signal);
      const kubeconfig = remoteKubeconfig(params.source.clusterName, source.getCurrentCluster()?.server ?? '', caData, token);
      await applyObject(objectApi(await reachKube(kube, params.target)), remoteSecretObject(params.source.clusterName, Buffer.from(kubeconfig).toString('base64')) as V1Secret);
    },
    drift: async (secret, { params }) =>
      remoteSecretDrift(params.source.clusterName, observedSecret(secret)),
    phase: (secret, { params }) => {
      const drift = remoteSecretDrift(params.source.clusterName, observedSecret(secret));
      return drift.length === 0 ? ready() : { is: 'drifted', detail: `not in the istioctl format: ${drift.map((d) => d.field).join(', ')}` };
    },
    output: (secret) => ({ cloudId: `secrets/${secret.metadata?.name}`, state: 'present' }),
    async delete(_secret, { params }) {
      const target = await kube(params.target);
      if (target) await deleteObject(objectApi(target), secretRef(remoteSecretName(params.source.clusterName)));
    },
  };
}

function observedSecret(secret: V1Secret): ObservedRemoteSecret {
  return { labels: secret.metadata?.labels, annotations: secret.metadata?.annotations, dataKeys: Object.keys(secret.data ?? {}) };
}

/** The reader account's long-lived token, made the way istioctl does on Kubernetes ≥ 1.24. */
async function readerToken(source: KubeConfig, signal: AbortSignal): Promise<{ token: string; caData: string }> {
  const api = objectApi(source);
  const account = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: READER_ACCOUNT, namespace: ISTIO_NAMESPACE } };
  if (!(await readObject<V1ServiceAccount>(api, account))) await applyObject(api, account);
  await applyObject(api, {
    ...secretRef(READER_TOKEN_SECRET),
    metadata: { name: READER_TOKEN_SECRET, namespace: ISTIO_NAMESPACE, annotations: { 'kubernetes.io/service-account.name': READER_ACCOUNT } },
    type: 'kubernetes.io/service-account-token',
  } as V1Secret);
  const deadline = Date.now() + TOKEN_WAIT_MS;
  while (Date.now() < deadline && !signal.aborted) {
    const secret = await readObject<V1Secret>(api, secretRef(READER_TOKEN_SECRET));
    const token = secret?.data?.token;
    const caData = secret?.data?.['ca.crt'];
    if (token && caData) return { token: Buffer.from(token, 'base64').toString('utf8'), caData };
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the token controller did not fill ${ISTIO_NAMESPACE}/${READER_TOKEN_SECRET} within ${TOKEN_WAIT_MS / 1000}s`);
}

export function remoteKubeconfig(clusterName: string, server: string, caData: string, token: string): string {
  return dumpYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: clusterName, cluster: { server, 'certificate-authority-data': caData } }],
    contexts: [{ name: clusterName, context: { cluster: clusterName, user: clusterName } }],
    'current-context': clusterName,
    preferences: {},
    users: [{ name: clusterName, user: { token } }],
  });
}
