/**
 * Metrics and logs after a real mesh run: a worker (logging at debug) and an API with
 * their /metrics ports, a mesh brought to Ready and torn down, then each endpoint scraped
 * and the worker's log read. The text format is read by
 * plain rules here, and the cloud call counts are judged against what the emulators
 * themselves counted, not against the product's own code.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { RunningProcess } from '../../sim/child-process.ts';
import { readCalls } from '../../sim/controls.ts';
import { freePort } from '../../sim/ports.ts';
import { STACK_DIR } from '../../sim/setup.ts';
import { startProduct } from '../../sim/stack.ts';
import { api, awsTunnelKeys, exampleSpec, FAST_TIME_SCALE, useStack, waitForPhase } from '../support/stack.ts';

const MESH = 'metrics-demo';
/** Resource kinds every mesh has, with or without cells. */
const BACKBONE_KINDS = ['aws.vpc', 'aws.transitGateway', 'aws.customerGateway', 'aws.vpnConnection', 'azure.resourceGroup', 'azure.vpnGateway', 'azure.localNetworkGateway', 'azure.connection'];

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format, one sample per line: name{label="value",…} value [timestamp]. */
function parseSamples(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
      assert.ok(match, `not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
      return { name: match[1]!, labels, value: Number(match[3]) };
    });
}

const pick = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
const total = (samples: Sample[]) => samples.reduce((sum, s) => sum + s.value, 0);

async function scrape(port: number): Promise<Sample[]> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
  return parseSamples(await response.text());
}

describe('metrics', () => {
  const stack = useStack('metrics', { product: false, timeScale: FAST_TIME_SCALE });
  const ports = { worker: 0, sdk: 0, api: 0 };
  const processes: RunningProcess[] = [];
  let ready: { api: Sample[]; tunnelKeys: string[] } | undefined;
  const workerLog = join(STACK_DIR, 'test', 'metrics', 'logs', 'worker.log');
  let workerLogStart = 0;
  let startedAt = 0;
  let elapsedSeconds = 0;

  before(async () => {
    const e = stack.endpoints();
    Object.assign(ports, { worker: await freePort(), sdk: await freePort(), api: await freePort() });
    const logs = join(STACK_DIR, 'test', 'metrics', 'logs');
    // The log file outlives the stack: only this run's lines are judged.
    workerLogStart = existsSync(workerLog) ? statSync(workerLog).size : 0;
    processes.push(
      ...(await Promise.all([
        startProduct('worker', e.productEnv, workerLog, { CELLBRIDGE_WORKER_METRICS_PORT: String(ports.worker), CELLBRIDGE_WORKER_SDK_METRICS_PORT: String(ports.sdk), CELLBRIDGE_LOG_LEVEL: 'debug' }),
        startProduct('api', e.productEnv, join(logs, 'api.log'), { CELLBRIDGE_API_METRICS_PORT: String(ports.api) }),
      ])),
    );
    startedAt = Date.now();
    const created = await api(e, 'POST', '/v1/meshes', exampleSpec('minimal', { name: MESH }));
    assert.equal(created.status, 202, JSON.stringify(created.body));
    await waitForPhase(e, MESH, ['Ready'], 600_000);
    ready = { api: await scrape(ports.api), tunnelKeys: await awsTunnelKeys(e, MESH) };
    assert.equal((await api(e, 'DELETE', `/v1/meshes/${MESH}`)).status, 202);
    await waitForPhase(e, MESH, ['Deleted'], 600_000);
    elapsedSeconds = (Date.now() - startedAt) / 1000;
  });
  after(async () => {
    for (const p of processes) await p.stop();
  });

  test('the API counts the mesh by phase: Ready while up, Deleted after teardown, and Temporal reachable', async () => {
    assert.deepEqual(pick(ready!.api, 'cellbridge_meshes').map((s) => [s.labels.phase, s.value]), [['Ready', 1]]);
    const after = await scrape(ports.api);
    assert.deepEqual(pick(after, 'cellbridge_meshes').map((s) => [s.labels.phase, s.value]), [['Deleted', 1]]);
    assert.deepEqual(pick(after, 'cellbridge_api_temporal_reachable').map((s) => s.value), [1]);
    assert.ok(pick(after, 'cellbridge_api_process_resident_memory_bytes')[0]!.value > 0);
  });

  test('the worker times every backbone resource\'s create and delete: one ok attempt or more each, within the run\'s wall time', async (t) => {
    const samples = await scrape(ports.worker);
    for (const verb of ['create', 'delete']) {
      for (const kind of BACKBONE_KINDS) {
        const labels = { verb, kind, outcome: 'ok' };
        const [count] = pick(samples, 'cellbridge_resource_operation_seconds_count', labels);
        const [sum] = pick(samples, 'cellbridge_resource_operation_seconds_sum', labels);
        const [inf] = pick(samples, 'cellbridge_resource_operation_seconds_bucket', { ...labels, le: '+Inf' });
        assert.ok(count && count.value >= 1, `${verb} ${kind}: no ok attempt counted`);
        assert.equal(inf?.value, count.value, `${verb} ${kind}: the +Inf bucket holds every observation`);
        assert.ok(sum && sum.value > 0 && sum.value < elapsedSeconds * count.value, `${verb} ${kind}: ${sum?.value} s`);
        t.diagnostic(`${verb} ${kind}: ${count.value} attempt(s), ${sum.value.toFixed(2)} s`);
      }
    }
  });

  test('the worker observed BGP Established once, after a positive wait shorter than the run', async (t) => {
    const samples = await scrape(ports.worker);
    assert.deepEqual(pick(samples, 'cellbridge_bgp_established_seconds_count').map((s) => s.value), [1]);
    const [sum] = pick(samples, 'cellbridge_bgp_established_seconds_sum');
    assert.ok(sum && sum.value > 0 && sum.value < elapsedSeconds, `${sum?.value} s of ${elapsedSeconds} s`);
    t.diagnostic(`BGP Established after ${sum.value.toFixed(2)} s (time scale ${FAST_TIME_SCALE}); mesh up and down in ${elapsedSeconds.toFixed(0)} s`);
  });

  test('cloud API calls by operation and code agree with the calls the emulators counted', async (t) => {
    const e = stack.endpoints();
    const samples = await scrape(ports.worker);
    const emulators = await readCalls(e);
    // Only the worker calls these EC2 operations (Moto also serves the kube pool's STS checks),
    // and this test once: the tunnel keys it reads while the mesh is up.
    const testsOwn: Record<string, number> = { DescribeVpnConnections: 1 };
    for (const operation of ['CreateVpc', 'CreateTransitGateway', 'CreateVpnConnection', 'DeleteVpnConnection', 'DescribeVpnConnections']) {
      const counted = (emulators.aws[`ec2.${operation}`] ?? 0) - (testsOwn[operation] ?? 0);
      assert.equal(total(pick(samples, 'cellbridge_cloud_api_calls_total', { cloud: 'aws', operation })), counted, `aws ${operation}`);
      assert.ok(counted >= 1, `aws ${operation} was called`);
    }
    assert.equal(total(pick(samples, 'cellbridge_cloud_api_calls_total', { cloud: 'azure' })), total(Object.values(emulators.azure).map((value) => ({ name: '', labels: {}, value }))), 'every ARM call');
    assert.ok(total(pick(samples, 'cellbridge_cloud_api_calls_total', { cloud: 'azure', operation: 'PUT Microsoft.Network/virtualNetworkGateways', code: 'OK' })) >= 1);
    const calls = pick(samples, 'cellbridge_cloud_api_calls_total');
    t.diagnostic(`${total(calls.filter((s) => s.labels.cloud === 'aws'))} AWS and ${total(calls.filter((s) => s.labels.cloud === 'azure'))} ARM calls, ${total(calls.filter((s) => s.labels.code !== 'OK'))} not OK`);
  });

  test('the worker logs JSON lines, each activity\'s naming its workflow, and no tunnel pre-shared key even at debug level', async () => {
    const text = readFileSync(workerLog).subarray(workerLogStart).toString('utf8');
    const entries = text.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line));
    const activities = entries.filter((entry) => entry.activityType !== undefined);
    assert.ok(activities.length > 0, 'the SDK logged activities');
    for (const entry of activities) assert.ok(typeof entry.workflowId === 'string' && typeof entry.msg === 'string' && typeof entry.time === 'string', JSON.stringify(entry));
    assert.ok(activities.some((entry) => entry.workflowId === `mesh-${MESH}`), 'the mesh\'s workflow ID');
    assert.equal(ready!.tunnelKeys.length, 4, 'four tunnel keys read from the AWS emulator');
    for (const key of ready!.tunnelKeys) assert.ok(!text.includes(key), 'a tunnel key in the worker log');
    assert.ok(!text.includes('taskToken'), 'an activity task token in the worker log');
  });

  test('the Temporal SDK\'s own runtime metrics are served on their port', async () => {
    const samples = await scrape(ports.sdk);
    assert.ok(total(pick(samples, 'temporal_request')) > 0, 'gRPC requests to Temporal');
    assert.ok(pick(samples, 'temporal_activity_execution_latency_count').length > 0, 'activity execution latency');
  });
});
