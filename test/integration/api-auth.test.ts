/**
 * The API as deployed with a token: every mesh route refuses a missing or wrong bearer
 * token before doing anything, and the contract is published as OpenAPI.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningProcess } from '../../sim/child-process.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startProduct } from '../../sim/stack.ts';
import { api, exampleSpec, useStack } from '../support/stack.ts';

const TOKEN = 'test-token-7f3a9c';

describe('API authentication', () => {
  const stack = useStack('api-auth', { product: false });
  let apiProcess: RunningProcess | undefined;
  before(async () => {
    const e = stack.endpoints();
    apiProcess = await startProduct('api', e.productEnv, join(STACK_DIR, 'test', 'api-auth', 'logs', 'api.log'), { CELLBRIDGE_API_TOKEN: TOKEN, CELLBRIDGE_INSECURE_NO_AUTH: '' });
  });
  after(() => apiProcess?.stop());

  const routes: [string, string, unknown?][] = [
    ['POST', '/v1/meshes', exampleSpec('minimal', { name: 'auth-none' })],
    ['GET', '/v1/meshes'],
    ['GET', '/v1/meshes/auth-none'],
    ['DELETE', '/v1/meshes/auth-none'],
    ['POST', '/codec/decode', { payloads: [] }],
  ];
  for (const [method, path, body] of routes) {
    test(`${method} ${path} answers 401 without a token and with a wrong one`, async () => {
      const e = stack.endpoints();
      for (const token of [undefined, 'wrong-token', `${TOKEN}x`]) {
        const reply = await api(e, method, path, body, token);
        assert.equal(reply.status, 401, `token ${token}`);
        assert.equal(reply.body.error, 'Unauthorized');
      }
    });
  }

  test('a POST refused for its token starts no workflow', async () => {
    const e = stack.endpoints();
    assert.equal((await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: 'auth-none' }), 'wrong-token')).status, 401);
    assert.equal((await api(e, 'GET', '/v1/meshes/auth-none', undefined, TOKEN)).status, 404);
  });

  test('a refused request to a mesh route carries no CORS header; the codec endpoint\'s carries only its configured origin', async () => {
    const e = stack.endpoints();
    const mesh = await fetch(`${e.api}/v1/meshes`, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'http://evil.example' }, body: '{}' });
    assert.equal(mesh.status, 401);
    assert.equal(mesh.headers.get('access-control-allow-origin'), null);
    const codec = await fetch(`${e.api}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', origin: e.temporal.ui }, body: '{"payloads":[]}' });
    assert.equal(codec.status, 401);
    assert.equal(codec.headers.get('access-control-allow-origin'), e.temporal.ui);
  });

  test('the right token is accepted', async () => {
    const e = stack.endpoints();
    const dryRun = await api(e, 'POST', '/v1/meshes?dryRun=true', exampleSpec('minimal', { name: 'auth-ok' }), TOKEN);
    assert.equal(dryRun.status, 200, JSON.stringify(dryRun.body));
    assert.equal(dryRun.body.valid, true);
  });

  test('GET /v1/openapi.json needs no token and documents every route and the mesh spec schema', async () => {
    const e = stack.endpoints();
    const doc = await api(e, 'GET', '/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.body.paths).sort(), ['/codec/{operation}', '/healthz', '/readyz', '/v1/meshes', '/v1/meshes/{name}', '/v1/meshes/{name}/drills', '/v1/meshes/{name}/drills/{drillId}', '/v1/meshes/{name}/rotation-schedule', '/v1/meshes/{name}/rotations', '/v1/meshes/{name}/rotations/{rotationId}', '/v1/meshes/{name}/verification', '/v1/openapi.json']);
    assert.deepEqual(doc.body.components.schemas.MeshSpec.required, ['apiVersion', 'name', 'aws', 'azure']);
  });
});
