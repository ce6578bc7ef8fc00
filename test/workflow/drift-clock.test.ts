/**
 * The drift clock of a live mesh (docs/drift.md, "When checks run"): a workflow timer every
 * drift.intervalMinutes after the previous check ended, run on Temporal's time-skipping test
 * server (test/support/time-skipping.ts), so that hours of workflow time pass in seconds, with
 * the cloud side stubbed at the activity boundary. Nothing asks for these checks: the clock
 * alone starts them, and a change in progress when one falls due delays it to the change's end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { DriftFindings } from '../../activities/drift-check.ts';
import type { MeshActivities } from '../../activities/index.ts';
import { RESOURCE_KINDS, resourceActivityName, type ResourceKind } from '../../domain/activity-names.ts';
import type { DriftReport } from '../../domain/drift.ts';
import { CHANGE_UPDATE, type ChangeAccepted, type ChangeRequest } from '../../domain/mesh-change.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { CURRENT_NAMING } from '../../domain/names.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';
import { startStubWorker, type StubWorker } from '../support/stub-worker.ts';
import { startTimeSkipping, type TimeSkippingServer } from '../support/time-skipping.ts';
import { FAST_SETTINGS, MESH_KEY, meshSpec, PHASE_KEY } from './mesh-harness.ts';

const MESH = 'wf-drift-clock';
const TASK_QUEUE = 'cellbridge-drift-clock';
const INTERVAL_MINUTES = 30;
const MINUTE = 60_000;
/** How long before the due time the change starts: time is not skipped while an activity runs, so the change holds its create that long in real time. */
const CHANGE_LEAD_MS = 15_000;

/** What the stubs do and saw. */
const stub = {
  /** The next answers of checkDrift, oldest first; once used up, nothing has drifted. */
  findings: [] as DriftFindings[],
  /** Server time (ms) at which each checkDrift was scheduled. */
  checks: [] as number[],
  /** Creates of these kinds do not finish while listed (a cluster being made). */
  holdCreate: new Set<ResourceKind>(),
};

let server: TimeSkippingServer;
let worker: StubWorker;
before(async () => {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  server = await startTimeSkipping([MESH_KEY, PHASE_KEY]);
  worker = await startStubWorker(server.env, TASK_QUEUE, stubActivities());
});
after(async () => {
  await worker?.stop();
  await server?.stop();
});

const handle = () => server.env.client.workflow.getHandle(meshWorkflowId(MESH));
const status = () => handle().query<any>('status');
/** The run the mesh started with: it continues as new as soon as the mesh is up. */
let firstRunId: string;

/**
 * Polls the status (real time) until `until` holds for it. Never of the first run: this test
 * server does not answer a query that reaches a run while the workflow task that closes it (here
 * its continue-as-new) is being worked on, and from then on leaves time-skipping locked, so every
 * env.sleep() after it passes in real time. On a loaded machine a poll lands in that window.
 */
