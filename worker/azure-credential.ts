/**
 * Azure credentials: the real chain (environment, managed identity, CLI…) in general;
 * a fixed token only for an emulator on loopback, so it can never be pointed at Azure.
 */
import { DefaultAzureCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/core-auth';

export function azureCredential(kind: string | undefined, endpoint: string | undefined): TokenCredential {
  if (kind !== 'emulator') return new DefaultAzureCredential();
  const host = endpoint ? new URL(endpoint).hostname : '';
  if (host !== '127.0.0.1' && host !== 'localhost') {
    throw new Error(`CELLBRIDGE_AZURE_CREDENTIAL=emulator is only allowed with a loopback CELLBRIDGE_AZURE_ENDPOINT, got "${endpoint}"`);
  }
  return { getToken: async () => ({ token: 'emulator', expiresOnTimestamp: Date.now() + 3_600_000 }) };
}
