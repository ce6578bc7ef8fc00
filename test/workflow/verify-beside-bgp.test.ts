/**
 * Under verify-beside-bgp-v1 the cells' Istio is inspected and the rotation schedule made
 * while BGP converges; only the routes each cloud learned wait for it. Failures behave as
 * when they ran after BGP: a failed inspection is a failed check (Degraded), and BGP that
 * never comes up rolls back, now deleting the schedule too. Real Temporal dev server, cloud
 * side stubbed at the activity boundary (test/workflow/mesh-harness.ts: its inspectIstio
 * always fails, there being no cluster behind it); what is read back (history, schedule) is
 * Temporal's word.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@temporalio/client';
import { meshWorkflowId, type MeshStatus } from '../../domain/mesh-status.ts';
import { VERIFY_BESIDE_BGP_PATCH } from '../../workflows/patches.ts';
import { historyChain, patchIds } from '../support/history.ts';
import { FAST_SETTINGS, meshSpec, scheduleExists, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness('cellbridge-verify-beside-bgp');
});
after(async () => {
  await h?.stop();
});

type Events = NonNullable<Awaited<ReturnType<typeof historyChain>>[number]['events']>;

/** The provisioning run's events (the first of the chain: a mesh up continues as new). */
async function provisioningEvents(client: Client, mesh: string): Promise<Events> {
  return (await historyChain(client, meshWorkflowId(mesh)))[0]!.events ?? [];
}

/** Each activity of the history, in the order scheduled: its type, where it was scheduled and where it ended (completed or failed), if it has. */
function activities(events: Events): { type: string; scheduledAt: number; endedAt?: number; observedUp?: boolean }[] {
  const byId = new Map<string, { type: string; scheduledAt: number; endedAt?: number; observedUp?: boolean }>();
  events.forEach((e, at) => {
    const id = String(e.eventId);
    if (e.activityTaskScheduledEventAttributes) byId.set(id, { type: e.activityTaskScheduledEventAttributes.activityType!.name!, scheduledAt: at });
    const ended = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    const activity = ended && byId.get(String(ended.scheduledEventId));
    if (!activity) return;
    activity.endedAt = at;
    const result = e.activityTaskCompletedEventAttributes?.result?.payloads?.[0]?.data;
    if (activity.type === 'observeTunnels' && result) activity.observedUp = (JSON.parse(Buffer.from(result).toString('utf8')) as { established: boolean }[]).every((t) => t.established);
  });
  return [...byId.values()];
}

async function waitFor<T>(what: string, read: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('verification beside the BGP wait (verify-beside-bgp-v1)', () => {
  test('with BGP held down, both cells are inspected and the rotation schedule exists while the mesh is still Verifying; once BGP is up only the learned routes are read, and the failed inspections make it Degraded', async () => {
    const mesh = 'beside-bgp';
    h.faults.tunnelsDown = true;
    try {
      await startMesh(h, meshSpec('cells', mesh), { ...FAST_SETTINGS, bgpPollInitialMs: 50, bgpPollMaxMs: 50 });
      // Held here by BGP alone: the tunnels answer down until released below.
      await waitFor('both inspections and the schedule ended before BGP', async () => {
        const ended = activities(await provisioningEvents(h.client, mesh)).filter((a) => a.endedAt !== undefined).map((a) => a.type);
        return ended.filter((t) => t === 'inspectIstio').length === 2 && ended.includes('ensureRotationSchedule') ? true : undefined;
      });
      const during = await h.client.workflow.getHandle(meshWorkflowId(mesh)).query<MeshStatus>('status');
      assert.equal(during.phase, 'Verifying');
      assert.ok(during.tunnels.length > 0 && during.tunnels.every((t) => !t.established), 'BGP is still down');
      assert.equal(await scheduleExists(h, mesh), true, 'the schedule exists before BGP converged');
    } finally {
      h.faults.tunnelsDown = false;
    }

    const status = (await waitForPhase(h, mesh, ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'])) as unknown as MeshStatus;
    assert.equal(status.phase, 'Degraded');
    const failed = status.verification!.checks.filter((c) => c.id === 'cluster.inspected' && !c.pass);
    assert.deepEqual(failed.map((c) => c.cluster).sort(), ['east', 'west']);
    for (const check of failed) assert.match(check.evidence, /no cluster behind this stub/);

    const events = await provisioningEvents(h.client, mesh);
    const all = activities(events);
    const bgpUp = all.find((a) => a.type === 'observeTunnels' && a.observedUp)!;
    assert.ok(bgpUp, 'an observation saw every tunnel established');
    const of = (type: string) => all.filter((a) => a.type === type);
    for (const a of [...of('inspectIstio'), ...of('ensureRotationSchedule')]) assert.ok(a.endedAt! < bgpUp.endedAt!, `${a.type} ended (event ${a.endedAt}) before BGP was seen up (event ${bgpUp.endedAt})`);
    assert.equal(of('inspectIstio').length, 2, 'no cell is inspected again after BGP');
    assert.equal(of('ensureRotationSchedule').length, 1);
    assert.equal(of('observeLearnedRoutes').length, 1);
    assert.ok(of('observeLearnedRoutes')[0]!.scheduledAt > bgpUp.endedAt!, 'the learned routes are read after BGP');
    assert.ok(patchIds({ events }).includes(VERIFY_BESIDE_BGP_PATCH), 'the run records the patch');

    await h.client.workflow.getHandle(meshWorkflowId(mesh)).signal('teardown');
    await waitForPhase(h, mesh, ['Deleted']);
    assert.equal(await scheduleExists(h, mesh), false);
  });

  test('BGP that never comes up after the schedule was made beside it: the mesh rolls back and the rollback deletes the schedule', async () => {
    const mesh = 'beside-bgp-down';
    h.faults.tunnelsDown = true;
    try {
      const spec = meshSpec('cells', mesh);
      await startMesh(h, { ...spec, backbone: { ...spec.backbone, bgpTimeoutSeconds: 2 } }, { ...FAST_SETTINGS, bgpPollInitialMs: 100, bgpPollMaxMs: 200 });
      const status = await waitForPhase(h, mesh, ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete']);
      assert.equal(status.phase, 'RolledBack');
    } finally {
      h.faults.tunnelsDown = false;
    }
    assert.equal(await scheduleExists(h, mesh), false, 'no schedule is left to rotate a mesh that is gone');
    const all = activities(await provisioningEvents(h.client, mesh));
    const made = all.find((a) => a.type === 'ensureRotationSchedule')!;
    const deleted = all.find((a) => a.type === 'deleteRotationSchedule')!;
    assert.ok(made && deleted && deleted.scheduledAt > made.endedAt!, 'the schedule is deleted after its creation ended');
  });
});