async function statusWhen(until: (s: any) => boolean, what: string): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (let s: any; ; ) {
    if ((await handle().describe()).runId !== firstRunId) {
      s = await status().catch(() => undefined);
      if (s && until(s)) return s;
    }
    if (Date.now() > deadline) throw new Error(`no status where ${what}: ${JSON.stringify({ phase: s?.phase, drift: s?.drift, change: s?.change?.state })}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const minutesBetween = (from: string | number, to: string | number) => (new Date(to).getTime() - new Date(from).getTime()) / MINUTE;

describe('the drift clock of a live mesh (time-skipping test server)', { timeout: 300_000 }, () => {
  let first: DriftReport;

  test(`after drift.intervalMinutes (${INTERVAL_MINUTES}) the check runs by itself, its report reaches the status query, and the next one is due an interval after it ended`, async () => {
    const spec: MeshSpec = { ...meshSpec('cells', MESH), drift: { mode: 'report', intervalMinutes: INTERVAL_MINUTES } };
    ({ firstExecutionRunId: firstRunId } = await server.env.client.workflow.start('provisionMesh', {
      taskQueue: TASK_QUEUE,
      workflowId: meshWorkflowId(MESH),
      args: [{ spec, settings: FAST_SETTINGS, naming: CURRENT_NAMING }],
      typedSearchAttributes: [{ key: MESH_KEY, value: MESH }, { key: PHASE_KEY, value: 'Provisioning' }],
    }));
    const up = await statusWhen((s) => ['Ready', 'Degraded'].includes(s.phase) && s.drift?.nextCheckAt, 'the mesh is up with a check scheduled');
    const due = up.drift.nextCheckAt;
    const untilDue = minutesBetween(await server.env.currentTimeMs(), due);
    assert.ok(untilDue > 0 && untilDue <= INTERVAL_MINUTES, `the first check is due within an interval of the mesh coming up (${due}, ${untilDue} min from now)`);

    await server.env.sleep((untilDue - 1) * MINUTE);
    assert.deepEqual(stub.checks, [], 'nothing checked a minute before it is due');
    assert.equal((await status()).drift?.last, undefined);

    stub.findings.push({ checked: 60, drifts: [{ id: 'aws/eks-nodegroup/east', kind: 'aws.eksNodegroup', name: 'east-system', state: 'drifted', repairBy: 'update', fields: [{ field: 'scalingConfig.desiredSize', expected: '2', actual: '3' }] }] });
    await server.env.sleep(2 * MINUTE);
    const checked = await statusWhen((s) => s.drift?.last && !s.drift.running, 'the scheduled check has reported');
    first = checked.drift.last;
    assert.equal(stub.checks.length, 1, 'one check ran');
    assert.ok(Math.abs(minutesBetween(due, stub.checks[0]!)) < 1, `it ran when due (${minutesBetween(due, stub.checks[0]!)} min from the due time)`);
    assert.deepEqual([first.trigger, first.mode, first.checked, first.drifts.map((d) => `${d.id} ${d.fields[0]?.field}`)], ['schedule', 'report', 60, ['aws/eks-nodegroup/east scalingConfig.desiredSize']]);
    assert.equal(minutesBetween(first.finishedAt!, checked.drift.nextCheckAt), INTERVAL_MINUTES, 'the next check is due an interval after this one ended');

    await server.env.sleep(INTERVAL_MINUTES * MINUTE + MINUTE);
    const second = (await statusWhen((s) => s.drift?.last?.checkId !== first.checkId && !s.drift.running, 'a second scheduled check has reported')).drift.last;
    assert.equal(second.trigger, 'schedule');
    assert.deepEqual(second.drifts, [], 'its own report: nothing drifted now');
    assert.ok(Math.abs(minutesBetween(first.finishedAt!, second.startedAt) - INTERVAL_MINUTES) < 1, `the second started an interval after the first ended (${minutesBetween(first.finishedAt!, second.startedAt)} min)`);
    first = second;
  });

  test('a check that falls due while a change is in progress waits for the change to end, then runs by itself', async () => {
    const { nextCheckAt } = (await status()).drift;
    const checksBefore = stub.checks.length;
    // Skipped to shortly before the check is due, then a change that is still making a cluster when it falls due.
    await server.env.sleep(Date.parse(nextCheckAt) - (await server.env.currentTimeMs()) - CHANGE_LEAD_MS);
    stub.holdCreate.add('aws.eksCluster');
    const north = meshSpec('cells', MESH);
    north.cells.push({ ...north.cells[0]!, name: 'north', serviceCidr: '172.21.0.0/16' } as any);
    const spec: MeshSpec = { ...north, drift: { mode: 'report', intervalMinutes: INTERVAL_MINUTES } };
    await handle().executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [{ spec, allowReplace: false }] });
    await statusWhen((s) => s.change?.state === 'Applying', 'the change is applying');

    assert.equal(stub.checks.length, checksBefore, 'the change started before the check fell due');
    // The test server does not skip time while the create runs: this passes in real time.
    await server.env.sleep(Date.parse(nextCheckAt) - (await server.env.currentTimeMs()) + 2_000);
    assert.ok((await server.env.currentTimeMs()) > Date.parse(nextCheckAt), 'the check is due');
    const during = await status();
    assert.deepEqual([during.change?.state, during.drift?.running, stub.checks.length], ['Applying', undefined, checksBefore], 'no check beside the change');

    stub.holdCreate.delete('aws.eksCluster');
    const done = await statusWhen((s) => s.change?.finishedAt && s.drift?.last?.checkId !== first.checkId && !s.drift.running, 'the change ended and the delayed check reported');
    assert.equal(done.change.state, 'Applied');
    assert.equal(done.drift.last.trigger, 'schedule', 'the clock asked for it, no one else');
    assert.ok(Date.parse(done.drift.last.startedAt) >= Date.parse(done.change.finishedAt), `it ran after the change ended (${done.drift.last.startedAt} >= ${done.change.finishedAt})`);
    assert.equal(stub.checks.length, checksBefore + 1, 'once');
    await handle().signal('teardown');
    // Its result, not a query: a query could reach the run while its last workflow task is worked on.
    assert.equal((await handle().result()).phase, 'Deleted', 'the mesh is torn down');
  });
});

/** The cloud and cluster side answers at once; checkDrift answers what the test scripted and notes when it ran. */
function stubActivities(): Partial<MeshActivities> {
  const resources = Object.fromEntries(
    RESOURCE_KINDS.flatMap((kind) => [
      [resourceActivityName('create', kind), async (node: ResourceNode) => {
        const context = Context.current();
        while (stub.holdCreate.has(kind)) {
          context.heartbeat();
          await context.sleep(100); // rejects once the cancellation arrives with a heartbeat response
        }
        return { cloudId: `stub-${node.id}`, state: 'available' };
      }],
      [resourceActivityName('update', kind), async (node: ResourceNode) => ({ cloudId: `stub-${node.id}`, state: 'available' })],
      [resourceActivityName('delete', kind), async () => ({ state: 'deleted' as const })],
    ]),
  );
  return {
    ...resources,
    observeTunnels: async (input) => input.tunnels.map((t, index) => ({
      index, insideCidr: t.insideCidr, aws: { outsideIp: `203.0.113.${index}`, status: 'UP', message: '1 BGP ROUTES', acceptedRoutes: 1 }, azure: { neighbor: `169.254.21.${index}`, state: 'Connected', routesReceived: 1 }, established: true,
    })),
    observeLearnedRoutes: async () => ({ azureFromAws: ['10.10.0.0/16'], awsFromAzure: ['10.20.0.0/16'] }),
    probeClusterAccess: async (ref) => ({ cell: ref.cell, server: `https://${ref.cell}.example`, namespaces: ['default', 'istio-system'] }),
    // No cluster behind these stubs: the mesh comes up Degraded, which is up.
    inspectIstio: async () => {
      throw ApplicationFailure.nonRetryable('no cluster behind this stub', 'Stub');
    },
    checkDrift: async (input) => {
      stub.checks.push(Context.current().info.scheduledTimestampMs);
      return stub.findings.shift() ?? { checked: input.nodes.length, drifts: [] };
    },
    // The test server has no Schedules; the rotation schedule is not what this test is about.
    ensureRotationSchedule: async () => {},
    deleteRotationSchedule: async () => {},
  };
}
