/**
 * Static cloud credentials have no place in a mesh's namespaces: workloads should use
 * IRSA / Pod Identity or workload identity. Reports where such a value is (secret and
 * key), never the value.
 */
import type { CoreV1Api } from '@kubernetes/client-node';

const PATTERNS: [RegExp, string][] = [
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/, 'an AWS access key ID'],
  [/aws_secret_access_key/i, 'an AWS secret access key'],
  [/AZURE_CLIENT_SECRET|"clientSecret"\s*:/i, 'an Azure client secret'],
];
const SUSPICIOUS_KEYS = /^(aws_access_key_id|aws_secret_access_key|azure_client_secret|client_secret)$/i;

export async function staticCloudCredentials(core: CoreV1Api, namespaces: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const namespace of namespaces) {
    let items;
    try {
      ({ items } = await core.listNamespacedSecret({ namespace }));
    } catch {
      continue; // a namespace that does not exist holds nothing
    }
    for (const secret of items) {
      for (const [key, value] of Object.entries(secret.data ?? {})) {
        const text = Buffer.from(value, 'base64').toString('utf8');
        const match = PATTERNS.find(([pattern]) => pattern.test(text));
        if (match || SUSPICIOUS_KEYS.test(key)) found.push(`${namespace}/${secret.metadata?.name}: ${key} (${match?.[1] ?? 'a cloud credential key name'})`);
      }
    }
  }
  return found;
}
