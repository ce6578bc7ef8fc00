/**
 * What the Web UI shows for the runs beside a mesh: every activity an intermediate
 * rotation (one that writes, and one whose pick-up fails and restores), a root rotation, a
 * drill and a rotation the mesh's Schedule starts schedule carries a summary, and so does
 * every activity the mesh itself schedules around them (its drift check, the lease check
 * of a rotation terminated while it held the mesh, the schedule's removal at teardown).
 * The activity list is read from the histories, not written out here, so a step added
 * later without a summary fails this test. Each run carries its static summary too. Real
 * workflows on a real Temporal dev server; cloud, PKI and probe activities stubbed at the
 * activity boundary, the mesh's lease and schedule the product's own.
 */
import assert from 'node:assert/strict';
import { Context } from '@temporalio/activity';
import { defaultPayloadConverter } from '@temporalio/common';
import { WorkflowFailedError } from '@temporalio/client';
import { after, before, test } from 'node:test';
import type { drillActivities, PhaseResult } from '../../activities/drill/index.ts';
import type { RotationActivities } from '../../activities/rotation/index.ts';
import { crossCellCheck } from '../../domain/drill.ts';
import { DRIFT_CHECK_UPDATE, type DriftCheckAccepted } from '../../domain/drift.ts';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { CURRENT_NAMING, drillWorkflowId } from '../../domain/names.ts';
import { ROTATION_QUERY, rotationScheduleId, type RotationProgress } from '../../domain/rotation.ts';
import { drillWorkflowSummary, rotationWorkflowSummary } from '../../domain/workflow-summary.ts';
import type * as workflows from '../../workflows/index.ts';
import { historyChain } from '../support/history.ts';
import { startStubWorker, type StubWorker } from '../support/stub-worker.ts';
import { editedSpec, meshLeaseActivities, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

const QUEUE = 'cellbridge-rotation-drill-summaries';
const MESH = 'rds';

let h: Harness;
let worker: StubWorker;
/** The cell whose pick-up the stub reports as never happening (its write is then restored). */
let pickupFailsIn: string | undefined;

/** What the rotations and the drill call; the mesh's lease is the product's own (meshLeaseActivities), the rest stubbed. */
type Activities = Omit<RotationActivities, 'ensureRotationSchedule' | 'deleteRotationSchedule' | 'rotationRunning' | 'startRootRotation'> & ReturnType<typeof drillActivities>;
type Stubs = Omit<Activities, 'claimRotation' | 'releaseRotation'>;

before(async () => {
  h = await startHarness('cellbridge-rds-mesh');
  const cacerts = (tag: string) => ({ intermediateFingerprint: `fp-${tag}`, rootFingerprints: ['root-fp'], notAfter: '2030-01-01T00:00:00.000Z' });
  const figures = (settledMs: number): PhaseResult => ({ figures: { requests: 10, failures: 0, failuresOutsideWindow: 0, settledMs }, identities: [], failed: [] });
  const stubs: Stubs = {
    rotateIntermediate: async ({ cluster }) => cacerts(`intermediate-${cluster.cell}`),
    restoreCacerts: async ({ cluster }) => cacerts(`previous-${cluster.cell}`),
    checkCluster: async () => ({ ok: true }),
    awaitPickup: async ({ cluster, withinMs }) => {
      if (cluster.cell !== pickupFailsIn) return { ok: true };
      await Context.current().sleep(withinMs);
      return { ok: false, problem: 'istiod still serves the old intermediate' };
    },
    prepareNextRoot: async () => 'next-root-fp',
    setTrust: async ({ cluster, roots }) => cacerts(`trust-${roots.join('-')}-${cluster.cell}`),
    signWithNextRoot: async ({ cluster }) => cacerts(`next-${cluster.cell}`),
    promoteNextRoot: async () => 'next-root-fp',
    deployProbe: async () => undefined,
    crossCellCall: async ({ cluster, to, spec }) =>
      crossCellCheck(spec, cluster.cell, to, { status: 200, peer: `spiffe://${spec.istio.trustDomain}/ns/cellbridge-probe/sa/probe-client-${cluster.cell}`, server: `spiffe://${spec.istio.trustDomain}/ns/cellbridge-probe/sa/probe-echo-${to}` }),
    measureFailover: async () => {
      // Long enough for the mesh's lease check (every 500 ms here) to ask about the drill.
      await Context.current().sleep(1_200);
      return figures(150);
    },
    measureFailback: async () => figures(4_000),
    removeProbe: async () => ({ removed: true }),
  };
  worker = await startStubWorker(h.env, QUEUE, { ...meshLeaseActivities(h.client), ...stubs } satisfies Activities);
});

after(async () => {
  await worker?.stop();
  await h?.stop();
});

type HistoryEvent = NonNullable<Awaited<ReturnType<typeof historyChain>>[number]['events']>[number];
const summaryOf = (e: HistoryEvent) => (e.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary) : undefined);
const typeOf = (e: HistoryEvent) => e.activityTaskScheduledEventAttributes!.activityType!.name!;

