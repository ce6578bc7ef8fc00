/**
 * Bearer-token authentication. Tokens are compared as SHA-256 digests with
 * timingSafeEqual, so neither their content nor their length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export type Authenticator = (request: IncomingMessage) => boolean;

export function bearerAuthenticator(token: string): Authenticator {
  const expected = digest(token);
  return (request) => {
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    return match?.[1] !== undefined && timingSafeEqual(digest(match[1]), expected);
  };
}

/**
 * No token: allowed only when explicitly asked for and only on loopback, which is what
 * the local stack does. Anything else refuses to start.
 */
export function authenticatorFromEnv(env: Record<string, string | undefined>, host: string): Authenticator {
  if (env.CELLBRIDGE_API_TOKEN) return bearerAuthenticator(env.CELLBRIDGE_API_TOKEN);
  if (env.CELLBRIDGE_INSECURE_NO_AUTH !== '1') {
    throw new Error('CELLBRIDGE_API_TOKEN is not set; set it, or set CELLBRIDGE_INSECURE_NO_AUTH=1 for a local, loopback-only API without authentication');
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    throw new Error(`CELLBRIDGE_INSECURE_NO_AUTH=1 is only allowed on a loopback address, not ${host}`);
  }
  return () => true;
}

/** The loopback-only mode without a token, where browser-guard.ts keeps other origins and rebound host names out. */
export function isInsecureLoopback(env: Record<string, string | undefined>): boolean {
  return !env.CELLBRIDGE_API_TOKEN && env.CELLBRIDGE_INSECURE_NO_AUTH === '1';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
