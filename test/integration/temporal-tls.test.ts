/**
 * The worker and the API reach a TLS-secured Temporal through Temporal's own environment
 * variables: the dev server behind a real Envoy that terminates mutual TLS. The judges are the
 * Temporal SDK's Connection (not the product's connection code) and Envoy's access log.
 * The CLI talks to the API only, so it needs none of this.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { RunningProcess } from '../../sim/child-process.ts';
import { freePort } from '../../sim/ports.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startProduct } from '../../sim/stack.ts';
import { issueClientCert, makePki, SERVER_NAME, startTlsTemporal, type Pki, type TlsTemporal } from '../support/temporal-tls-front.ts';
import { mirroredIstioReleases } from '../support/istio-releases.ts';

const dir = join(STACK_DIR, 'test', 'temporal-tls');
const TASK_QUEUE = `tls-${randomBytes(4).toString('hex')}`;
let pki: Pki;
let temporal: TlsTemporal;
const API_KEYS = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
let api: RunningProcess | undefined;
let worker: RunningProcess | undefined;
let keyedApi: RunningProcess | undefined;
let apiBase = '';
let keyedApiBase = '';
let apiKeyFile = '';
/** The worker's own copies of its client pair, which the reload test replaces. */
let workerCert = '';
let workerKey = '';
/** The API's own copies, which the API's reload test replaces. */
let apiCert = '';
let apiKey = '';

before(async () => {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  pki = makePki(dir);
  temporal = await startTlsTemporal(dir, pki, API_KEYS);
  apiKeyFile = join(dir, 'api-key');
  writeFileSync(apiKeyFile, `${API_KEYS[0]}\n`, { mode: 0o600 });
  workerCert = join(dir, 'worker-client.pem');
  workerKey = join(dir, 'worker-client-key.pem');
  copyFileSync(pki.clientCert, workerCert);
  copyFileSync(pki.clientKey, workerKey);
  apiCert = join(dir, 'api-client.pem');
  apiKey = join(dir, 'api-client-key.pem');
  copyFileSync(pki.clientCert, apiCert);
  copyFileSync(pki.clientKey, apiKey);
  const common = {
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_TLS_SERVER_CA_CERT_PATH: pki.serverCa,
    TEMPORAL_TLS_SERVER_NAME: SERVER_NAME,
    CELLBRIDGE_ISTIO_RELEASES: mirroredIstioReleases(dir),
    CELLBRIDGE_TASK_QUEUE: TASK_QUEUE,
    CELLBRIDGE_CODEC_KEY: randomBytes(32).toString('base64'),
  };
  const port = await freePort();
  apiBase = `http://127.0.0.1:${port}`;
  const keyedPort = await freePort();
  keyedApiBase = `http://127.0.0.1:${keyedPort}`;
  [api, worker, keyedApi] = await Promise.all([
    startProduct('api', { ...common, TEMPORAL_TLS_CLIENT_CERT_PATH: apiCert, TEMPORAL_TLS_CLIENT_KEY_PATH: apiKey, CELLBRIDGE_API_PORT: String(port), CELLBRIDGE_INSECURE_NO_AUTH: '1' }, join(dir, 'api.log')),
    startProduct('worker', { ...common, TEMPORAL_TLS_CLIENT_CERT_PATH: workerCert, TEMPORAL_TLS_CLIENT_KEY_PATH: workerKey }, join(dir, 'worker.log')),
    startProduct('api', { ...common, TEMPORAL_ADDRESS: temporal.apiKeyAddress, TEMPORAL_API_KEY_PATH: apiKeyFile, CELLBRIDGE_API_PORT: String(keyedPort), CELLBRIDGE_INSECURE_NO_AUTH: '1' }, join(dir, 'api-keyed.log')),
  ]);
});

after(async () => {
  await keyedApi?.stop();
  await worker?.stop();
  await api?.stop();
  await temporal?.stop();
});

