/**
 * The OpenTelemetry workflow interceptors run only in runs whose starter traces: a worker
 * that bundles them (as production workers do) runs a mesh started without a trace header
 * exactly as without them, with no tracing marker, and one started with the header traced.
 * The judge is each run's history as Temporal recorded it, and the SDK's replayer.
 * Temporal dev server, cloud side stubbed at the activity boundary (test/workflow/mesh-harness.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { TRACING_ONLY_WHEN_TRACED_PATCH, TRACING_PATCH } from '../../workflows/patches.ts';
import { historyChain, patchIds } from '../support/history.ts';
import { replayAsWorkers } from '../support/replay.ts';
import { meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness('cellbridge-tracing-gate', { traced: true });
});
after(async () => {
  await h?.stop();
});

test('a mesh started without a trace header runs without the tracing interceptors (no tracing marker); one started with it is traced; both replay', async () => {
  await startMesh(h, meshSpec('minimal', 'wf-traced'));
  await startMesh({ ...h, client: h.env.client }, meshSpec('minimal', 'wf-untraced'));
  await waitForPhase(h, 'wf-traced', ['Ready']);
  await waitForPhase(h, 'wf-untraced', ['Ready']);
  const [traced, untraced] = await Promise.all(['wf-traced', 'wf-untraced'].map((mesh) => historyChain(h.env.client, meshWorkflowId(mesh))));
  const started = (runs: NonNullable<typeof traced>) => runs[0]!.events?.[0]?.workflowExecutionStartedEventAttributes?.header?.fields ?? {};
  assert.ok('_tracer-data' in started(traced!), 'the traced start carries the trace header');
  assert.ok(!('_tracer-data' in started(untraced!)), 'the untraced start does not');
  assert.deepEqual(patchIds(traced![0]!).filter((id) => id.startsWith('opentelemetry')), [TRACING_ONLY_WHEN_TRACED_PATCH, TRACING_PATCH]);
  assert.deepEqual(patchIds(untraced![0]!).filter((id) => id.startsWith('opentelemetry')), [TRACING_ONLY_WHEN_TRACED_PATCH]);
  const results = replayAsWorkers([...traced!, ...untraced!].map((history, i) => ({ workflowId: `run-${i}`, history })));
  for await (const result of results) assert.equal(result.error, undefined, `${result.workflowId}: ${result.error}`);
});
