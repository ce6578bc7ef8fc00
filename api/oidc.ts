/**
 * OIDC bearer tokens: JWTs verified by jose against the issuer's published keys
 * (signature, issuer, audience, expiry; a token without `exp` or `sub` is refused).
 * The keys come from the configured JWKS URL or, without one, from the issuer's
 * discovery document, fetched when the first token arrives, so the API starts while
 * the issuer is down.
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { roleFromClaims, type OperatorRule } from '../domain/roles.ts';
import type { Authentication } from './auth.ts';
import { HttpError } from './http.ts';

export interface OidcSettings {
  issuer: string;
  audience: string;
  /** Without it, the `jwks_uri` of `<issuer>/.well-known/openid-configuration`. */
  jwksUrl?: string;
  operators: OperatorRule;
}

const FETCH_TIMEOUT_MS = 5_000;

export function oidcSettingsFromEnv(env: Record<string, string | undefined>): OidcSettings | undefined {
  const issuer = env.CELLBRIDGE_OIDC_ISSUER;
  if (!issuer) return undefined;
  const audience = env.CELLBRIDGE_OIDC_AUDIENCE;
  if (!audience) throw new Error('CELLBRIDGE_OIDC_ISSUER is set without CELLBRIDGE_OIDC_AUDIENCE: tokens issued for any other client would be accepted');
  return {
    issuer,
    audience,
    ...(env.CELLBRIDGE_OIDC_JWKS_URL ? { jwksUrl: env.CELLBRIDGE_OIDC_JWKS_URL } : {}),
    operators: {
      claim: env.CELLBRIDGE_OIDC_OPERATOR_CLAIM || 'groups',
      values: (env.CELLBRIDGE_OIDC_OPERATOR_VALUES ?? '').split(',').map((v) => v.trim()).filter(Boolean),
    },
  };
}

export type TokenVerifier = (token: string) => Promise<Authentication>;

export function oidcVerifier(settings: OidcSettings): TokenVerifier {
  const keys = lazyKeySet(settings);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, await keys(), { issuer: settings.issuer, audience: settings.audience, requiredClaims: ['exp', 'sub'] });
      return { caller: { kind: 'oidc', subject: payload.sub!, issuer: settings.issuer, role: roleFromClaims(payload, settings.operators) } };
    } catch (error) {
      if (issuerUnreachable(error)) throw new HttpError(503, { error: 'IssuerUnavailable', message: `the OIDC issuer's keys could not be fetched (${(error as Error).message}); retry later` });
      if (error instanceof errors.JOSEError) return { refusal: `the bearer token is not accepted: ${error.message}` };
      throw error;
    }
  };
}

/** Fetching the keys failed, as opposed to the token failing against them. */
function issuerUnreachable(error: unknown): boolean {
  if (error instanceof HttpError) return false;
  if (!(error instanceof errors.JOSEError)) return true;
  return error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid || error.code === 'ERR_JOSE_GENERIC';
}

/** One key set for the process (jose caches and refreshes the keys); a failed discovery is tried again on the next token. */
function lazyKeySet(settings: OidcSettings): () => Promise<JWTVerifyGetKey> {
  let keySet: Promise<JWTVerifyGetKey> | undefined;
  return () => {
    if (keySet) return keySet;
    const fetching = jwksUrl(settings).then((url) => createRemoteJWKSet(new URL(url), { timeoutDuration: FETCH_TIMEOUT_MS }));
    fetching.catch(() => (keySet = undefined));
    return (keySet = fetching);
  };
}

async function jwksUrl(settings: OidcSettings): Promise<string> {
  if (settings.jwksUrl) return settings.jwksUrl;
  const url = `${settings.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const response = await fetch(url, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const discovery = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
  // OpenID Connect Discovery: the document must name the issuer it was fetched for.
  if (discovery.issuer !== settings.issuer) throw new Error(`${url} names issuer ${JSON.stringify(discovery.issuer)}, not ${settings.issuer}`);
  if (typeof discovery.jwks_uri !== 'string') throw new Error(`${url} has no jwks_uri`);
  return discovery.jwks_uri;
}
