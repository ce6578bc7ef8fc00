/**
 * OIDC settings and an issuer that cannot be reached: the API refuses to start with an
 * issuer but no audience, and answers 503 (not 401) while it cannot fetch the issuer's keys,
 * then accepts nothing it could not verify.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Drills } from '../../api/drills.ts';
import type { Meshes } from '../../api/meshes.ts';
import type { Rotations } from '../../api/rotations.ts';
import { authenticatorFromEnv, isInsecureLoopback } from '../../api/auth.ts';
import { createApiServer } from '../../api/server.ts';
import { AesGcmPayloadCodec } from '../../domain/payload-codec.ts';

test('an issuer without an audience refuses to start, naming the missing variable', () => {
  assert.throws(() => authenticatorFromEnv({ CELLBRIDGE_OIDC_ISSUER: 'https://sso.example' }, '0.0.0.0'), /CELLBRIDGE_OIDC_AUDIENCE/);
});

test('an issuer alone is enough to start on any address, and is not the unauthenticated loopback mode', () => {
  const env = { CELLBRIDGE_OIDC_ISSUER: 'https://sso.example', CELLBRIDGE_OIDC_AUDIENCE: 'cellbridge', CELLBRIDGE_INSECURE_NO_AUTH: '1' };
  assert.doesNotThrow(() => authenticatorFromEnv(env, '0.0.0.0'));
  assert.equal(isInsecureLoopback(env), false);
});

test('while the issuer\'s discovery document cannot be fetched, a bearer token is answered 503, not let through', async () => {
  const closed = await closedPort();
  const authenticate = authenticatorFromEnv({ CELLBRIDGE_OIDC_ISSUER: `http://127.0.0.1:${closed}`, CELLBRIDGE_OIDC_AUDIENCE: 'cellbridge' }, '127.0.0.1');
  const audited: unknown[] = [];
  const app = createApiServer({
    authenticate,
    audit: (entry) => audited.push(entry),
    log: { error: () => undefined },
    loopbackOnly: false,
    meshes: { delete: async () => assert.fail('the route ran') } as unknown as Meshes,
    rotations: {} as Rotations,
    drills: {} as Drills,
    codec: new AesGcmPayloadCodec('k1', Buffer.alloc(32, 1)),
    temporal: { bounded: (fn) => fn(), ready: async () => true, retryAfterSeconds: 5 },
  });
  const answer = await app.inject({ method: 'DELETE', url: '/v1/meshes/abc', headers: { host: '127.0.0.1', authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.e30.c2ln' } });
  assert.equal(answer.statusCode, 503, answer.body);
  assert.equal(answer.json().error, 'IssuerUnavailable');
  assert.deepEqual(audited.map((e) => ({ ...(e as object), time: undefined })), [{ audit: 'cellbridge.api', time: undefined, caller: 'unauthenticated', method: 'DELETE', route: '/v1/meshes/:name', mesh: 'abc', status: 503 }]);
  await app.close();
});

/** A loopback port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
