// Fault injection and call counting for the kube pool's API servers, with the protocol of
// the cloud emulators (sim/README.md "Fault injection and call counting"), served by the
// pool at /_sim/faults and /_sim/calls. The rules act in each cluster's fault proxy
// (fault-proxy.ts), which stands between the product and the API server.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ArmError } from '../azure/errors.ts';
import { CallCounts, Faults } from '../azure/faults.ts';

/** One rule book for the whole pool: `match` tells clusters apart (their key is in the text matched). */
export const kubeFaults = new Faults();
export const kubeCalls = new CallCounts();

/** Whether the pool puts a fault proxy in front of every API server (opt-in: a hop nobody else pays for). */
export function faultProxiesEnabled(): boolean {
  return process.env.CELLBRIDGE_SIM_KUBE_FAULTS === '1';
}

/**
 * `<verb>.<resource>[/<subresource>]` as Kubernetes audits name a request (`patch.deployments`,
 * `create.secrets`, `list.pods`, `update.deployments/status`); `<verb>.<path>` outside the resource API.
 */
export function kubeOperation(method: string, url: URL): string {
  const segments = url.pathname.split('/').filter(Boolean);
  let rest = segments[0] === 'api' ? segments.slice(2) : segments[0] === 'apis' ? segments.slice(3) : undefined;
  if (!rest || rest.length === 0) return `${method.toLowerCase()}.${url.pathname}`;
  if (rest[0] === 'namespaces' && rest.length >= 3) rest = rest.slice(2);
  const [resource, name, sub] = rest;
  const watch = ['true', '1'].includes(url.searchParams.get('watch') ?? '');
  const verb = {
    GET: name ? 'get' : watch ? 'watch' : 'list',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: name ? 'delete' : 'deletecollection',
  }[method.toUpperCase()] ?? method.toLowerCase();
  return `${verb}.${resource}${sub ? `/${sub}` : ''}`;
}

/** Answers the pool's `/_sim/faults` and `/_sim/calls` routes; false for any other path. */
export async function serveFaultControl(req: IncomingMessage, res: ServerResponse, path: string): Promise<boolean> {
  const key = `${req.method} ${path.replace(/\/+$/, '')}`;
  const send = (status: number, body?: unknown) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
  };
  switch (key) {
    case 'POST /_sim/faults':
      try {
        const rule = JSON.parse((await readText(req)) || '{}') as { kind?: unknown };
        if (rule.kind === 'lro-failed') return (send(400, { error: 'lro-failed is an ARM fault; an API server has no long-running operations' }), true);
        send(201, kubeFaults.add(rule));
      } catch (error) {
        send(400, { error: error instanceof ArmError || error instanceof SyntaxError ? error.message : String(error) });
      }
      return true;
    case 'GET /_sim/faults': send(200, { faults: kubeFaults.list() }); return true;
    case 'DELETE /_sim/faults': kubeFaults.clear(); send(204); return true;
    case 'GET /_sim/calls': send(200, kubeCalls.snapshot()); return true;
    case 'DELETE /_sim/calls': kubeCalls.clear(); send(204); return true;
    default: return false;
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
