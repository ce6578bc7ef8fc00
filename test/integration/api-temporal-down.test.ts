/**
 * The API without Temporal: it starts anyway, liveness stays cheap, readiness says
 * Temporal is unreachable, and every route that needs Temporal answers 503 with
 * Retry-After within a few seconds instead of hanging or answering 502. Two ways of
 * being unreachable: nothing listens (connection refused), and something accepts TCP but
 * never answers (a hung or black-holed Temporal).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningProcess } from '../../sim/child-process.ts';
import { freePort } from '../../sim/ports.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startProduct } from '../../sim/stack.ts';
import { exampleSpec } from '../support/stack.ts';
import { mirroredIstioReleases } from '../support/istio-releases.ts';

/** What a client may wait at most: the API's default Temporal deadline is 4 s, plus room for a busy machine. */
const BOUND_MS = 7_000;

const TEMPORAL_ROUTES: [string, string, unknown?][] = [
  ['POST', '/v1/meshes', exampleSpec('minimal', { name: 'down' })],
  ['GET', '/v1/meshes'],
  ['GET', '/v1/meshes/down'],
  ['DELETE', '/v1/meshes/down'],
  ['GET', '/v1/meshes/down/verification'],
  ['POST', '/v1/meshes/down/verification'],
  ['GET', '/v1/meshes/down/rotation-schedule'],
  ['PATCH', '/v1/meshes/down/rotation-schedule', { paused: true }],
  ['POST', '/v1/meshes/down/rotations', { kind: 'intermediate' }],
  ['GET', '/v1/meshes/down/rotations/rotation-down-intermediate-0123abcd'],
  ['POST', '/v1/meshes/down/drills'],
  ['GET', '/v1/meshes/down/drills/drill-down-0123abcd'],
];

async function timed(url: string, method: string, body?: unknown): Promise<{ status: number; retryAfter: string | null; body: any; ms: number }> {
  const started = Date.now();
  const response = await fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  return { status: response.status, retryAfter: response.headers.get('retry-after'), body: text ? JSON.parse(text) : undefined, ms: Date.now() - started };
}

function describeUnreachable(kind: string, listen: () => Promise<{ address: string; close(): Promise<void> }>) {
  describe(`API with Temporal unreachable (${kind})`, () => {
    let api: RunningProcess | undefined;
    let temporal: { address: string; close(): Promise<void> } | undefined;
    let base = '';
    before(async () => {
      temporal = await listen();
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      const dir = join(STACK_DIR, 'test', 'api-temporal-down');
      mkdirSync(dir, { recursive: true });
      api = await startProduct('api', {
        TEMPORAL_ADDRESS: temporal.address,
        CELLBRIDGE_CODEC_KEY: randomBytes(32).toString('base64'),
        CELLBRIDGE_ISTIO_RELEASES: mirroredIstioReleases(dir),
        CELLBRIDGE_API_PORT: String(port),
        CELLBRIDGE_INSECURE_NO_AUTH: '1',
      }, join(dir, `api-${kind.replace(/\W+/g, '-')}.log`));
    });
    after(async () => {
      await api?.stop();
      await temporal?.close();
    });

    test('the API starts, and /healthz answers 200 at once without touching Temporal', async () => {
      const reply = await timed(`${base}/healthz`, 'GET');
      assert.equal(reply.status, 200);
      assert.ok(reply.ms < 1_000, `${reply.ms} ms`);
    });

    test('/readyz answers 503 with Retry-After, within a few seconds', async () => {
      const reply = await timed(`${base}/readyz`, 'GET');
      assert.equal(reply.status, 503, JSON.stringify(reply.body));
      assert.equal(reply.body.ready, false);
      assert.match(reply.retryAfter ?? '', /^[1-9][0-9]*$/);
      assert.ok(reply.ms < BOUND_MS, `${reply.ms} ms`);
    });

    test(`every route that needs Temporal answers 503 with Retry-After and says Temporal is unreachable, within ${BOUND_MS} ms`, async () => {
      const replies = await Promise.all(TEMPORAL_ROUTES.map(async ([method, path, body]) => ({ route: `${method} ${path}`, ...(await timed(`${base}${path}`, method, body)) })));
      for (const reply of replies) {
        assert.equal(reply.status, 503, `${reply.route}: ${JSON.stringify(reply.body)}`);
        assert.match(reply.retryAfter ?? '', /^[1-9][0-9]*$/, reply.route);
        assert.equal(reply.body.error, 'TemporalUnavailable', reply.route);
        assert.match(reply.body.message, /Temporal could not be reached/, reply.route);
        assert.ok(reply.ms < BOUND_MS, `${reply.route} took ${reply.ms} ms`);
      }
    });

    test('a dry run needs no Temporal and still validates', async () => {
      const reply = await timed(`${base}/v1/meshes?dryRun=true`, 'POST', exampleSpec('minimal', { name: 'down' }));
      assert.equal(reply.status, 200, JSON.stringify(reply.body));
      assert.equal(reply.body.valid, true);
    });
  });
}

describeUnreachable('nothing listens', async () => {
  const port = await freePort();
  return { address: `127.0.0.1:${port}`, close: async () => undefined };
});

describeUnreachable('accepts TCP, never answers', async () => {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    address: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
});