/** The SDK's own gRPC connection, as any Temporal client would open it. */
function sdkConnect(tls: TLSConfig | false, address = temporal.address, apiKey?: string): Promise<Connection> {
  return Connection.connect({ address, tls, connectTimeout: '5s', ...(apiKey ? { apiKey } : {}) });
}

function trusted(cert = pki.clientCert, key = pki.clientKey) {
  return { serverRootCACertificate: readFileSync(pki.serverCa), serverNameOverride: SERVER_NAME, clientCertPair: { crt: readFileSync(cert), key: readFileSync(key) } };
}

async function workflowPollers(): Promise<string[]> {
  const connection = await sdkConnect(trusted());
  try {
    const reply = await connection.workflowService.describeTaskQueue({ namespace: 'default', taskQueue: { name: TASK_QUEUE }, taskQueueType: 1 });
    return (reply.pollers ?? []).map((poller) => poller.identity ?? '');
  } finally {
    await connection.close();
  }
}

/** What Envoy does with a raw TLS client offering HTTP/2: 'accepted' (it sends its SETTINGS), or the TLS alert's error code. */
function tlsOutcome(options: ConnectionOptions): Promise<string> {
  const [host, port] = temporal.address.split(':');
  return new Promise((resolve) => {
    const socket = tlsConnect({ host, port: Number(port), servername: SERVER_NAME, ca: readFileSync(pki.serverCa), ALPNProtocols: ['h2'], ...options });
    socket.on('secureConnect', () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    socket.on('data', () => (resolve('accepted'), socket.destroy()));
    socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    socket.on('close', () => resolve('closed'));
  });
}

/** A plain client speaking HTTP/2 (gRPC's preface) to the TLS port: all that comes back before the socket closes. */
function plainReply(): Promise<Buffer> {
  const [host, port] = temporal.address.split(':');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = netConnect({ host, port: Number(port) }, () => socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.setTimeout(10_000, () => reject(new Error('the TLS port neither answered nor closed a plain client')));
  });
}

test('the API, configured with the TLS variables, answers /readyz and lists meshes through Temporal behind mutual TLS', async () => {
  const ready = await fetch(`${apiBase}/readyz`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(ready.status, 200, await ready.text());
  const list = await fetch(`${apiBase}/v1/meshes`, { signal: AbortSignal.timeout(10_000) });
  assert.equal(list.status, 200, await list.text());
});

test('the worker, configured with the TLS variables, polls its task queue through the TLS front (seen by describeTaskQueue)', async () => {
  const identity = `${worker!.child.pid}@`;
  let pollers: string[] = [];
  for (let attempt = 0; attempt < 20 && !pollers.some((p) => p.startsWith(identity)); attempt++) {
    pollers = await workflowPollers();
    if (!pollers.some((p) => p.startsWith(identity))) await sleep(500);
  }
  assert.ok(pollers.some((p) => p.startsWith(identity)), `pollers of ${TASK_QUEUE}: ${JSON.stringify(pollers)}`);
});

test('a client with the trusted certificate gets through (the control for the refusals below)', async () => {
  assert.equal(await tlsOutcome({ cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) }), 'accepted');
  const connection = await sdkConnect(trusted());
  await connection.close();
});

test('a plain (non-TLS) connection to the TLS port is refused: Envoy answers gRPC\'s preface with a TLS alert and closes, and the SDK cannot connect', async () => {
  const reply = await plainReply();
  // A TLS record of content type 21 (alert), never an HTTP/2 frame.
  assert.equal(reply[0], 0x15, `a plain client got back ${reply.toString('hex')}`);
  await assert.rejects(sdkConnect(false));
});

test('a TLS client without a client certificate is refused by Envoy (TLS alert: certificate required)', async () => {
  assert.equal(await tlsOutcome({}), 'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED');
  await assert.rejects(sdkConnect({ serverRootCACertificate: readFileSync(pki.serverCa), serverNameOverride: SERVER_NAME }));
});

