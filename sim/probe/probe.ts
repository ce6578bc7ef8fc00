// The probe workload's application, run by the simulator for containers of the
// `cellbridge/probe` image (sim/kube/simulator/sidecars.ts), inside its cell's network
// namespace beside the pod's sidecar:
// - `probe echo --port N`: answers every request on <POD_IP>:N with 200 and JSON naming
//   this pod and every request header as it arrived, so a caller reads what the server's
//   sidecar added (X-Forwarded-Client-Cert: the client certificate's SPIFFE URI).
// - `probe client --port N --egress HOST:PORT`: on <POD_IP>:N, `GET /call?host=H&path=P`
//   makes one request to H through the sidecar's egress listener (the pod's outbound
//   traffic when nothing intercepts it) and answers what came back, or the error.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const CALL_TIMEOUT_MS = 5_000;

const { positionals, values } = parseArgs({ allowPositionals: true, options: { port: { type: 'string' }, egress: { type: 'string' } } });
const mode = positionals[0];
const podIp = process.env.POD_IP;
const port = Number(values.port);
if (!podIp || !port || (mode !== 'echo' && mode !== 'client') || (mode === 'client' && !values.egress)) {
  console.error('usage: POD_IP=… probe echo --port N | probe client --port N --egress HOST:PORT');
  process.exit(2);
}

const handle = mode === 'echo' ? echo : call;
createServer((req, res) => void handle(req, res)).listen(port, podIp, () => console.log(`probe ${mode} on ${podIp}:${port}`));

async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  send(res, 200, { pod: process.env.POD_NAME, namespace: process.env.POD_NAMESPACE, method: req.method, path: req.url, headers: req.headers });
}

async function call(req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://probe');
  const host = url.searchParams.get('host');
  if (url.pathname !== '/call' || !host) return send(res, 404, { error: 'GET /call?host=<service host>&path=<path>' });
  const [egressHost, egressPort] = values.egress!.split(':') as [string, string];
  const started = Date.now();
  try {
    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const out = request({ host: egressHost, port: Number(egressPort), path: url.searchParams.get('path') ?? '/', headers: { host }, timeout: CALL_TIMEOUT_MS, agent: false }, (back) => {
        const chunks: Buffer[] = [];
        back.on('data', (chunk: Buffer) => chunks.push(chunk));
        back.on('end', () => resolve({ status: back.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        back.on('error', reject);
      });
      out.once('timeout', () => out.destroy(new Error(`no answer in ${CALL_TIMEOUT_MS} ms`)));
      out.once('error', reject);
      out.end();
    });
    send(res, 200, { status: answer.status, body: answer.body, ms: Date.now() - started });
  } catch (error) {
    send(res, 200, { status: 0, error: (error as Error).message, ms: Date.now() - started });
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}
