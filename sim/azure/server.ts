// The HTTPS front of the ARM emulator: auth, call counting, fault injection, the
// `/_sim` control endpoints, and rendering of replies and ARM errors.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type ServerOptions } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArmPath } from './arm-path.js';
import { Engine, type Call, type FailWith, type Reply } from './engine.js';
import { ArmError } from './errors.js';
import { parseAwsView } from './fabric-link.js';
import { CallCounts, DropConnection, Faults, faultError, faultPlan, type FaultRule } from './faults.js';
import { handleGroups } from './groups.js';
import { obj, str, type Json } from './json.js';
import { KubePool } from './kube-pool.js';
import { requestKind, SubscriptionLimits } from './limits.js';
import { resourceSpecs } from './types/index.js';
import { TrafficLog } from './traffic-log.js';

export interface AzureEmulatorOptions {
  /** 0 or absent: the OS picks a free port. */
  port?: number;
  /** Real-world seconds per emulated second: latencies are divided by it. */
  timeScale: number;
  /** Moto's `GET /_sim/vpn-view`; without it no tunnel ever comes up. */
  awsViewUrl?: string;
  /** The kube pool (sim/README.md "Kubernetes control planes") backing managed clusters. */
  kubeUrl?: string;
  tls: { certPath: string; keyPath: string };
  /** Base LRO poll interval (Retry-After) in real-world seconds; default 10. */
  retryAfterSeconds?: number;
  /** Receives one line per request (method, path, status, operation). */
  log?: (line: string) => void;
}

