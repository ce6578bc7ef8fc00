/** Routes of the cellbridge HTTP API. Everything but the health check, the OpenAPI document and CORS preflights needs a bearer token. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { PayloadCodec } from '@temporalio/common';
import type { Authenticator } from './auth.ts';
import { runCodec } from './codec-endpoint.ts';
import { HttpError, readJson, sendJson } from './http.ts';
import { OPENAPI } from './openapi.ts';
import type { Meshes, Reply } from './meshes.ts';
import type { Rotations } from './rotations.ts';

export interface ApiDeps {
  authenticate: Authenticator;
  meshes: Meshes;
  rotations: Rotations;
  codec: PayloadCodec;
  /** The Web UI's origin, allowed to call the codec endpoint from the browser. */
  codecCorsOrigin?: string;
}

export function createApiServer(deps: ApiDeps): Server {
  return createServer((request, response) => {
    handle(deps, request, response).catch((error: unknown) => {
      if (error instanceof HttpError) return sendJson(response, error.status, error.body);
      console.error('request failed:', (error as Error).message);
      sendJson(response, 502, { error: 'Upstream', message: `Temporal request failed: ${(error as Error).message}` });
    });
  });
}

async function handle(deps: ApiDeps, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const cors = corsHeaders(deps.codecCorsOrigin);
  if (request.method === 'OPTIONS' && url.pathname.startsWith('/codec/')) {
    response.writeHead(204, cors);
    return void response.end();
  }
  if (url.pathname === '/healthz') return sendJson(response, 200, { ok: true });
  if (url.pathname === '/v1/openapi.json') return sendJson(response, 200, OPENAPI);
  if (!deps.authenticate(request)) {
    return sendJson(response, 401, { error: 'Unauthorized', message: 'a valid bearer token is required' }, { 'www-authenticate': 'Bearer', ...cors });
  }
  const reply = await route(deps, request, url);
  if (!reply) return sendJson(response, 404, { error: 'NotFound', message: `no route for ${request.method} ${url.pathname}` });
  sendJson(response, reply.status, reply.body, url.pathname.startsWith('/codec/') ? cors : {});
}

async function route(deps: ApiDeps, request: IncomingMessage, url: URL): Promise<Reply | undefined> {
  const method = request.method ?? 'GET';
  const meshName = /^\/v1\/meshes\/([^/]+)$/.exec(url.pathname)?.[1];
  const verifyName = /^\/v1\/meshes\/([^/]+)\/verification$/.exec(url.pathname)?.[1];
  const scheduleName = /^\/v1\/meshes\/([^/]+)\/rotation-schedule$/.exec(url.pathname)?.[1];
  if (scheduleName && method === 'GET') return deps.rotations.schedule(decodeURIComponent(scheduleName));
  if (scheduleName && method === 'PATCH') return deps.rotations.updateSchedule(decodeURIComponent(scheduleName), await readJson(request));
  const rotations = /^\/v1\/meshes\/([^/]+)\/rotations(?:\/([^/]+))?$/.exec(url.pathname);
  if (rotations && !rotations[2] && method === 'POST') return deps.rotations.start(decodeURIComponent(rotations[1]!), await readJson(request));
  if (rotations?.[2] && method === 'GET') return deps.rotations.progress(decodeURIComponent(rotations[1]!), decodeURIComponent(rotations[2]));
  if (verifyName && method === 'GET') return deps.meshes.verification(decodeURIComponent(verifyName));
  if (verifyName && method === 'POST') return deps.meshes.reverify(decodeURIComponent(verifyName));
  if (url.pathname === '/v1/meshes' && method === 'POST') return deps.meshes.create(await readJson(request), url.searchParams.get('dryRun') === 'true');
  if (url.pathname === '/v1/meshes' && method === 'GET') return deps.meshes.list();
  if (meshName && method === 'GET') return deps.meshes.get(decodeURIComponent(meshName));
  if (meshName && method === 'DELETE') return deps.meshes.delete(decodeURIComponent(meshName));
  const codecOperation = /^\/codec\/(encode|decode)$/.exec(url.pathname)?.[1] as 'encode' | 'decode' | undefined;
  if (codecOperation && method === 'POST') return { status: 200, body: await runCodec(deps.codec, codecOperation, await readJson(request)) };
  return undefined;
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
