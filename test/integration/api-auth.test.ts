/**
 * The API as deployed with a static token and an OIDC issuer: every mesh route refuses a
 * missing or wrong bearer token before doing anything, OIDC readers may only read,
 * operators may change, every change is audited, and the contract is published as OpenAPI.
 * The issuer is a local one (test/support/oidc-issuer.ts); what a refused or accepted
 * request did is judged from Temporal's own history and the API's log.
 */
import { Client, Connection } from '@temporalio/client';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningProcess } from '../../sim/child-process.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startProduct } from '../../sim/stack.ts';
import { startLocalIssuer, type LocalIssuer } from '../support/oidc-issuer.ts';
import { api, exampleSpec, useStack } from '../support/stack.ts';

const TOKEN = 'test-token-7f3a9c';
const AUDIENCE = 'cellbridge-api';
const LOG = join(STACK_DIR, 'test', 'api-auth', 'logs', 'api.log');

describe('API authentication', () => {
  const stack = useStack('api-auth', { product: false });
  let apiProcess: RunningProcess | undefined;
  let issuer: LocalIssuer;
  before(async () => {
    const e = stack.endpoints();
    issuer = await startLocalIssuer(AUDIENCE);
    apiProcess = await startProduct('api', e.productEnv, LOG, {
      CELLBRIDGE_API_TOKEN: TOKEN,
      CELLBRIDGE_INSECURE_NO_AUTH: '',
      CELLBRIDGE_OIDC_ISSUER: issuer.issuer,
      CELLBRIDGE_OIDC_AUDIENCE: AUDIENCE,
      CELLBRIDGE_OIDC_OPERATOR_CLAIM: 'groups',
      CELLBRIDGE_OIDC_OPERATOR_VALUES: 'mesh-operators,platform',
    });
  });
  after(async () => {
    await apiProcess?.stop();
    await issuer?.stop();
  });

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

  test('an OIDC reader can list meshes but gets 403 on DELETE, and the mesh\'s workflow receives no signal', async () => {
    const e = stack.endpoints();
    const created = await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: 'oidc-read' }), TOKEN);
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const reader = await issuer.token({ subject: 'rita', groups: ['viewers'] });
    const list = await api(e, 'GET', '/v1/meshes', undefined, reader);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const refused = await api(e, 'DELETE', '/v1/meshes/oidc-read', undefined, reader);
    assert.equal(refused.status, 403, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'Forbidden');
    assert.match(refused.body.message, /may only read.*DELETE \/v1\/meshes\/oidc-read needs an operator/);
    assert.deepEqual(await signalsReceived(e.temporal.address, created.body.workflowId), []);
  });

  test('an OIDC operator (a listed group) can DELETE: the mesh\'s workflow receives the teardown signal', async () => {
    const e = stack.endpoints();
    const created = await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: 'oidc-operate' }), TOKEN);
    assert.equal(created.status, 202, JSON.stringify(created.body));
    const operator = await issuer.token({ subject: 'olga', groups: ['viewers', 'platform'] });
    const deleted = await api(e, 'DELETE', '/v1/meshes/oidc-operate', undefined, operator);
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
    assert.equal(deleted.body.action, 'teardown');
    assert.deepEqual(await signalsReceived(e.temporal.address, created.body.workflowId), ['teardown']);
  });

  const refusedTokens: [string, () => Promise<string>, RegExp][] = [
    ['an expired token', () => issuer.token({ subject: 'olga', groups: ['platform'], expiresIn: -60 }), /"exp" claim timestamp check failed/],
    ['a token for another audience', () => issuer.token({ subject: 'olga', groups: ['platform'], audience: 'some-other-app' }), /"aud" claim/],
    ['a token signed with a key the issuer does not publish', () => issuer.token({ subject: 'olga', groups: ['platform'], unpublishedKey: true }), /signature verification failed/],
    ['a token without an expiry', () => issuer.token({ subject: 'olga', groups: ['platform'], noExpiry: true }), /"exp"/],
  ];
  for (const [what, mint, reason] of refusedTokens) {
    test(`${what} is refused with 401 on GET and on DELETE, saying why`, async () => {
      const e = stack.endpoints();
      const token = await mint();
      for (const [method, path] of [['GET', '/v1/meshes'], ['DELETE', '/v1/meshes/oidc-none']] as const) {
        const reply = await api(e, method, path, undefined, token);
        assert.equal(reply.status, 401, `${method} ${path}: ${JSON.stringify(reply.body)}`);
        assert.equal(reply.body.error, 'Unauthorized');
        assert.match(reply.body.message, reason);
      }
    });
  }

  test('every mutating request is one audit line naming the caller, route, mesh and status, and no token is logged', async () => {
    const e = stack.endpoints();
    const reader = await issuer.token({ subject: 'audit-reader', groups: ['viewers'] });
    const operator = await issuer.token({ subject: 'audit-operator', groups: ['mesh-operators'] });
    // The log file outlives the stack: only this test's lines are judged.
    const start = statSync(LOG).size;
    assert.equal((await api(e, 'DELETE', '/v1/meshes/audit-mesh', undefined, reader)).status, 403);
    assert.equal((await api(e, 'DELETE', '/v1/meshes/audit-mesh', undefined, operator)).status, 404);
    assert.equal((await api(e, 'POST', '/v1/meshes?dryRun=true', exampleSpec('minimal', { name: 'audit-mesh' }), TOKEN)).status, 200);
    assert.equal((await api(e, 'DELETE', '/v1/meshes/audit-mesh', undefined, 'not-a-token')).status, 401);
    assert.equal((await api(e, 'GET', '/v1/meshes', undefined, reader)).status, 200);
    const log = readFileSync(LOG).subarray(start).toString('utf8');
    const entries = log.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line)).filter((entry) => entry.audit === 'cellbridge.api');
    const audit = entries.filter((entry) => entry.mesh === 'audit-mesh');
    const strip = ({ time, ...rest }: Record<string, unknown>) => (assert.ok(!Number.isNaN(Date.parse(String(time)))), rest);
    assert.deepEqual(audit.map(strip), [
      { audit: 'cellbridge.api', caller: 'oidc', subject: 'audit-reader', issuer: issuer.issuer, method: 'DELETE', route: '/v1/meshes/:name', mesh: 'audit-mesh', status: 403 },
      { audit: 'cellbridge.api', caller: 'oidc', subject: 'audit-operator', issuer: issuer.issuer, method: 'DELETE', route: '/v1/meshes/:name', mesh: 'audit-mesh', status: 404 },
      { audit: 'cellbridge.api', caller: 'static token', method: 'POST', route: '/v1/meshes', mesh: 'audit-mesh', status: 200 },
      { audit: 'cellbridge.api', caller: 'unauthenticated', method: 'DELETE', route: '/v1/meshes/:name', mesh: 'audit-mesh', status: 401 },
    ]);
    assert.deepEqual(entries.filter((entry) => entry.method === 'GET'), [], 'reading is not audited');
    const wholeLog = readFileSync(LOG, 'utf8');
    for (const secret of [TOKEN, reader, operator, 'not-a-token']) assert.ok(!wholeLog.includes(secret), 'a token in the log');
  });

  test('GET /v1/openapi.json needs no token and documents every route and the mesh spec schema', async () => {
    const e = stack.endpoints();
    const doc = await api(e, 'GET', '/v1/openapi.json');
    assert.equal(doc.status, 200);
    assert.equal(doc.body.openapi, '3.1.0');
    assert.deepEqual(Object.keys(doc.body.paths).sort(), ['/codec/{operation}', '/healthz', '/readyz', '/v1/meshes', '/v1/meshes/{name}', '/v1/meshes/{name}/drift', '/v1/meshes/{name}/drift-checks', '/v1/meshes/{name}/drills', '/v1/meshes/{name}/drills/{drillId}', '/v1/meshes/{name}/rotation-schedule', '/v1/meshes/{name}/rotations', '/v1/meshes/{name}/rotations/{rotationId}', '/v1/meshes/{name}/verification', '/v1/openapi.json']);
    assert.deepEqual(doc.body.components.schemas.MeshSpec.required, ['apiVersion', 'name', 'aws', 'azure']);
  });
});

/** The names of the signals the workflow has received, from Temporal's history of it. */
async function signalsReceived(address: string, workflowId: string): Promise<string[]> {
  const connection = await Connection.connect({ address });
  try {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    return (history.events ?? []).flatMap((event) => event.workflowExecutionSignaledEventAttributes?.signalName ?? []);
  } finally {
    await connection.close();
  }
}
