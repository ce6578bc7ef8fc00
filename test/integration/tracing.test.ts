/**
 * Optional tracing: with OpenTelemetry's endpoint variable set, one trace runs from the API's
 * start of a mesh workflow through the workflow's run to its activities, exported over
 * OTLP/HTTP by the real API and worker processes against a real Temporal dev server. No cloud
 * emulator runs: the mesh's first activities fail against closed ports, once each
 * (CELLBRIDGE_RESOURCE_MAX_ATTEMPTS=1), so the run rolls back and ends, and its own span (sent
 * when the run ends) comes too. The judge is an OTLP receiver here that reads the requests as the
 * OTLP/JSON wire format defines them, not the product's code. The traced run's history then
 * replays against the workflow code, as the recorded histories do untraced (test/workflow/replay.test.ts).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { payloadCodecFromEnv } from '../../domain/codec-settings.ts';
import { FAILURE_CONVERTER_PATH } from '../../domain/settings.ts';
import type { RunningProcess } from '../../sim/child-process.ts';
import { startProcess } from '../../sim/child-process.ts';
import { freePort, waitForPort } from '../../sim/ports.ts';
import { REPO, setupStack, STACK_DIR, TEMPORAL_BIN } from '../../sim/setup.ts';
import { startProduct } from '../../sim/stack.ts';
import { freshWorkflowBundle } from '../../sim/workflow-bundle.ts';
import { workflowSpanSinks } from '../../worker/tracing.ts';
import { workflowCode, workflowInterceptorModules } from '../../worker/workflow-code.ts';
import { TRACING_PATCH } from '../../workflows/patches.ts';
import { mirroredIstioReleases } from '../support/istio-releases.ts';

/** OTLP/JSON as the OpenTelemetry protocol specifies it (ids in hex, attribute values typed). */
interface OtlpValue { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number; arrayValue?: { values?: OtlpValue[] }; kvlistValue?: { values?: OtlpAttribute[] } }
interface OtlpAttribute { key: string; value: OtlpValue }
interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; attributes?: OtlpAttribute[] }
interface OtlpRequest { resourceSpans?: { resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: { spans?: OtlpSpan[] }[] }[] }

interface Received { service: string; span: OtlpSpan }

const dir = join(STACK_DIR, 'test', 'tracing');
const CODEC_KEY = randomBytes(32).toString('base64');
const API_TOKEN = randomBytes(24).toString('hex');
const TASK_QUEUE = `tracing-${randomBytes(4).toString('hex')}`;
const MESH = `traced-${randomBytes(3).toString('hex')}`;
const received: Received[] = [];
const requests: { path: string; contentType: string }[] = [];
let receiver: Server;
let temporal: RunningProcess | undefined;
let temporalAddress = '';
let api: RunningProcess | undefined;
let worker: RunningProcess | undefined;
let apiBase = '';
/** The traced run's workflow ID, from the API's answer. */
let workflowId = '';

function text(value: OtlpValue): string {
  return JSON.stringify(value);
}

function stringAttribute(attributes: OtlpAttribute[] | undefined, key: string): string | undefined {
  return attributes?.find((attribute) => attribute.key === key)?.value.stringValue;
}