/** Every activity the run's history scheduled, as `type: summary` (or `type: (none)`). */
async function scheduledIn(workflowId: string): Promise<string[]> {
  const histories = await historyChain(h.client, workflowId);
  return histories.flatMap((history) => (history.events ?? []).filter((e) => e.activityTaskScheduledEventAttributes).map((e) => `${typeOf(e)}: ${summaryOf(e) ?? '(none)'}`));
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`not so within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('every activity of rotations, a drill, a scheduled rotation and the mesh around them carries a summary naming what it does and where, none a secret; each run a static summary', async () => {
  // Root rotation waits one workload certificate lifetime between its phases: a second here.
  const spec = editedSpec(MESH, (raw) => {
    raw.pki = { rotation: { pickupSeconds: 1, workloadCertTtlSeconds: 1, intervalHours: 720, jitterMinutes: 0 } };
  });
  await startMesh(h, spec);
  await waitForPhase(h, MESH, ['Ready', 'Degraded']);
  const mesh = h.client.workflow.getHandle(meshWorkflowId(MESH));
  const runs: Record<string, string> = {};

  const rotate = async (kind: 'intermediate' | 'root', id: string) => {
    const workflowId = `rotation-${MESH}-${kind}-${id}`;
    runs[workflowId] = kind;
    return h.client.workflow.start<(typeof workflows)['rotateCa']>('rotateCa', {
      taskQueue: QUEUE, workflowId, args: [{ spec, kind, naming: CURRENT_NAMING }], staticSummary: rotationWorkflowSummary(kind, spec, 'api'),
    });
  };
  await (await rotate('intermediate', 'ok')).result();
  pickupFailsIn = 'west';
  await assert.rejects((await rotate('intermediate', 'restored')).result(), (error: Error) => error instanceof WorkflowFailedError && /previous intermediate is back/.test(String(error.cause?.message)));
  pickupFailsIn = undefined;
  await (await rotate('root', 'ok')).result();

  const drillId = drillWorkflowId(MESH, '0000abcd');
  runs[drillId] = 'drill';
  await h.client.workflow.start<(typeof workflows)['runDrill']>('runDrill', {
    taskQueue: QUEUE, workflowId: drillId, args: [{ spec, naming: CURRENT_NAMING, cell: 'east', image: 'cellbridge/probe:test' }], staticSummary: drillWorkflowSummary(spec, 'east'),
  }).then((d) => d.result());

  const check = await mesh.executeUpdate<DriftCheckAccepted, []>(DRIFT_CHECK_UPDATE, { args: [] });
  await waitFor(async () => {
    const { drift } = await mesh.query<{ drift?: { running?: unknown; last?: { checkId: string } } }>('status');
    return drift?.last?.checkId === check.checkId && !drift.running;
  });

  // The mesh's own schedule starts a rotation; the mesh harness's rotation never finishes its first cell, and is terminated holding the mesh.
  const schedule = h.client.schedule.getHandle(rotationScheduleId(MESH));
  const action = (await schedule.describe()).action;
  assert.equal(action.type === 'startWorkflow' && action.staticSummary, rotationWorkflowSummary('intermediate', spec, 'schedule'), 'the schedule\'s action carries the static summary');
  await schedule.trigger();
  let scheduledId = '';
  await waitFor(async () => {
    scheduledId = (await schedule.describe()).info.recentActions[0]?.action.workflow.workflowId ?? '';
    return scheduledId !== '' && (await h.client.workflow.getHandle(scheduledId).query<RotationProgress>(ROTATION_QUERY)).phase === 'intermediates';
  });
  runs[scheduledId] = 'scheduled';
  const scheduled = h.client.workflow.getHandle(scheduledId);
  assert.equal(await (await scheduled.describe()).staticSummary(), 'scheduled intermediate CA rotation of mesh rds · cells east (EKS), west (AKS), one cell at a time');
  await scheduled.terminate('the test gave up on it');
  await mesh.signal('teardown');
  assert.equal((await waitForPhase(h, MESH, ['Deleted', 'TeardownIncomplete'], 30_000)).phase, 'Deleted');

  const rows: Record<string, string[]> = { [meshWorkflowId(MESH)]: await scheduledIn(meshWorkflowId(MESH)) };
  for (const id of Object.keys(runs)) rows[id] = await scheduledIn(id);
  const all = Object.entries(rows).flatMap(([id, list]) => list.map((row) => `${id} ${row}`));
  assert.deepEqual(all.filter((row) => row.endsWith(': (none)')), [], 'activities scheduled without a summary');
  // The histories hold the steps this test is about: a rotation's, a drill's, and the mesh's around them.
  const types = new Set(all.map((row) => row.split(' ')[1]!.replace(/:$/, '')));
  const about = ['claimRotation', 'releaseRotation', 'rotateIntermediate', 'awaitPickup', 'restoreCacerts', 'prepareNextRoot', 'setTrust', 'signWithNextRoot', 'promoteNextRoot',
    'deployProbe', 'crossCellCall', 'measureFailover', 'measureFailback', 'removeProbe', 'checkDrift', 'rotationRunning', 'deleteRotationSchedule'];
  assert.deepEqual(about.filter((t) => !types.has(t)), [], `every step this test is about ran; seen: ${[...types].join(', ')}`);
  for (const [id, expected] of [
    ['rotation-rds-intermediate-ok', 'rotateIntermediate: write cacerts of cell west · new intermediate from the current root'],
    ['rotation-rds-intermediate-ok', 'awaitPickup: await istiod pick-up on cell east'],
    ['rotation-rds-intermediate-restored', 'restoreCacerts: restore the previous cacerts of cell west'],
    ['rotation-rds-root-ok', 'setTrust: write cacerts of cell east · trust the current and the new root'],
    ['rotation-rds-root-ok', 'setTrust: write cacerts of cell west · trust the new root only'],
    ['rotation-rds-root-ok', 'promoteNextRoot: make the new root CA current in AWS Secrets Manager us-east-1 · retire the old key'],
    [drillId, 'measureFailover: drill: cut AWS cell east · measure failover to another cell'],
    [drillId, 'crossCellCall: drill: call cell east\'s echo from cell west over mutual TLS'],
    [drillId, 'claimRotation: claim mesh rds for the failover drill'],
    [meshWorkflowId(MESH), 'deleteRotationSchedule: delete the CA rotation schedule of mesh rds'],
    [meshWorkflowId(MESH), `rotationRunning: check that ${scheduledId}, holding the mesh, still runs`],
  ] as const) {
    assert.ok(rows[id]!.includes(expected), `"${expected}" in ${id}, among:\n${rows[id]!.join('\n')}`);
  }
  assert.ok(rows[meshWorkflowId(MESH)]!.some((r) => /^checkDrift: check \d+ resources for drift$/.test(r)), rows[meshWorkflowId(MESH)]!.join('\n'));
  // Key material, credentials and what the stubs returned (certificate fingerprints) stay out of the rows; a secret's name is a reference and may show.
  const secretish = ['-----BEGIN', 'PRIVATE KEY', 'kubeconfig', 'token', 'fp-'];
  assert.deepEqual(all.filter((row) => secretish.some((s) => row.toLowerCase().includes(s.toLowerCase()))), [], 'rows carrying key material, a credential or a fingerprint');

  for (const [id, kind] of Object.entries(runs)) {
    const summary = await (await h.client.workflow.getHandle(id).describe()).staticSummary();
    assert.ok(summary && summary.includes(`mesh ${MESH}`), `${id} (${kind}) has a static summary naming the mesh: ${summary}`);
  }
});
