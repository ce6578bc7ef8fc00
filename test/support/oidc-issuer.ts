/**
 * A local OIDC issuer for tests: an HTTP server publishing a discovery document and its
 * JWKS, and tokens signed with its key by jose. It also signs with a key it does not
 * publish, for tokens that only look like its own.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';

export interface TokenOptions {
  subject: string;
  groups?: string[];
  audience?: string;
  /** Seconds from now; negative for a token that has expired. */
  expiresIn?: number;
  /** Sign with a key the issuer does not publish. */
  unpublishedKey?: boolean;
  /** Leave out `exp`. */
  noExpiry?: boolean;
}

export interface LocalIssuer {
  issuer: string;
  audience: string;
  token(options: TokenOptions): Promise<string>;
  stop(): Promise<void>;
}

const KID = 'test-key-1';

export async function startLocalIssuer(audience: string): Promise<LocalIssuer> {
  const published = await generateKeyPair('ES256');
  const unpublished = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(published.publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  let issuer = '';
  const server = createServer((request, response) => {
    const body = request.url === '/.well-known/openid-configuration' ? { issuer, jwks_uri: `${issuer}/jwks` } : request.url === '/jwks' ? { keys: [jwk] } : undefined;
    response.writeHead(body ? 200 : 404, { 'content-type': 'application/json' }).end(JSON.stringify(body ?? {}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    audience,
    token: async (options) => {
      const claims: JWTPayload = options.groups ? { groups: options.groups } : {};
      const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: KID }).setIssuer(issuer).setSubject(options.subject).setAudience(options.audience ?? audience).setIssuedAt();
      if (!options.noExpiry) jwt.setExpirationTime(Math.floor(Date.now() / 1000) + (options.expiresIn ?? 300));
      return jwt.sign(options.unpublishedKey ? unpublished.privateKey : published.privateKey);
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
