// The service-account token controller (kube-controller-manager's, absent here): a Secret
// of type kubernetes.io/service-account-token that names a service account gets a token
// for it, the cluster's CA and its namespace, which is what `istioctl create-remote-secret`
// and its equivalents wait for. The token comes from the TokenRequest API, bound to the
// Secret, so the API server stops accepting it once the Secret is deleted, as it does for
// the controller's own tokens.
import { MERGE_PATCH, type AdminClient, type KubeObject } from './admin-client.ts';
import type { Controller } from './reflector.ts';

interface TokenSecret extends KubeObject {
  data?: Record<string, string>;
}

const SERVICE_ACCOUNT_NAME = 'kubernetes.io/service-account.name';
const SERVICE_ACCOUNT_UID = 'kubernetes.io/service-account.uid';
/** The controller's tokens never expire; ten years is as long as anything here lives. */
const TOKEN_SECONDS = 10 * 365 * 24 * 3600;

export function tokenSecrets(client: AdminClient, caPem: string): Controller<TokenSecret> {
  return {
    path: `/api/v1/secrets?fieldSelector=${encodeURIComponent('type=kubernetes.io/service-account-token')}`,
    async reconcile(secret) {
      const { name, namespace = '', uid, annotations = {}, deletionTimestamp } = secret.metadata;
      const account = annotations[SERVICE_ACCOUNT_NAME];
      if (!account || secret.data?.token || deletionTimestamp) return;
      // Throws (404) until the service account exists: the reflector retries.
      const serviceAccount = await client.call<KubeObject>('GET', `/api/v1/namespaces/${namespace}/serviceaccounts/${account}`);
      const expectedUid = annotations[SERVICE_ACCOUNT_UID];
      if (expectedUid && expectedUid !== serviceAccount.metadata.uid) return; // meant for an earlier account of that name
      const request = await client.call<{ status: { token: string } }>('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${account}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: TOKEN_SECONDS, boundObjectRef: { apiVersion: 'v1', kind: 'Secret', name, uid } },
      });
      const base64 = (text: string) => Buffer.from(text).toString('base64');
      await client.call('PATCH', `/api/v1/namespaces/${namespace}/secrets/${name}`, {
        // The uid makes the patch fail if the Secret was replaced meanwhile.
        metadata: { uid, annotations: { [SERVICE_ACCOUNT_UID]: serviceAccount.metadata.uid } },
        data: { token: base64(request.status.token), 'ca.crt': base64(caPem), namespace: base64(namespace) },
      }, MERGE_PATCH);
    },
  };
}
