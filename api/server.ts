/**
 * Routes of the cellbridge HTTP API, served by fastify: it enforces the body limit (413,
 * from Content-Length before reading, or as a chunked body grows past it) and answers
 * 415 for bodies that are not JSON. Everything but the health checks, the OpenAPI
 * document and the codec's CORS preflight needs a bearer token; everything but reading
 * needs an operator's, and is audited.
 */
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { PayloadCodec } from '@temporalio/common';
import { mayCall } from '../domain/roles.ts';
import { auditEntry, type AuditSink } from './audit.ts';
import type { Authenticator, Caller } from './auth.ts';
import type { Drills } from './drills.ts';
import { hostRefusal, originRefusal } from './browser-guard.ts';
import { runCodec } from './codec-endpoint.ts';
import { badRequest, HttpError, MAX_BODY_BYTES } from './http.ts';
import type { Meshes, Reply } from './meshes.ts';
import { OPENAPI } from './openapi.ts';
import { drainAfterRefusal } from './oversized-body.ts';
import { meshNameProblems } from './path-params.ts';
import type { Rotations } from './rotations.ts';
import { isTemporalUnreachable, WorkerUnavailableError } from './temporal-errors.ts';

export interface TemporalAccess {
  /** Runs `fn` with a deadline on every Temporal call it makes, so no request waits on Temporal for long. */
  bounded<T>(fn: () => Promise<T>): Promise<T>;
  /** Whether Temporal answers a health check now (for /readyz). */
  ready(): Promise<boolean>;
  /** How long a client should wait before retrying, in seconds, when Temporal is unreachable. */
  retryAfterSeconds: number;
}

/** Where the API reports what went wrong upstream: JSON lines in production (worker/logger.ts). */
export interface ApiLog {
  error(fields: Record<string, unknown>, message: string): void;
}

export interface ApiDeps {
  authenticate: Authenticator;
  audit: AuditSink;
  log: ApiLog;
  /** No token (CELLBRIDGE_INSECURE_NO_AUTH=1): only loopback Host names, and no changes from another origin (browser-guard.ts). */
  loopbackOnly: boolean;
  meshes: Meshes;
  rotations: Rotations;
  drills: Drills;
  codec: PayloadCodec;
  temporal: TemporalAccess;
  /** The Web UI's origin, allowed to call the codec endpoint from the browser. */
  codecCorsOrigin?: string;
}

const PUBLIC = new Set(['/healthz', '/readyz', '/v1/openapi.json']);
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

type NameParams = { Params: { name: string } };

declare module 'fastify' {
  interface FastifyRequest {
    /** Who is calling, once the guard has authenticated the request. */
    caller?: Caller;
  }
}

