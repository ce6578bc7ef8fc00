// The worker's graceful shutdown as a pod's termination exercises it: the real worker process
// (its metrics server open, as the chart runs it) against a real Temporal dev server gets
// SIGTERM, drains and must end by itself within the chart's terminationGracePeriodSeconds;
// a process left running there is SIGKILLed by the kubelet instead.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { load } from 'js-yaml';
import { startProcess, type RunningProcess } from '../../sim/child-process.ts';
import { freePort, waitForPort } from '../../sim/ports.ts';
import { REPO, setupStack, TEMPORAL_BIN } from '../../sim/setup.ts';
import { freshWorkflowBundle } from '../../sim/workflow-bundle.ts';
import { mirroredIstioReleases } from '../support/istio-releases.ts';

const VALUES = join(REPO, 'deploy', 'chart', 'cellbridge', 'values.yaml');

let dir: string;
let temporal: RunningProcess;
let temporalPort: number;

before(async () => {
  setupStack();
  dir = mkdtempSync(join(tmpdir(), 'cellbridge-worker-shutdown-'));
  temporalPort = await freePort();
  temporal = await startProcess({
    name: 'temporal', command: TEMPORAL_BIN, logFile: join(dir, 'temporal.log'),
    args: ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(temporalPort), '--log-level', 'warn'],
  });
  await waitForPort(temporalPort);
});

after(async () => {
  await temporal?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function graceSeconds(): number {
  const values = load(readFileSync(VALUES, 'utf8')) as { worker: { terminationGracePeriodSeconds: number } };
  return values.worker.terminationGracePeriodSeconds;
}

test('on SIGTERM the worker stops its pollers, drains and exits with code 0 by itself, within the chart\'s grace period', async () => {
  const worker = await startProcess({
    name: 'worker', command: process.execPath, args: ['--import', 'tsx', join(REPO, 'worker', 'main.ts')], logFile: join(dir, 'worker.log'),
    env: {
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      CELLBRIDGE_CODEC_KEY: randomBytes(32).toString('base64'),
      CELLBRIDGE_WORKFLOW_BUNDLE: freshWorkflowBundle(process.env),
      CELLBRIDGE_WORKER_METRICS_PORT: String(await freePort()),
      CELLBRIDGE_ISTIO_RELEASES: mirroredIstioReleases(dir),
    },
    ready: /worker polling/, timeoutMs: 120_000,
  });
  let output = '';
  worker.child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(worker.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  worker.child.kill('SIGTERM');
  const outcome = await Promise.race([exited, sleep(graceSeconds() * 1000).then(() => 'still running' as const)]);
  if (outcome === 'still running') await worker.stop('SIGKILL');
  assert.deepEqual(outcome, [0, null], `the worker did not exit by itself; its output ended with:\n${output.slice(-2000)}`);
  assert.match(output, /"state":"STOPPED"/, 'the SDK reported the worker stopped (drained), not just the process ending');
});
