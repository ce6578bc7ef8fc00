/**
 * The API tried as a hostile or careless client would, on the proving ground (real
 * Temporal, worker and emulators; the API in its loopback mode without a token, as
 * `npm start` runs it). Verdicts come from real clients: Python's http.client, raw TCP,
 * Node's http module, and the Temporal server itself for what was (not) started.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import type { RunningProcess } from '../../sim/child-process.ts';
import { freePort } from '../../sim/ports.ts';
import { PYTHON, STACK_DIR } from '../../sim/setup.ts';
import { startProduct, type Endpoints } from '../../sim/stack.ts';
import { temporalSettings } from '../../domain/settings.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import { api, clearFaults, exampleSpec, injectFault, meshInventory, useStack, waitForPhase } from '../support/stack.ts';

const MiB = 1 << 20;

/** One HTTP exchange through Node's http client, with any Host, Origin or content type. */
function raw(e: Endpoints, method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: any }> {
  const url = new URL(e.api);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers: { ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Whether Temporal holds any run of the mesh's workflow: the judge of "nothing was started". */
async function meshStarted(e: Endpoints, mesh: string): Promise<boolean> {
  const connection = await Connection.connect({ address: e.temporal.address });
  try {
    await new Client({ connection }).workflow.getHandle(`mesh-${mesh}`).describe();
    return true;
  } catch (error) {
    if ((error as Error).name === 'WorkflowNotFoundError') return false;
    throw error;
  } finally {
    await connection.close();
  }
}

describe('API against hostile and careless clients', () => {
  const stack = useStack('api-hostile');

  describe('bodies', () => {
    test('a 5 MiB body from a client that reads only after sending everything (Python http.client) gets the 413 answer, not a reset', async () => {
      const e = stack.endpoints();
      const script = [
        'import http.client, sys, json',
        `c = http.client.HTTPConnection("127.0.0.1", ${new URL(e.api).port}, timeout=30)`,
        `c.request("POST", "/v1/meshes", body=b"[" + b" " * ${5 * MiB} + b"]", headers={"content-type": "application/json"})`,
        'r = c.getresponse()',
        'print(json.dumps({"status": r.status, "body": json.loads(r.read())}))',
      ].join('\n');
      const { stdout } = await promisify(execFile)(PYTHON, ['-c', script], { timeout: 60_000 });
      const reply = JSON.parse(stdout);
      assert.equal(reply.status, 413, stdout);
      assert.equal(reply.body.error, 'PayloadTooLarge');
      assert.match(reply.body.message, /1048576 bytes/);
    });

    test('a declared Content-Length over the limit is answered 413 before a single body byte is sent', async () => {
      const e = stack.endpoints();
      const socket = connect(Number(new URL(e.api).port), '127.0.0.1');
      const answer = await new Promise<string>((resolve, reject) => {
        let text = '';
        socket.on('data', (d) => {
          text += d;
          if (text.includes('\r\n\r\n')) resolve(text);
        });
        socket.on('error', reject);
        setTimeout(() => reject(new Error(`no answer within 5 s; got ${JSON.stringify(text)}`)), 5_000).unref();
        socket.write(`POST /v1/meshes HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${100 * MiB}\r\n\r\n`);
      });
      socket.destroy();
      assert.match(answer, /^HTTP\/1\.1 413 /);
    });

    test('a chunked body that grows past the limit is answered 413 and starts nothing', async () => {
      const e = stack.endpoints();
      const spec = JSON.stringify(exampleSpec('minimal', { name: 'hx-chunked' }));
      const padding = new Uint8Array(64 * 1024).fill(0x20);
      let sent = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent === 0) controller.enqueue(new TextEncoder().encode(spec.slice(0, -1)));
          if (sent > 2 * MiB) {
            controller.enqueue(new TextEncoder().encode('}'));
            return controller.close();
          }
          controller.enqueue(padding);
          sent += padding.length;
        },
      });
      const response = await fetch(`${e.api}/v1/meshes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, duplex: 'half' } as RequestInit);
      assert.equal(response.status, 413, await response.clone().text());
      assert.equal((await response.json()).error, 'PayloadTooLarge');
      assert.equal(await meshStarted(e, 'hx-chunked'), false);
    });

    test('a valid spec sent as text/plain (what a browser form or no-cors fetch sends) is refused with 415 and starts nothing', async () => {
      const e = stack.endpoints();
      const spec = JSON.stringify(exampleSpec('minimal', { name: 'hx-text' }));
      for (const headers of [{ 'content-type': 'text/plain' }, { 'content-type': 'application/x-www-form-urlencoded' }, {}] as Record<string, string>[]) {
        const reply = await raw(e, 'POST', '/v1/meshes', headers, spec);
        assert.equal(reply.status, 415, `${JSON.stringify(headers)}: ${JSON.stringify(reply.body)}`);
        assert.equal(reply.body.error, 'UnsupportedMediaType');
      }
      assert.equal((await raw(e, 'PATCH', '/v1/meshes/hx-text/rotation-schedule', { 'content-type': 'text/plain' }, '{"paused":true}')).status, 415);
      assert.equal((await raw(e, 'POST', '/v1/meshes/hx-text/rotations', { 'content-type': 'text/plain' }, '{"kind":"root"}')).status, 415);
      assert.equal(await meshStarted(e, 'hx-text'), false);
    });

    test('a body that is not JSON is refused with 400 naming the rule (json.syntax)', async () => {
      const reply = await raw(stack.endpoints(), 'POST', '/v1/meshes', { 'content-type': 'application/json' }, '{"apiVersion": ');
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.problems.map((p: any) => p.rule), ['json.syntax']);
    });
  });

  describe('browsers, without a token', () => {
    test('POST /v1/meshes from a page of another origin (Origin: http://evil.example) is refused with 403 and starts nothing', async () => {
      const e = stack.endpoints();
      const reply = await raw(e, 'POST', '/v1/meshes', { 'content-type': 'application/json', origin: 'http://evil.example' }, JSON.stringify(exampleSpec('minimal', { name: 'hx-origin' })));
      assert.equal(reply.status, 403, JSON.stringify(reply.body));
      assert.match(reply.body.message, /another origin/);
      assert.equal(reply.headers['access-control-allow-origin'], undefined);
      assert.equal(await meshStarted(e, 'hx-origin'), false);
    });

    test('a request addressed to another host name (DNS rebinding: Host: evil.example:8080) is refused with 403 and starts nothing', async () => {
      const e = stack.endpoints();
      const spec = JSON.stringify(exampleSpec('minimal', { name: 'hx-rebind' }));
      const post = await raw(e, 'POST', '/v1/meshes', { 'content-type': 'application/json', host: 'evil.example:8080' }, spec);
      assert.equal(post.status, 403, JSON.stringify(post.body));
      assert.match(post.body.message, /loopback host/);
      assert.equal((await raw(e, 'GET', '/v1/meshes', { host: 'evil.example:8080' })).status, 403, 'reads are refused too: a rebound page would be same-origin');
      assert.equal(await meshStarted(e, 'hx-rebind'), false);
    });

    test('DELETE and PATCH from another origin are refused with 403', async () => {
      const e = stack.endpoints();
      assert.equal((await raw(e, 'DELETE', '/v1/meshes/hx-origin', { origin: 'http://evil.example' })).status, 403);
      assert.equal((await raw(e, 'PATCH', '/v1/meshes/hx-origin/rotation-schedule', { origin: 'http://evil.example', 'content-type': 'application/json' }, '{"paused":true}')).status, 403);
    });

    test('the API\'s own origin and clients without an Origin (curl, SDKs) are served', async () => {
      const e = stack.endpoints();
      const host = new URL(e.api).host;
      const own = await raw(e, 'POST', '/v1/meshes?dryRun=true', { 'content-type': 'application/json', origin: `http://${host}` }, JSON.stringify(exampleSpec('minimal', { name: 'hx-own' })));
      assert.equal(own.status, 200, JSON.stringify(own.body));
      assert.equal((await raw(e, 'GET', '/v1/meshes', { host: `localhost:${new URL(e.api).port}` })).status, 200);
    });

    test('mesh routes answer no CORS preflight; the codec endpoint keeps its configured origin (the Web UI)', async () => {
      const e = stack.endpoints();
      const preflight = { origin: 'http://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' };
      const mesh = await raw(e, 'OPTIONS', '/v1/meshes', preflight);
      assert.equal(mesh.headers['access-control-allow-origin'], undefined);
      const codec = await raw(e, 'OPTIONS', '/codec/decode', { ...preflight, origin: e.temporal.ui });
      assert.equal(codec.status, 204);
      assert.equal(codec.headers['access-control-allow-origin'], e.temporal.ui);
    });
  });

  describe('path parameters', () => {
    const bad = ['Bad_Name', 'ab', '..%2F..%2Fx', 'abc-', 'a'.repeat(25)];
    const routes = (name: string): [string, string, unknown?][] => [
      ['GET', `/v1/meshes/${name}`],
      ['DELETE', `/v1/meshes/${name}`],
      ['GET', `/v1/meshes/${name}/verification`],
      ['POST', `/v1/meshes/${name}/verification`],
      ['GET', `/v1/meshes/${name}/rotation-schedule`],
      ['PATCH', `/v1/meshes/${name}/rotation-schedule`, { paused: true }],
      ['POST', `/v1/meshes/${name}/rotations`, { kind: 'intermediate' }],
      ['GET', `/v1/meshes/${name}/rotations/rotation-abc-intermediate-0123abcd`],
    ];
    test('every route refuses a mesh name the spec refuses, with 400 naming {name} and the spec\'s rule', async () => {
      const e = stack.endpoints();
      for (const name of bad) {
        for (const [method, path, body] of routes(name)) {
          const reply = await api(e, method, path, body);
          assert.equal(reply.status, 400, `${method} ${path}: ${JSON.stringify(reply.body)}`);
          assert.deepEqual(reply.body.problems.map((p: any) => [p.path, p.rule]), [['{name}', 'schema.pattern']], `${method} ${path}`);
        }
      }
    });

    test('a malformed rotation ID is refused with 400 naming {rotationId}', async () => {
      const reply = await api(stack.endpoints(), 'GET', '/v1/meshes/abc/rotations/rotation-abc-whatever');
      assert.equal(reply.status, 400, JSON.stringify(reply.body));
      assert.deepEqual(reply.body.problems.map((p: any) => p.path), ['{rotationId}']);
    });

    test('mesh hxa cannot read a rotation of mesh hxa-d through the prefix its name shares (404), while hxa-d reads it', async () => {
      const e = stack.endpoints();
      const settings = temporalSettings(e.productEnv);
      const connection = await Connection.connect({ address: e.temporal.address });
      const client = new Client({ connection, dataConverter: settings.dataConverter });
      const validated = validateSpec(exampleSpec('minimal', { name: 'hxa-d' }));
      assert.ok(validated.ok);
      // A rotation of mesh hxa-d as the API starts them (the mesh is not up, so it waits to claim it; its progress answers).
      const rotationId = 'rotation-hxa-d-intermediate-0badc0de';
      const handle = await client.workflow.start('rotateCa', { taskQueue: settings.taskQueue, workflowId: rotationId, args: [{ spec: validated.spec, kind: 'intermediate' }] });
      try {
        const own = await api(e, 'GET', `/v1/meshes/hxa-d/rotations/${rotationId}`);
        assert.equal(own.status, 200, JSON.stringify(own.body));
        assert.equal(own.body.mesh, 'hxa-d');
        const other = await api(e, 'GET', `/v1/meshes/hxa/rotations/${rotationId}`);
        assert.equal(other.status, 404, JSON.stringify(other.body));
        assert.equal(other.body.mesh, undefined, 'nothing of the rotation is shown');
      } finally {
        await handle.terminate('test done');
        await connection.close();
      }
    });
  });

  describe('a different spec after leftovers', () => {
    afterEach(() => clearFaults(stack.endpoints()));

    test('after a rollback that could not delete a gateway, a POST with a different spec is refused with 409 (phase, leftovers, DELETE) and starts nothing; after DELETE sweeps, the new spec is accepted', async () => {
      const e = stack.endpoints();
      const mesh = 'hx-left';
      const spec = exampleSpec('minimal', { name: mesh });
      await injectFault(e.azure, { operation: 'connections.createOrUpdate', kind: 'error', status: 400, code: 'InvalidRequestFormat', message: 'simulated', nth: 4, match: mesh });
      await injectFault(e.azure, { operation: 'localNetworkGateways.delete', kind: 'error', status: 400, code: 'InUseLocalNetworkGateway', message: 'simulated lock', count: 1000, match: mesh });
      assert.equal((await api(e, 'POST', '/v1/meshes', spec)).status, 202);
      // Generous waits: the rollback's pace is the emulators', on a machine shared with other stacks.
      const incomplete = await waitForPhase(e, mesh, ['RolledBack', 'RollbackIncomplete', 'Ready'], 300_000);
      assert.equal(incomplete.phase, 'RollbackIncomplete', JSON.stringify(incomplete.error));
      assert.ok((await meshInventory(e, mesh)).some((r) => /localNetworkGateways/i.test(r)), 'the stuck gateway is still in the cloud');

      const moved = { ...spec, azure: { ...spec.azure, resourceGroup: `cellbridge-${mesh}-2` } };
      const refused = await api(e, 'POST', '/v1/meshes', moved);
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error, 'LeftoversExist');
      assert.equal(refused.body.phase, 'RollbackIncomplete');
      assert.ok(refused.body.leftovers.some((r: string) => r.startsWith('azure/local-gateway/')), JSON.stringify(refused.body.leftovers));
      assert.match(refused.body.message, /RollbackIncomplete.*azure\/local-gateway\/.*DELETE \/v1\/meshes\/hx-left/s);
      const after409 = await api(e, 'GET', `/v1/meshes/${mesh}`);
      assert.deepEqual([after409.body.workflow.runId, after409.body.phase], [incomplete.workflow.runId, 'RollbackIncomplete'], 'no new run was started');

      await clearFaults(e);
      assert.equal((await api(e, 'DELETE', `/v1/meshes/${mesh}`)).status, 202);
      const swept = await waitForPhase(e, mesh, ['Deleted', 'TeardownIncomplete'], 300_000);
      assert.equal(swept.phase, 'Deleted', JSON.stringify(swept.cleanupFailures));
      assert.deepEqual(await meshInventory(e, mesh), []);
      const accepted = await api(e, 'POST', '/v1/meshes', moved);
      assert.equal(accepted.status, 202, JSON.stringify(accepted.body));
      assert.equal(accepted.body.created, true);
    });
  });

  describe('Temporal going away under a running API', () => {
    let proxy: { up(): Promise<void>; down(): Promise<void>; address: string } | undefined;
    let apiProcess: RunningProcess | undefined;
    let base = '';
    before(async () => {
      const e = stack.endpoints();
      proxy = await tcpProxy(Number(e.temporal.address.split(':')[1]));
      const port = await freePort();
      base = `http://127.0.0.1:${port}`;
      apiProcess = await startProduct('api', e.productEnv, join(STACK_DIR, 'test', 'api-hostile', 'logs', 'api-behind-proxy.log'), { TEMPORAL_ADDRESS: proxy.address, CELLBRIDGE_API_PORT: String(port) });
    });
    after(async () => {
      await apiProcess?.stop();
      await proxy?.down();
    });

    test('while Temporal is away, routes answer 503 with Retry-After within a few seconds, /readyz 503, /healthz 200; once it is back they answer again', async () => {
      const get = async (path: string) => {
        const started = Date.now();
        const response = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(30_000) });
        return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json(), ms: Date.now() - started };
      };
      assert.equal((await get('/v1/meshes')).status, 200);
      assert.equal((await get('/readyz')).status, 200);

      await proxy!.down();
      for (const path of ['/v1/meshes', '/v1/meshes/hx-left', '/readyz']) {
        const reply = await get(path);
        assert.equal(reply.status, 503, `${path}: ${JSON.stringify(reply.body)}`);
        assert.match(reply.retryAfter ?? '', /^[1-9][0-9]*$/, path);
        assert.ok(reply.ms < 7_000, `${path} took ${reply.ms} ms`);
      }
      assert.equal((await get('/healthz')).status, 200);

      await proxy!.up();
      const deadline = Date.now() + 30_000;
      let last = await get('/v1/meshes');
      while (last.status !== 200 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 500));
        last = await get('/v1/meshes');
      }
      assert.equal(last.status, 200, JSON.stringify(last.body));
      assert.equal((await get('/readyz')).status, 200);
    });
  });
});

/** A TCP proxy to Temporal that can be taken down (listener closed, connections cut) and brought back on the same port. */
async function tcpProxy(targetPort: number): Promise<{ up(): Promise<void>; down(): Promise<void>; address: string }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const up = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(targetPort, '127.0.0.1');
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => undefined);
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, '127.0.0.1', () => resolve());
    });
  const down = () =>
    new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      if (!server) return resolve();
      server.close(() => resolve());
      server = undefined;
    });
  await up();
  return { up, down, address: `127.0.0.1:${port}` };
}