test('a TLS client whose certificate comes from a CA Envoy does not trust is refused (TLS alert: unknown CA)', async () => {
  assert.equal(await tlsOutcome({ cert: readFileSync(pki.rogueCert), key: readFileSync(pki.rogueKey) }), 'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA');
  await assert.rejects(sdkConnect(trusted(pki.rogueCert, pki.rogueKey)));
});

test('a client that checks for a different server name refuses the server', async () => {
  await assert.rejects(sdkConnect({ ...trusted(), serverNameOverride: 'other.cellbridge.test' }));
});

/** The WorkflowService calls named by `method` that Envoy saw from a client certificate with this subject. */
function callsFrom(subject: string, method: RegExp): number {
  if (!existsSync(temporal.accessLog)) return 0;
  return readFileSync(temporal.accessLog, 'utf8').split('\n').filter((line) => line.startsWith(`${subject} `) && method.test(line)).length;
}

/** The worker's polls (workflow or activity) that Envoy saw from a client certificate with this subject. */
function pollsFrom(subject: string): number {
  return callsFrom(subject, /WorkflowService\/Poll(Workflow|Activity)TaskQueue$/);
}

test('a renewed client certificate and key replace the worker\'s connection without a restart: its polls arrive with the new certificate', async () => {
  assert.ok(pollsFrom('CN=client') > 0, 'the worker polled with its first certificate');
  assert.equal(pollsFrom('CN=renewed'), 0);
  const renewed = issueClientCert(dir, 'renewed');
  // As the kubelet updates a mounted Secret: each file replaced whole.
  copyFileSync(renewed.key, `${workerKey}.new`);
  copyFileSync(renewed.cert, `${workerCert}.new`);
  renameSync(`${workerKey}.new`, workerKey);
  renameSync(`${workerCert}.new`, workerCert);
  // A long poll already in flight finishes on the old connection (up to a minute, the server's long-poll time); the next ones use the new.
  for (let waited = 0; waited < 100_000 && pollsFrom('CN=renewed') === 0; waited += 500) await sleep(500);
  assert.ok(pollsFrom('CN=renewed') > 0, `no poll with the renewed certificate; access log:\n${readFileSync(temporal.accessLog, 'utf8').split('\n').slice(-10).join('\n')}`);
  assert.ok(worker!.child.exitCode === null, 'the same worker process');
});

test('after the renewal, the worker\'s rotation client also calls with the new certificate, and a workflow runs to its end through TLS', async () => {
  // A rotation whose mesh workflow is the rotation itself: its first activity asks that
  // workflow (through the worker's rotation client) to be claimed, which no handler accepts,
  // so the run ends at once, failed with the mesh's refusal, without any cloud.
  const updates = /\.WorkflowService\/UpdateWorkflowExecution$/;
  const before = { old: callsFrom('CN=client', updates), renewed: callsFrom('CN=renewed', updates) };
  const connection = await sdkConnect(trusted());
  try {
    const client = new Client({ connection });
    const mesh = `tls-${randomBytes(3).toString('hex')}`;
    const spec = JSON.parse(readFileSync('examples/minimal.json', 'utf8'));
    const handle = await client.workflow.start('rotateCa', { taskQueue: TASK_QUEUE, workflowId: `mesh-${mesh}`, args: [{ spec: { ...spec, name: mesh }, kind: 'intermediate' }], workflowExecutionTimeout: '2m' });
    // Its failure is sealed by the payload codec, which this client does not hold: the run's status is enough.
    let status = 'RUNNING';
    for (let waited = 0; waited < 60_000 && status === 'RUNNING'; waited += 250) {
      await sleep(250);
      status = (await handle.describe()).status.name;
    }
    assert.equal(status, 'FAILED', 'the rotation ran to its end (refused by the workflow it claimed)');
  } finally {
    await connection.close();
  }
  await sleep(500);
  assert.ok(callsFrom('CN=renewed', updates) > before.renewed, `the rotation client's update did not arrive with the renewed certificate; access log:\n${readFileSync(temporal.accessLog, 'utf8').split('\n').slice(-10).join('\n')}`);
  assert.equal(callsFrom('CN=client', updates), before.old, 'no update with the old certificate');
});

