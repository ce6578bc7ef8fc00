// The probe workload's application: what cellbridge's failover drill deploys into every cell
// (one image, `probe echo` or `probe client`, beside an Istio sidecar; probe/README.md).
// - `probe echo --port N [--control-port C]`: answers every request on <POD_IP>:N with 200
//   and JSON naming this pod and every request header as it arrived, so a caller reads what
//   the server's sidecar added (X-Forwarded-Client-Cert: the client certificate's SPIFFE
//   URI). On <POD_IP>:C (not a Service port, so only the Kubernetes API server's pod proxy
//   reaches it) `POST /degrade?status=503` makes N answer that status from then on, as a
//   failing cell would, and `POST /restore` heals it; `GET /state` reads which.
// - `probe client --port N --egress HOST:PORT`: on <POD_IP>:N, `GET /call?host=H&path=P`
//   makes one request to H through the sidecar's egress listener (the pod's outbound
//   traffic when nothing intercepts it) and answers what came back, or the error.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { parseArgs } from 'node:util';

const CALL_TIMEOUT_MS = 5_000;

const { positionals, values } = parseArgs({ allowPositionals: true, options: { port: { type: 'string' }, egress: { type: 'string' }, 'control-port': { type: 'string' } } });
const mode = positionals[0];
const podIp = process.env.POD_IP;
const port = Number(values.port);
if (!podIp || !port || (mode !== 'echo' && mode !== 'client') || (mode === 'client' && !values.egress)) {
  console.error('usage: POD_IP=… probe echo --port N [--control-port C] | probe client --port N --egress HOST:PORT');
  process.exit(2);
}

/** The status the echo answers with while degraded; none while healthy. */
let degradedStatus: number | undefined;

const handle = mode === 'echo' ? echo : call;
createServer((req, res) => void handle(req, res)).listen(port, podIp, () => console.log(`probe ${mode} on ${podIp}:${port}`));
if (mode === 'echo' && values['control-port']) {
  const controlPort = Number(values['control-port']);
  createServer((req, res) => control(req, res)).listen(controlPort, podIp, () => console.log(`probe control on ${podIp}:${controlPort}`));
}

async function echo(req: IncomingMessage, res: ServerResponse): Promise<void> {
  req.resume();
  if (degradedStatus !== undefined) return send(res, degradedStatus, { pod: process.env.POD_NAME, degraded: true });
  send(res, 200, { pod: process.env.POD_NAME, namespace: process.env.POD_NAMESPACE, method: req.method, path: req.url, headers: req.headers });
}

function control(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  const url = new URL(req.url ?? '/', 'http://probe');
  if (req.method === 'POST' && url.pathname === '/degrade') {
    const status = Number(url.searchParams.get('status') ?? 503);
    if (!Number.isInteger(status) || status < 500 || status > 599) return send(res, 400, { error: 'status must be a 5xx code' });
    degradedStatus = status;
  } else if (req.method === 'POST' && url.pathname === '/restore') {
    degradedStatus = undefined;
  } else if (!(req.method === 'GET' && url.pathname === '/state')) {
    return send(res, 404, { error: 'POST /degrade?status=5xx, POST /restore, GET /state' });
  }
  console.log(`${req.method} ${url.pathname}: ${degradedStatus === undefined ? 'healthy' : `answering ${degradedStatus}`}`);
  send(res, 200, { pod: process.env.POD_NAME, degraded: degradedStatus !== undefined, ...(degradedStatus !== undefined ? { status: degradedStatus } : {}) });
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