before(async () => {
  setupStack();
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      requests.push({ path: request.url ?? '', contentType: request.headers['content-type'] ?? '' });
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpRequest;
      for (const resourceSpans of body.resourceSpans ?? []) {
        const service = stringAttribute(resourceSpans.resource?.attributes, 'service.name') ?? '';
        for (const scope of resourceSpans.scopeSpans ?? []) for (const span of scope.spans ?? []) received.push({ service, span });
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const receiverPort = (receiver.address() as AddressInfo).port;

  const temporalPort = await freePort();
  temporalAddress = `127.0.0.1:${temporalPort}`;
  temporal = await startProcess({
    name: 'temporal', command: TEMPORAL_BIN, logFile: join(dir, 'temporal.log'),
    args: [
      'server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(temporalPort), '--log-level', 'warn',
      '--search-attribute', 'CellbridgeMesh=Keyword', '--search-attribute', 'CellbridgePhase=Keyword',
    ],
  });
  await waitForPort(temporalPort);
  const closed = `http://127.0.0.1:${await freePort()}`;
  const apiPort = await freePort();
  apiBase = `http://127.0.0.1:${apiPort}`;
  const common = {
    TEMPORAL_ADDRESS: temporalAddress,
    CELLBRIDGE_TASK_QUEUE: TASK_QUEUE,
    CELLBRIDGE_CODEC_KEY: CODEC_KEY,
    CELLBRIDGE_ISTIO_RELEASES: mirroredIstioReleases(dir),
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${receiverPort}`,
    // The batch processor's default of 5 s between exports, shortened so the test need not wait it out.
    OTEL_BSP_SCHEDULE_DELAY: '200',
  };
  [api, worker] = await Promise.all([
    startProduct('api', { ...common, CELLBRIDGE_API_PORT: String(apiPort), CELLBRIDGE_API_TOKEN: API_TOKEN, CELLBRIDGE_RESOURCE_MAX_ATTEMPTS: '1' }, join(dir, 'api.log')),
    startProduct('worker', {
      ...common,
      CELLBRIDGE_AWS_ENDPOINT: closed, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test',
      CELLBRIDGE_AZURE_ENDPOINT: closed, CELLBRIDGE_AZURE_CREDENTIAL: 'emulator',
      CELLBRIDGE_POLL_INITIAL_MS: '100', CELLBRIDGE_POLL_MAX_MS: '200',
    }, join(dir, 'worker.log')),
  ]);
});

after(async () => {
  if (temporalAddress) {
    const connection = await Connection.connect({ address: temporalAddress }).catch(() => undefined);
    if (connection) {
      const client = new Client({ connection });
      for await (const run of client.workflow.list({ query: 'ExecutionStatus = "Running"' })) await client.workflow.getHandle(run.workflowId, run.runId).terminate('test over').catch(() => undefined);
      await connection.close();
    }
  }
  await worker?.stop();
  await api?.stop();
  await temporal?.stop();
  receiver?.close();
});

/** The spans received so far once `done` holds of them, or after `timeoutMs` whatever came. */
async function spansUntil(done: (spans: Received[]) => boolean, timeoutMs = 30_000): Promise<Received[]> {
  const deadline = Date.now() + timeoutMs;
  while (!done(received) && Date.now() < deadline) await sleep(200);
  return [...received];
}

test('one trace spans the API\'s start of provisionMesh, the workflow\'s run (rolled back) and the activities it ran, each span named by its service', async () => {
  const spec = { ...JSON.parse(readFileSync(join(REPO, 'examples', 'minimal.json'), 'utf8')), name: MESH };
  const created = await fetch(`${apiBase}/v1/meshes`, {
    method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(spec),
    signal: AbortSignal.timeout(15_000),
  });
  const answer = await created.text();
  assert.equal(created.status, 202, answer);
  workflowId = (JSON.parse(answer) as { workflowId: string }).workflowId;

  const started = (spans: Received[]) => spans.find((r) => r.span.name === 'StartWorkflow:provisionMesh');
  const spans = await spansUntil((all) => {
    const start = started(all);
    return !!start && all.some((r) => r.span.traceId === start.span.traceId && r.span.name === 'RunWorkflow:provisionMesh');
  }, 50_000);
  const start = started(spans);
  assert.ok(start, `no StartWorkflow:provisionMesh span; received: ${JSON.stringify(spans.map((r) => `${r.service} ${r.span.name}`))}`);
  const trace = spans.filter((r) => r.span.traceId === start.span.traceId);
  const names = trace.map((r) => `${r.service} ${r.span.name}`);
  assert.equal(start.service, 'cellbridge-api');
  const run = trace.find((r) => r.span.name === 'RunWorkflow:provisionMesh');
  assert.ok(run, `no RunWorkflow span in the trace: ${JSON.stringify(names)}`);
  assert.equal(run.service, 'cellbridge-worker');
  assert.equal(run.span.parentSpanId, start.span.spanId, 'the workflow\'s run is a child of the API\'s start');
  assert.equal(stringAttribute(run.span.attributes, 'workflowId'), stringAttribute(start.span.attributes, 'temporalWorkflowId'));
  const activity = trace.find((r) => r.span.name.startsWith('RunActivity:'));
  assert.ok(activity, `no RunActivity span in the trace: ${JSON.stringify(names)}`);
  assert.equal(activity.service, 'cellbridge-worker');
  const scheduled = trace.find((r) => r.span.spanId === activity.span.parentSpanId);
  assert.equal(scheduled?.span.name, activity.span.name.replace('RunActivity:', 'StartActivity:'), 'the activity\'s run is a child of the workflow\'s scheduling of it');
  assert.equal(scheduled?.span.parentSpanId, run.span.spanId, 'the workflow\'s run scheduled the activity');
  assert.ok(requests.every((r) => r.path === '/v1/traces' && r.contentType.startsWith('application/json')), JSON.stringify(requests));
});

test('no span attribute carries the payload codec key, the API token or the workflow\'s memo and input', async () => {
  const spans = await spansUntil((all) => all.length > 0);
  assert.ok(spans.length > 0);
  // The spec's VPC range stands for the workflow's input: it is in the input, and must not be in a span.
  const secrets = [CODEC_KEY, API_TOKEN, '10.10.0.0/16'];
  const leaks = spans.flatMap((r) => (r.span.attributes ?? [])
    .filter((attribute) => secrets.some((secret) => text(attribute.value).includes(secret)))
    .map((attribute) => `${r.span.name} ${attribute.key}`));
  assert.deepEqual(leaks, []);
  const keys = new Set(spans.flatMap((r) => (r.span.attributes ?? []).map((attribute) => attribute.key)));
  assert.deepEqual([...keys].filter((key) => ['memo', 'lastResult', 'lastFailure', 'searchAttributes', 'typedSearchAttributes', 'parent', 'root'].includes(key)), []);
});

test('the traced run\'s history, with the tracing patch\'s marker, replays against the workflow code the worker runs', async () => {
  assert.ok(workflowId, 'the first test started a run');
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const history = await new Client({ connection }).workflow.getHandle(workflowId).fetchHistory();
    const patches = (history.events ?? []).flatMap((event) => {
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName !== 'core_patch') return [];
      return Object.values(marker.details ?? {}).flatMap((payloads) => (payloads.payloads ?? []).map((payload) => Buffer.from(payload.data ?? []).toString('utf8')));
    });
    assert.ok(patches.some((data) => data.includes(TRACING_PATCH)), `no ${TRACING_PATCH} marker among ${JSON.stringify(patches)}`);
    const env = { CELLBRIDGE_WORKFLOW_BUNDLE: freshWorkflowBundle(process.env) };
    await Worker.runReplayHistory(
      {
        ...workflowCode(env),
        interceptors: { workflowModules: workflowInterceptorModules(env) },
        sinks: workflowSpanSinks(undefined),
        dataConverter: { payloadCodecs: [payloadCodecFromEnv({ CELLBRIDGE_CODEC_KEY: CODEC_KEY })], failureConverterPath: FAILURE_CONVERTER_PATH },
      },
      history,
      workflowId,
    );
  } finally {
    await connection.close();
  }
});
