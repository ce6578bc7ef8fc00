/**
 * Errors from Temporal carry a numeric gRPC `code` where fastify's own carry a string one.
 * Found by running the codec key-rotation test with a worker that could not open an older
 * key's payloads: the query failed upstream and the API answered 500
 * "code?.startsWith is not a function" instead of saying what went wrong.
 * Meshes is replaced at the API's boundary: what is judged is the API's answer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Drills } from '../../api/drills.ts';
import type { Meshes } from '../../api/meshes.ts';
import type { Rotations } from '../../api/rotations.ts';
import { createApiServer } from '../../api/server.ts';
import { AesGcmPayloadCodec } from '../../domain/payload-codec.ts';
import { jsonLogger } from '../../worker/logger.ts';

function apiFailingWith(error: Error, logLines: string[] = []) {
  const meshes = { get: async () => Promise.reject(error) } as unknown as Meshes;
  return createApiServer({
    authenticate: async () => ({ caller: { kind: 'static-token', role: 'operator' } }),
    audit: () => undefined,
    log: jsonLogger('cellbridge-api', 'info', { write: (line: string) => void logLines.push(line) }),
    loopbackOnly: false,
    meshes,
    rotations: {} as Rotations,
    drills: { latest: async () => undefined } as unknown as Drills,
    codec: new AesGcmPayloadCodec('k1', Buffer.alloc(32, 1)),
    temporal: { bounded: (fn) => fn(), ready: async () => true, retryAfterSeconds: 5 },
  });
}

test('a Temporal failure with a numeric gRPC code is answered 502 naming the cause, not a 500 from the error handler', async () => {
  const grpcFailure = Object.assign(new Error('13 INTERNAL: payload was encrypted with key "k1", which this process does not hold'), { code: 13 });
  const app = apiFailingWith(grpcFailure);
  const answer = await app.inject({ method: 'GET', url: '/v1/meshes/abc', headers: { host: '127.0.0.1' } });
  assert.equal(answer.statusCode, 502, answer.body);
  assert.equal(answer.json().error, 'Upstream');
  assert.match(answer.json().message, /key "k1", which this process does not hold/);
  await app.close();
});

test('an upstream failure is logged as one JSON line: level error, the service, the method, the route pattern and the cause', async () => {
  const lines: string[] = [];
  const app = apiFailingWith(Object.assign(new Error('14 UNAVAILABLE: connection reset'), { code: 13 }), lines);
  await app.inject({ method: 'GET', url: '/v1/meshes/abc?x=1', headers: { host: '127.0.0.1' } });
  await app.close();
  assert.equal(lines.length, 1, lines.join(''));
  const entry = JSON.parse(lines[0]!);
  assert.equal(entry.level, 50, 'pino\'s error level');
  assert.ok(!Number.isNaN(Date.parse(entry.time)), 'an ISO time');
  assert.deepEqual({ service: entry.service, msg: entry.msg, method: entry.method, route: entry.route, error: entry.error },
    { service: 'cellbridge-api', msg: 'request failed', method: 'GET', route: '/v1/meshes/:name', error: '14 UNAVAILABLE: connection reset' });
});
