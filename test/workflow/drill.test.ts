/**
 * The drill workflow (workflows/run-drill.ts) on a real Temporal dev server, beside a mesh
 * workflow that is up (test/workflow/mesh-harness.ts): the probe's activities are stubbed
 * at the activity boundary, the mesh's lease is the product's own (MeshLock). What is
 * judged: the runbook's order, that the probe goes and the mesh is let go whatever happens,
 * and that the mesh refuses a second holder while the drill runs.
 */
import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { after, before, describe, test } from 'node:test';
import type { drillActivities, PhaseResult } from '../../activities/drill/index.ts';
import { crossCellCheck, type DrillReport } from '../../domain/drill.ts';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { drillWorkflowId } from '../../domain/names.ts';
import { MESH_UPDATE } from '../../domain/rotation.ts';
import type * as workflows from '../../workflows/index.ts';
import { startStubWorker, type StubWorker } from '../support/stub-worker.ts';
import { FAST_SETTINGS, meshLeaseActivities, meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

const QUEUE = 'cellbridge-drill-test';
type Stubs = ReturnType<typeof drillActivities>;

let h: Harness;
let worker: StubWorker;
const calls: string[] = [];
/** What the cross-cell stub answers: a proper mutual-TLS answer unless told to leave the client identity out. */
let brokenMtls = false;

before(async () => {
  h = await startHarness('cellbridge-drill-mesh');
  const figures = (settledMs: number, failures: number): PhaseResult => ({ figures: { requests: 20, failures, failuresOutsideWindow: 0, settledMs }, identities: [`c -> s${settledMs}`], failed: [] });
  const stubs: Stubs = {
    deployProbe: async ({ cluster }) => void calls.push(`deploy ${cluster.cell}`),
    crossCellCall: async ({ cluster, to, spec }) => {
      calls.push(`cross ${cluster.cell}->${to}`);
      const peer = `spiffe://${spec.istio.trustDomain}/ns/cellbridge-probe/sa/probe-client-${cluster.cell}`;
      return crossCellCheck(spec, cluster.cell, to, { status: 200, ...(brokenMtls ? {} : { peer }), server: `spiffe://${spec.istio.trustDomain}/ns/cellbridge-probe/sa/probe-echo-${to}` });
    },
    measureFailover: async ({ cluster }) => {
      calls.push(`failover ${cluster.cell}`);
      // Long enough for the test to try a second holder while the drill holds the mesh.
      await Context.current().sleep(1_000);
      return figures(120, 1);
    },
    measureFailback: async ({ cluster }) => (calls.push(`failback ${cluster.cell}`), figures(5_100, 0)),
    removeProbe: async ({ cluster }) => (calls.push(`remove ${cluster.cell}`), { removed: true }),
  };
  worker = await startStubWorker(h.env, QUEUE, { ...meshLeaseActivities(h.client), ...stubs });
});

after(async () => {
  await worker?.stop();
  await h?.stop();
});

async function upMesh(name: string) {
  const spec = meshSpec('cells', name);
  await startMesh(h, spec, FAST_SETTINGS);
  await waitForPhase(h, name, ['Ready', 'Degraded']);
  return spec;
}

describe('runDrill', () => {
  test('runs the runbook in order (deploy everywhere, cross-cell both ways, fail over and back in the chosen cell, remove everywhere), reports the figures, refuses a second holder meanwhile and lets go of the mesh', async () => {
    calls.length = 0;
    brokenMtls = false;
    const spec = await upMesh('drill-ok');
    const drillId = drillWorkflowId('drill-ok', '0000000a');
    const handle = await h.client.workflow.start<(typeof workflows)['runDrill']>('runDrill', { taskQueue: QUEUE, workflowId: drillId, args: [{ spec, naming: 2, cell: 'west', image: 'cellbridge/probe:test' }] });
    const mesh = h.client.workflow.getHandle(meshWorkflowId('drill-ok'));
    for (let i = 0; !calls.includes('failover west') && i < 100; i++) await new Promise((r) => setTimeout(r, 50));
    await assert.rejects(mesh.executeUpdate(MESH_UPDATE.beginRotation, { args: ['drill-drill-ok-0000000b'] }), WorkflowUpdateFailedError, 'the mesh refuses another holder while the drill runs');
    const report: DrillReport = await handle.result();
    assert.deepEqual(calls.slice(0, 2).sort(), ['deploy east', 'deploy west']);
    assert.deepEqual(calls.slice(2, 4).sort(), ['cross east->west', 'cross west->east']);
    assert.deepEqual(calls.slice(4, 6), ['failover west', 'failback west']);
    assert.deepEqual(calls.slice(6).sort(), ['remove east', 'remove west']);
    assert.equal(report.degradedCell, 'west');
    assert.equal(report.failoverMs, 120);
    assert.equal(report.failbackMs, 5_100);
    assert.equal(report.requestsSent, 40);
    assert.equal(report.failures, 1);
    assert.ok(report.crossCell.every((c) => c.mutualTls));
    assert.ok(report.identitiesSeen.includes('spiffe://cluster.local/ns/cellbridge-probe/sa/probe-client-east -> spiffe://cluster.local/ns/cellbridge-probe/sa/probe-echo-west'));
    const status = await mesh.query<{ rotation?: unknown }>('status');
    assert.equal(status.rotation, undefined, 'the drill let go of the mesh');
  });

  test('a cross-cell call without the client\'s identity fails the drill before anything is degraded; the probe is removed and the mesh let go all the same', async () => {
    calls.length = 0;
    brokenMtls = true;
    const spec = await upMesh('drill-nomtls');
    const handle = await h.client.workflow.start<(typeof workflows)['runDrill']>('runDrill', { taskQueue: QUEUE, workflowId: drillWorkflowId('drill-nomtls', '0000000c'), args: [{ spec, naming: 2, cell: 'east', image: 'cellbridge/probe:test' }] });
    await assert.rejects(handle.result(), (error: Error) => {
      assert.ok(error instanceof WorkflowFailedError);
      assert.match(String(error.cause?.message), /no mutual TLS from east to west \(status 200, server saw no client certificate\)/);
      return true;
    });
    assert.ok(!calls.some((c) => c.startsWith('failover')), `nothing was degraded: ${calls}`);
    assert.deepEqual(calls.filter((c) => c.startsWith('remove')).sort(), ['remove east', 'remove west']);
    const status = await h.client.workflow.getHandle(meshWorkflowId('drill-nomtls')).query<{ rotation?: unknown }>('status');
    assert.equal(status.rotation, undefined, 'the failed drill let go of the mesh');
  });
});