export function createApiServer(deps: ApiDeps): FastifyInstance {
  const app = Fastify({ bodyLimit: MAX_BODY_BYTES });
  acceptJsonOnly(app);
  app.setErrorHandler((error, request, reply) => replyWithError(deps, error instanceof Error ? error : new Error(String(error)), request, reply));
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: 'NotFound', message: `no route for ${request.method} ${request.url.split('?')[0]}` });
  });
  app.decorateRequest('caller', undefined);
  app.addHook('onRequest', async (request, reply) => guard(deps, request, reply));
  app.addHook('onResponse', async (request, reply) => {
    const entry = auditEntry(request, reply, request.caller);
    if (entry) deps.audit(entry);
  });
  app.addHook('preHandler', async (request) => {
    const name = (request.params as { name?: string } | undefined)?.name;
    if (name !== undefined && meshNameProblems(name).length > 0) throw badRequest(meshNameProblems(name));
  });

  app.get('/healthz', async () => ({ ok: true }));
  app.get('/readyz', async (_request, reply) => {
    if (await deps.temporal.ready()) return { ready: true, temporal: 'reachable' };
    return reply.code(503).header('retry-after', String(deps.temporal.retryAfterSeconds)).send({ ready: false, temporal: 'unreachable', message: 'Temporal does not answer its health check' });
  });
  app.get('/v1/openapi.json', async () => OPENAPI);

  const temporal = (reply: FastifyReply, fn: () => Promise<Reply>) => deps.temporal.bounded(fn).then((r) => reply.code(r.status).send(r.body));
  app.post<{ Querystring: { dryRun?: string } }>('/v1/meshes', (request, reply) => temporal(reply, () => deps.meshes.create(request.body, request.query.dryRun === 'true')));
  app.get('/v1/meshes', (_request, reply) => temporal(reply, () => deps.meshes.list()));
  // A mesh's status and verification report link its latest failover drill.
  const withLatestDrill = async (name: string, reply: Promise<Reply>): Promise<Reply> => {
    const [answer, latestDrill] = await Promise.all([reply, deps.drills.latest(name)]);
    return latestDrill ? { ...answer, body: { ...(answer.body as object), latestDrill } } : answer;
  };
  app.get<NameParams>('/v1/meshes/:name', (request, reply) => temporal(reply, () => withLatestDrill(request.params.name, deps.meshes.get(request.params.name))));
  app.put<NameParams & { Querystring: { dryRun?: string; allowReplace?: string } }>('/v1/meshes/:name', (request, reply) =>
    temporal(reply, () => deps.meshes.change(request.params.name, request.body, { dryRun: request.query.dryRun === 'true', allowReplace: request.query.allowReplace === 'true' })),
  );
  app.delete<NameParams>('/v1/meshes/:name', (request, reply) => temporal(reply, () => deps.meshes.delete(request.params.name)));
  app.get<NameParams>('/v1/meshes/:name/verification', (request, reply) => temporal(reply, () => withLatestDrill(request.params.name, deps.meshes.verification(request.params.name))));
  app.post<NameParams>('/v1/meshes/:name/drills', (request, reply) => temporal(reply, () => deps.drills.start(request.params.name, request.body)));
  app.get<{ Params: { name: string; drillId: string } }>('/v1/meshes/:name/drills/:drillId', (request, reply) =>
    temporal(reply, () => deps.drills.progress(request.params.name, request.params.drillId)),
  );
  app.post<NameParams>('/v1/meshes/:name/drift-checks', (request, reply) => temporal(reply, () => deps.meshes.requestDriftCheck(request.params.name)));
  app.get<NameParams>('/v1/meshes/:name/drift', (request, reply) => temporal(reply, () => deps.meshes.drift(request.params.name)));
  app.post<NameParams>('/v1/meshes/:name/verification', (request, reply) => temporal(reply, () => deps.meshes.reverify(request.params.name)));
  app.get<NameParams>('/v1/meshes/:name/rotation-schedule', (request, reply) => temporal(reply, () => deps.rotations.schedule(request.params.name)));
  app.patch<NameParams>('/v1/meshes/:name/rotation-schedule', (request, reply) => temporal(reply, () => deps.rotations.updateSchedule(request.params.name, request.body)));
  app.post<NameParams>('/v1/meshes/:name/rotations', (request, reply) => temporal(reply, () => deps.rotations.start(request.params.name, request.body)));
  app.get<{ Params: { name: string; rotationId: string } }>('/v1/meshes/:name/rotations/:rotationId', (request, reply) =>
    temporal(reply, () => deps.rotations.progress(request.params.name, request.params.rotationId)),
  );

  const cors = corsHeaders(deps.codecCorsOrigin);
  app.options('/codec/:operation', async (_request, reply) => reply.code(204).headers(cors).send());
  app.post<{ Params: { operation: string } }>('/codec/:operation', async (request, reply) => {
    const operation = request.params.operation;
    if (operation !== 'encode' && operation !== 'decode') throw new HttpError(404, { error: 'NotFound', message: `no route for POST /codec/${operation}` });
    return reply.headers(cors).send(await runCodec(deps.codec, operation, request.body));
  });
  return app;
}