/** The API's calls listing workflows (GET /v1/meshes) that Envoy saw from a client certificate with this subject. */
function listsFrom(subject: string): number {
  return callsFrom(subject, /\.WorkflowService\/ListWorkflowExecutions$/);
}

test('a renewed client certificate and key replace the API\'s connection without a restart: its next calls arrive with the new certificate', async () => {
  const list = async () => {
    const reply = await fetch(`${apiBase}/v1/meshes`, { signal: AbortSignal.timeout(10_000) });
    assert.equal(reply.status, 200, await reply.text());
    await sleep(200);
  };
  await list();
  assert.ok(listsFrom('CN=client') > 0, 'the API listed with its first certificate');
  const renewed = issueClientCert(dir, 'renewed-api');
  copyFileSync(renewed.key, `${apiKey}.new`);
  copyFileSync(renewed.cert, `${apiCert}.new`);
  renameSync(`${apiKey}.new`, apiKey);
  renameSync(`${apiCert}.new`, apiCert);
  // The API checks the files every 2 s; each GET after that goes through the new connection.
  for (let waited = 0; waited < 20_000 && listsFrom('CN=renewed-api') === 0; waited += 500) await list();
  assert.ok(listsFrom('CN=renewed-api') > 0, `no list with the renewed certificate; access log:\n${readFileSync(temporal.accessLog, 'utf8').split('\n').slice(-10).join('\n')}`);
  const before = listsFrom('CN=client');
  await list();
  assert.equal(listsFrom('CN=client'), before, 'once renewed, the API no longer calls with the old certificate');
  assert.ok(api!.child.exitCode === null, 'the same API process');
});

/** Workflow service calls Envoy let through on the API-key port by the route of this key. */
function callsWithKey(route: string): number {
  return readFileSync(temporal.accessLog, 'utf8').split('\n').filter((line) => line.includes(` ${route} /temporal.api.workflowservice.`)).length;
}

/** GET /v1/meshes from the API-key API, once Envoy had time to write the calls it made to its access log. */
async function keyedList(): Promise<number> {
  const reply = await fetch(`${keyedApiBase}/v1/meshes`, { signal: AbortSignal.timeout(10_000) });
  await reply.text();
  await sleep(500);
  return reply.status;
}

test('the API with TEMPORAL_API_KEY_PATH (TLS implied, no client certificate) lists meshes through the port that admits only bearers of the key', async () => {
  assert.equal(await keyedList(), 200);
  assert.ok(callsWithKey('key-1') > 0, 'Envoy routed the API\'s calls by the first key');
  assert.equal(callsWithKey('key-2'), 0);
});

test('on the API-key port, a TLS client without a key or with a wrong key is refused, and one with the key gets through', async () => {
  const tls = { serverRootCACertificate: readFileSync(pki.serverCa), serverNameOverride: SERVER_NAME };
  await assert.rejects(sdkConnect(tls, temporal.apiKeyAddress));
  await assert.rejects(sdkConnect(tls, temporal.apiKeyAddress, 'not-the-key'));
  const connection = await sdkConnect(tls, temporal.apiKeyAddress, API_KEYS[0]);
  await connection.close();
});

test('a changed API key file reaches the running API: its next calls carry the new key', async () => {
  writeFileSync(`${apiKeyFile}.new`, `${API_KEYS[1]}\n`, { mode: 0o600 });
  renameSync(`${apiKeyFile}.new`, apiKeyFile);
  for (let waited = 0; waited < 20_000 && callsWithKey('key-2') === 0; waited += 1_000) {
    assert.equal(await keyedList(), 200);
    await sleep(1_000);
  }
  assert.ok(callsWithKey('key-2') > 0, 'Envoy saw the API\'s calls with the second key');
  const before = callsWithKey('key-1');
  assert.equal(await keyedList(), 200);
  assert.equal(callsWithKey('key-1'), before, 'no call with the old key after the switch');
});
