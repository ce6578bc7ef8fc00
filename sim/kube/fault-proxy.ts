// A fault-injecting proxy in front of one cluster's kube-apiserver (sim/README.md "Faults in
// the kube pool"). It serves the API server's own certificate, so clients see the same
// endpoint identity and CA, and forwards every request; a rule of the pool's rule book
// (faults.ts) makes a request fail as an API server under pressure does: 429 with
// Retry-After, 5xx, a late 504, a dropped connection, before or after the write happened.
//
// Authentication passes through: a bearer token (EKS) is forwarded as it is; a client
// certificate (AKS admin credentials) is verified here against the cluster CA and its
// identity asserted upstream by impersonation with the pool's system:masters certificate.
import { Agent, createServer, request, type Server } from 'node:https';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { readFileSync } from 'node:fs';
import { faultPlan, type FaultRule } from '../azure/faults.ts';
import { kubeCalls, kubeFaults, kubeOperation } from './faults.ts';
import type { ClusterPki } from './pki.ts';

/** Request and hop-by-hop headers that must not travel upstream as the client sent them. */
const DROPPED = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer']);

export interface FaultProxy {
  port: number;
  close(): Promise<void>;
}

export async function startFaultProxy(key: string, upstreamPort: number, pki: ClusterPki): Promise<FaultProxy> {
  const agent = new Agent({ keepAlive: true, ca: pki.caPem });
  const adminAgent = new Agent({ keepAlive: true, ca: pki.caPem, cert: pki.adminCertPem, key: pki.adminKeyPem });
  const held = new Set<NodeJS.Timeout>();
  const server: Server = createServer(
    { cert: readFileSync(pki.certPath), key: readFileSync(pki.keyPath), ca: pki.caPem, requestCert: true, rejectUnauthorized: false },
    (req, res) => {
      void handle(req, res).catch((error: Error) => {
        if (!res.headersSent) status(res, 502, 'InternalError', `fault proxy: ${error.message}`);
        else res.destroy();
      });
    },
  );
  server.requestTimeout = 0; // watches stay open as long as the API server keeps them

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://proxy');
    const body = await readBody(req);
    const operation = kubeOperation(req.method ?? 'GET', url);
    kubeCalls.hit(operation);
    const rule = kubeFaults.check(operation, `${key} ${url.pathname}?${url.searchParams.toString()} ${body.toString('utf8')}`, false);
    if (!rule) return forward(req, body, res);
    const plan = faultPlan(rule.kind);
    if (plan.applyFirst) await forward(req, body, undefined).catch(() => undefined);
    if (plan.fail === 'timeout') await new Promise<void>((resolve) => { const t = setTimeout(() => (held.delete(t), resolve()), (rule.seconds ?? 5) * 1000); held.add(t); });
    if (plan.fail === 'drop') return void res.destroy();
    faultAnswer(res, rule, plan.fail);
  }

  /** Sends the request upstream; streams the answer to `res`, or drains it when the answer is to be lost. */
  function forward(req: IncomingMessage, body: Buffer, res: ServerResponse | undefined): Promise<void> {
    const socket = req.socket as TLSSocket;
    const headers = upstreamHeaders(req.headers);
    let viaAdmin = false;
    if (socket.authorized) {
      const peer = socket.getPeerCertificate();
      const subject = peer.subject as unknown as Record<string, string | string[]> | undefined;
      const user = [subject?.CN ?? []].flat()[0];
      if (user) {
        for (const name of Object.keys(headers)) if (name === 'authorization' || name.startsWith('impersonate-')) delete headers[name];
        headers['impersonate-user'] = user;
        const groups = [subject?.O ?? []].flat();
        if (groups.length > 0) headers['impersonate-group'] = groups;
        viaAdmin = true;
      }
    }
    headers['content-length'] = String(body.length);
    return new Promise((resolve, reject) => {
      const upstream = request(
        { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers, agent: viaAdmin ? adminAgent : agent },
        (answer) => {
          if (!res) {
            answer.resume();
            answer.once('end', resolve);
            answer.once('error', reject);
            return;
          }
          res.writeHead(answer.statusCode ?? 502, upstreamHeaders(answer.headers));
          answer.pipe(res);
          answer.once('end', resolve);
          answer.once('error', reject);
          res.once('close', () => answer.destroy());
        },
      );
      upstream.once('error', reject);
      res?.once('close', () => upstream.destroy());
      upstream.end(body);
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const t of held) clearTimeout(t);
      held.clear();
      agent.destroy();
      adminAgent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function faultAnswer(res: ServerResponse, rule: FaultRule, kind: string): void {
  switch (kind) {
    case 'throttle':
      return status(res, rule.status ?? 429, rule.code ?? 'TooManyRequests', rule.message ?? 'the server has received too many requests and has asked us to try again later',
        { 'Retry-After': String(Math.max(1, Math.round(rule.seconds ?? 1))) });
    case 'server-error': {
      const code = rule.status ?? 500;
      return status(res, code, rule.code ?? (code === 503 ? 'ServiceUnavailable' : 'InternalError'), rule.message ?? (code === 503 ? 'the server is currently unable to handle the request' : 'an error on the server (injected) has prevented the request from succeeding'));
    }
    case 'timeout':
      return status(res, 504, 'Timeout', rule.message ?? 'the server was unable to return a response in the time allotted, but may still be processing the request');
    default:
      return status(res, rule.status ?? 400, rule.code ?? 'BadRequest', rule.message ?? 'injected fault');
  }
}

/** A Kubernetes Status object, the body every API server error has. */
function status(res: ServerResponse, code: number, reason: string, message: string, headers: Record<string, string> = {}): void {
  const text = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
  res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers }).end(text);
}

function upstreamHeaders(incoming: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(incoming)) if (value !== undefined && !DROPPED.has(name)) out[name] = value;
  return out;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}