/**
 * Bodies are JSON and nothing else: fastify answers 415 for any other content type
 * (its text/plain parser is removed), and 413 past the limit. An empty body is
 * "no body" (POST …/verification takes none); the routes that need one say so.
 */
function acceptJsonOnly(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body === '') return done(null, undefined);
    parseJson(request, body as string, done);
  });
}

async function guard(deps: ApiDeps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const path = request.url.split('?')[0]!;
  if (request.method === 'OPTIONS' && path.startsWith('/codec/')) return;
  if (deps.loopbackOnly) {
    const refusal = hostRefusal(request.headers.host) ?? (MUTATING.has(request.method) && !path.startsWith('/codec/') ? originRefusal(request.headers.origin, request.headers.host) : undefined);
    if (refusal) throw new HttpError(403, { error: 'Forbidden', message: refusal });
  }
  if (PUBLIC.has(path)) return;
  const cors = path.startsWith('/codec/') ? corsHeaders(deps.codecCorsOrigin) : {};
  const authentication = await deps.authenticate(request.headers.authorization);
  if ('refusal' in authentication) {
    reply.headers({ 'www-authenticate': 'Bearer', ...cors });
    throw new HttpError(401, { error: 'Unauthorized', message: authentication.refusal });
  }
  request.caller = authentication.caller;
  if (!mayCall(authentication.caller.role, request.method)) {
    reply.headers(cors);
    throw new HttpError(403, { error: 'Forbidden', message: `this caller may only read (GET); ${request.method} ${path} needs an operator` });
  }
}

function replyWithError(deps: ApiDeps, error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HttpError) return reply.code(error.status).send(error.body);
  // Temporal's gRPC errors carry a numeric code; only fastify's string codes are ours to map.
  const code = typeof (error as FastifyError).code === 'string' ? (error as FastifyError).code : undefined;
  if (code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    drainAfterRefusal(request.raw, reply);
    return reply.code(413).send({ error: 'PayloadTooLarge', message: `the body exceeds the limit of ${MAX_BODY_BYTES} bytes` });
  }
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return reply.code(415).send({ error: 'UnsupportedMediaType', message: `the body must be JSON (content-type: application/json), not ${JSON.stringify(request.headers['content-type'] ?? 'none')}` });
  }
  const status = (error as FastifyError).statusCode;
  if (code?.startsWith('FST_ERR_CTP_') || error instanceof SyntaxError) {
    return reply.code(400).send(badRequest([{ path: '', rule: 'json.syntax', message: `the body is not valid JSON: ${error.message}` }]).body);
  }
  if (status !== undefined && status >= 400 && status < 500) return reply.code(status).send({ error: 'BadRequest', message: error.message });
  if (error instanceof WorkerUnavailableError) {
    return reply
      .code(503)
      .header('retry-after', String(deps.temporal.retryAfterSeconds))
      .send({ error: 'WorkerUnavailable', message: `${error.message}; a worker may be restarting, retry in ${deps.temporal.retryAfterSeconds} s` });
  }
  if (isTemporalUnreachable(error)) {
    return reply
      .code(503)
      .header('retry-after', String(deps.temporal.retryAfterSeconds))
      .send({ error: 'TemporalUnavailable', message: `Temporal could not be reached in time (${error.message}); retry in ${deps.temporal.retryAfterSeconds} s` });
  }
  deps.log.error({ method: request.method, route: request.routeOptions.url ?? request.url.split('?')[0], error: error.message }, 'request failed');
  return reply.code(502).send({ error: 'Upstream', message: `Temporal request failed: ${error.message}` });
}

function corsHeaders(origin: string | undefined): Record<string, string> {
  if (!origin) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers': 'content-type, x-namespace, authorization',
    'access-control-allow-credentials': 'true',
  };
}