export interface AzureEmulator {
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 10 * 1024 * 1024;

export async function startAzureEmulator(opts: AzureEmulatorOptions): Promise<AzureEmulator> {
  if (!(opts.timeScale > 0)) throw new Error('timeScale must be a positive number');
  const engine = new Engine(resourceSpecs(opts.kubeUrl ? new KubePool(opts.kubeUrl) : undefined), {
    timeScale: opts.timeScale,
    retryAfterSeconds: opts.retryAfterSeconds ?? 10,
    awsViewUrl: opts.awsViewUrl,
  });
  const faults = new Faults();
  const calls = new CallCounts();
  const limits = new SubscriptionLimits(opts.timeScale);
  const held = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  const traffic = TrafficLog.fromEnv(process.env);
  const bodies = new WeakMap<IncomingMessage, Json>();
  let baseUrl = '';

  const hold = (ms: number) => new Promise<void>((resolve) => {
    const entry = { timer: setTimeout(() => { held.delete(entry); resolve(); }, ms), resolve };
    held.add(entry);
  });

  async function serve(req: IncomingMessage): Promise<Reply> {
    const url = new URL(req.url ?? '/', baseUrl);
    const method = (req.method ?? 'GET').toUpperCase();
    const text = await readBody(req);
    let body: Json = {};
    if (text.trim() !== '') {
      try {
        body = obj(JSON.parse(text)) ?? {};
      } catch {
        throw new ArmError(400, 'InvalidRequestContent', 'The request content was invalid and could not be deserialized.');
      }
      bodies.set(req, body);
    }

    if (url.pathname.startsWith('/_sim/')) return control(method, url.pathname, body);

    const auth = req.headers.authorization ?? '';
    if (!/^Bearer\s+\S+/i.test(auth)) {
      throw new ArmError(401, 'AuthenticationFailed', "Authentication failed. The 'Authorization' header is missing or is not a bearer token.");
    }

    const path = parseArmPath(url.pathname);
    if (!path) throw new ArmError(404, 'NotFound', `No ARM route matches ${url.pathname}.`);
    const route = engine.router.route(path);
    const operation = engine.router.operationName(method, route);
    calls.hit(operation);
    limits.take(path.subscription, requestKind(method));

    const startsOperation = (route.kind === 'resource' && (method === 'PUT' || method === 'DELETE'))
      || (route.kind === 'group' && method === 'DELETE')
      || (route.kind === 'action' && route.action.latency !== undefined);
    const rule = faults.check(operation, `${url.pathname}?${url.searchParams.toString()} ${text}`, startsOperation);
    const call: Call = {
      method, route, subscription: path.subscription, body, query: url.searchParams,
      baseUrl, url: url.pathname + url.search, failWith: rule?.kind === 'lro-failed' ? lroFailure(rule) : undefined,
    };
    const handle = () => (route.kind === 'group' || route.kind === 'groups' ? handleGroups(engine, call) : engine.handle(call));
    if (!rule || rule.kind === 'lro-failed') return handle();

    const plan = faultPlan(rule.kind);
    // Whatever the call itself answered (even an error) is what gets lost.
    if (plan.applyFirst) await handle().catch(() => undefined);
    if (plan.fail === 'timeout') await hold((rule.seconds ?? 5) * 1000);
    if (plan.fail === 'drop') throw new DropConnection();
    throw faultError(rule);
  }

  async function control(method: string, pathname: string, body: Json): Promise<Reply> {
    const key = `${method} ${pathname.replace(/\/+$/, '')}`;
    switch (key) {
      case 'POST /_sim/faults': return { status: 201, body: faults.add(body) };
      case 'GET /_sim/faults': return { status: 200, body: { faults: faults.list() } };
      case 'DELETE /_sim/faults': faults.clear(); return { status: 204 };
      case 'GET /_sim/calls': return { status: 200, body: calls.snapshot() };
      case 'POST /_sim/limits': return { status: 200, body: limits.configure(body) };
      case 'GET /_sim/limits': return { status: 200, body: limits.current() };
      case 'DELETE /_sim/calls': calls.clear(); return { status: 204 };
      case 'GET /_sim/resources':
        return {
          status: 200,
          body: { resources: engine.store.all().map((r) => ({ id: r.id, type: r.type, provisioningState: r.provisioningState })) },
        };
      case 'POST /_sim/reset':
        await engine.reset();
        faults.clear();
        calls.clear();
        limits.reset();
        return { status: 204 };
      case 'POST /_sim/fabric/aws-telemetry': {
        const result = engine.fabric.evaluate(parseAwsView(body));
        return { status: 200, body: { tunnels: Object.fromEntries(result.tunnels.map((t) => [t.outsideIpAddress, { ...t.telemetry, acceptedPrefixes: t.acceptedPrefixes }])) } };
      }
      case 'POST /_sim/fabric/outages': {
        const match = str(body.match);
        if (!match) throw new ArmError(400, 'InvalidOutage', 'match (a substring of the Azure connection ids to cut) is required');
        engine.fabric.outages.push(match);
        return { status: 201, body: { outages: engine.fabric.outages } };
      }
      case 'DELETE /_sim/fabric/outages':
        engine.fabric.outages = [];
        return { status: 204 };
      case 'GET /_sim/fabric':
        return { status: 200, body: await engine.fabric.current() };
    }
    throw new ArmError(404, 'NotFound', `No simulator control endpoint ${key}.`);
  }

  const tls: ServerOptions = { cert: readFileSync(opts.tls.certPath), key: readFileSync(opts.tls.keyPath) };
  const server = createServer(tls, (req, res) => {
    const answer = (reply: Reply) => {
      if (traffic && !req.url?.startsWith('/_sim/')) traffic.record({ request: { method: req.method ?? 'GET', url: `${baseUrl}${req.url}`, body: bodies.get(req) }, response: { status: reply.status, headers: reply.headers ?? {}, body: reply.body } });
      opts.log?.(`${req.method} ${req.url} -> ${reply.status}${reply.status >= 400 ? ` ${JSON.stringify(reply.body)}` : ''}`);
      send(res, req.method, reply);
    };
    serve(req).then(answer, (err: unknown) => {
      if (err instanceof DropConnection) {
        opts.log?.(`${req.method} ${req.url} -> connection dropped (fault)`);
        res.destroy();
      } else if (err instanceof ArmError) {
        answer({ status: err.status, body: err.body(), headers: err.headers });
      } else {
        process.stderr.write(`azure emulator: ${err instanceof Error ? err.stack : String(err)}\n`);
        answer({ status: 500, body: new ArmError(500, 'InternalServerError', String(err)).body() });
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  baseUrl = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: baseUrl,
    async close() {
      for (const h of held) {
        clearTimeout(h.timer);
        h.resolve();
      }
      held.clear();
      await engine.reset();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function lroFailure(rule: FaultRule): FailWith {
  return {
    status: rule.status ?? 500,
    code: rule.code ?? 'InternalServerError',
    message: rule.message ?? 'An error occurred during the long-running operation (injected fault).',
  };
}

function send(res: ServerResponse, method: string | undefined, reply: Reply): void {
  const headers: Record<string, string> = { 'x-ms-request-id': randomUUID(), ...reply.headers };
  const hasBody = reply.body !== undefined && method !== 'HEAD' && reply.status !== 204;
  if (hasBody) headers['Content-Type'] = 'application/json; charset=utf-8';
  res.writeHead(reply.status, headers);
  res.end(hasBody ? JSON.stringify(reply.body) : undefined);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ArmError(413, 'RequestEntityTooLarge', 'The request body is too large.'));
        req.destroy();
      } else {
        chunks.push(c);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
