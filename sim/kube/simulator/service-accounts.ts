// The service-account and root-CA publisher controllers: every active namespace has a
// `default` service account (without it the API server refuses pods that name none) and
// the `kube-root-ca.crt` ConfigMap that projected service-account volumes read.
import { KubeError, type AdminClient, type KubeObject } from './admin-client.ts';
import type { Controller } from './reflector.ts';

interface Namespace extends KubeObject {
  status?: { phase?: string };
}

export function serviceAccounts(client: AdminClient, caPem: string): Controller<Namespace> {
  const exists = (error: unknown) => {
    // 409: already there; 403/404: the namespace is terminating or gone meanwhile.
    if (!(error instanceof KubeError && [403, 404, 409].includes(error.status))) throw error;
  };
  return {
    path: '/api/v1/namespaces',
    async reconcile(namespace) {
      const { name, deletionTimestamp } = namespace.metadata;
      if (deletionTimestamp || namespace.status?.phase === 'Terminating') return;
      const ensure = async (kind: string, body: object) => {
        const found = await client.call('GET', `/api/v1/namespaces/${name}/${kind}/${(body as { metadata: { name: string } }).metadata.name}`).catch(() => undefined);
        if (!found) await client.call('POST', `/api/v1/namespaces/${name}/${kind}`, body).catch(exists);
      };
      await ensure('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } });
      await ensure('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' } }, data: { 'ca.crt': caPem } });
    },
  };
}
