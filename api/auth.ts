/**
 * Who is calling: the static bearer token (an operator), an OIDC token (oidc.ts: a
 * reader or an operator by its claims), or nobody at all in the loopback-only local mode.
 * The static token is compared as a SHA-256 digest with timingSafeEqual, so neither its
 * content nor its length leaks through timing.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Role } from '../domain/roles.ts';
import { oidcSettingsFromEnv, oidcVerifier, type TokenVerifier } from './oidc.ts';

export type Caller =
  | { kind: 'static-token'; role: Role }
  | { kind: 'oidc'; subject: string; issuer: string; role: Role }
  /** CELLBRIDGE_INSECURE_NO_AUTH=1 on loopback: whoever reaches the port. */
  | { kind: 'no-auth'; role: Role };

export type Authentication = { caller: Caller } | { refusal: string };

/** From the Authorization header's value; throws an HttpError when the token cannot be checked now (the issuer is down). */
export type Authenticator = (authorization: string | undefined) => Promise<Authentication>;

const MISSING = { refusal: 'a valid bearer token is required' };

export function bearerAuthenticator(staticToken: string | undefined, oidc: TokenVerifier | undefined): Authenticator {
  const expected = staticToken === undefined ? undefined : digest(staticToken);
  return async (authorization) => {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    if (token === undefined) return MISSING;
    if (expected && timingSafeEqual(digest(token), expected)) return { caller: { kind: 'static-token', role: 'operator' } };
    return oidc ? oidc(token) : MISSING;
  };
}

/**
 * No token and no issuer: allowed only when explicitly asked for and only on loopback,
 * which is what the local stack does. Anything else refuses to start.
 */
export function authenticatorFromEnv(env: Record<string, string | undefined>, host: string): Authenticator {
  const oidc = oidcSettingsFromEnv(env);
  if (env.CELLBRIDGE_API_TOKEN || oidc) return bearerAuthenticator(env.CELLBRIDGE_API_TOKEN || undefined, oidc && oidcVerifier(oidc));
  if (env.CELLBRIDGE_INSECURE_NO_AUTH !== '1') {
    throw new Error('neither CELLBRIDGE_API_TOKEN nor CELLBRIDGE_OIDC_ISSUER is set; set one, or set CELLBRIDGE_INSECURE_NO_AUTH=1 for a local, loopback-only API without authentication');
  }
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '::1') {
    throw new Error(`CELLBRIDGE_INSECURE_NO_AUTH=1 is only allowed on a loopback address, not ${host}`);
  }
  return async () => ({ caller: { kind: 'no-auth', role: 'operator' } });
}

/** The loopback-only mode without authentication, where browser-guard.ts keeps other origins and rebound host names out. */
export function isInsecureLoopback(env: Record<string, string | undefined>): boolean {
  return !env.CELLBRIDGE_API_TOKEN && !env.CELLBRIDGE_OIDC_ISSUER && env.CELLBRIDGE_INSECURE_NO_AUTH === '1';
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
