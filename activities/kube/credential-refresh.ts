/**
 * What remembering cluster credentials (credential-cache.ts) must not cost: a credential the
 * cloud rotated, or a cluster deleted and created again under the same name (a new CA, a new
 * admin certificate), would otherwise fail an activity for good, since the API server's 401
 * and a TLS verification error are final (cloud-errors.ts). Such a failure on a first attempt
 * forgets every remembered credential and is retried, so the next attempt asks the cloud; a
 * later attempt that meets it again fails as before, with fresh credentials.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';

/** 401 from an API server (client library or helm), or a server certificate the remembered CA does not verify. */
const STALE = /\b(Unauthorized|Http401|You must be logged in to the server|x509: certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|CERT_SIGNATURE_FAILURE|ERR_TLS_CERT_ALTNAME_INVALID)\b/;

export function mayBeStaleCredentials(error: unknown): boolean {
  const e = error as { type?: string; code?: unknown; message?: string } | undefined;
  if (e?.code === 401) return true;
  return STALE.test(`${e?.type ?? ''} ${typeof e?.code === 'string' ? e.code : ''} ${e?.message ?? ''}`);
}

/** Every activity of `activities`, forgetting remembered credentials (and retrying once) when they may be what failed. */
export function refreshingCredentials<A extends Record<string, (...args: never[]) => Promise<unknown>>>(forget: () => void, activities: A): A {
  const wrapped = Object.entries(activities).map(([name, activity]) => [
    name,
    async (...args: never[]) => {
      try {
        return await activity(...args);
      } catch (error) {
        if (!mayBeStaleCredentials(error)) throw error;
        forget();
        if (Context.current().info.attempt > 1) throw error;
        throw ApplicationFailure.create({ message: `${(error as Error).message} (with remembered cluster credentials: retried with fresh ones)`, type: 'kube.StaleCredentials', nonRetryable: false, cause: error as Error });
      }
    },
  ]);
  return Object.fromEntries(wrapped) as A;
}
