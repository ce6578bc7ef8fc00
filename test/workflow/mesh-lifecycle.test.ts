/**
 * The mesh workflow over a long life, on a real Temporal dev server with the cloud and
 * cluster activities stubbed (test/workflow/mesh-harness.ts): continue-as-new keeps
 * every run's history bounded, a terminated rotation cannot hold the mesh, a cancel is a
 * teardown, and no teardown path leaves the rotation schedule behind.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { MeshLock } from '../../activities/rotation/mesh-lock.ts';
import { RotationSchedules } from '../../activities/rotation/schedule.ts';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { CURRENT_NAMING } from '../../domain/names.ts';
import { ROTATION_QUERY, rotationScheduleId, type RotationProgress } from '../../domain/rotation.ts';
import type { rotateCa } from '../../workflows/rotate-ca.ts';
import { FAST_SETTINGS, meshSpec, scheduleExists, runsOf, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h?.stop();
});

describe('mesh workflow lifecycle', () => {
  test('1,000 rotation claim/release cycles: the mesh continues as new once up and after every 50 claims, each run stays under 700 history events, status and lease survive every boundary, teardown still reaches Deleted', async () => {
    const mesh = 'long-lived';
    const spec = meshSpec('cells', mesh);
    await startMesh(h, spec, { ...FAST_SETTINGS, continueAsNewAfter: 50 });
    await waitForPhase(h, mesh, ['Ready', 'Degraded']);
    assert.equal(await scheduleExists(h, mesh), true, 'the rotation schedule exists once the mesh is up');
    const lock = new MeshLock(h.client);
    const started = Date.now();
    for (let i = 0; i < 1000; i++) {
      const rotationId = `rotation-${mesh}-cycle-${i}`;
      await lock.claim(meshWorkflowId(mesh), rotationId);
      // A second rotation is refused while the first holds the mesh, in whichever run holds it now.
      if (i % 100 === 0) await assert.rejects(lock.claim(meshWorkflowId(mesh), `${rotationId}-other`), /already running/);
      await lock.release(meshWorkflowId(mesh), rotationId);
    }
    const cyclesMs = Date.now() - started;
    const status = await waitForPhase(h, mesh, ['Ready', 'Degraded']);
    assert.equal(status.rotation, undefined, 'no rotation holds the mesh after the last release');
    assert.ok((status.resources as unknown[]).length > 40, 'the resource statuses were carried');

    await h.client.workflow.getHandle(meshWorkflowId(mesh)).signal('teardown');
    assert.equal((await waitForPhase(h, mesh, ['Deleted', 'TeardownIncomplete'])).phase, 'Deleted');
    assert.equal(await scheduleExists(h, mesh), false);
    const runs = await runsOf(h, mesh);
    const counts = runs.map((r) => r.events);
    console.log(`1000 claim/release cycles in ${cyclesMs} ms; ${runs.length} runs; history events per run: ${counts.join(', ')}; total ${counts.reduce((a, b) => a + b, 0)}, largest ${Math.max(...counts)}`);
    // The first run ends when it is up; then 1,000 claims / 50 per run = 20 more; the last run tears down.
    assert.ok(runs.length >= 21, `${runs.length} runs`);
    assert.deepEqual(runs.slice(0, -1).map((r) => r.status), runs.slice(0, -1).map(() => 'CONTINUED_AS_NEW'));
    assert.equal(runs.at(-1)!.status, 'COMPLETED');
    assert.ok(Math.max(...counts) < 700, `largest run has ${Math.max(...counts)} events`);
  });

  test('a rotation terminated while it holds the mesh does not hold it forever: the teardown signal (what DELETE sends) reaches Deleted and the schedule is gone', async () => {
    const mesh = 'lease';
    const spec = meshSpec('cells', mesh);
    await startMesh(h, spec);
    await waitForPhase(h, mesh, ['Ready', 'Degraded']);
    const rotationId = `rotation-${mesh}-intermediate-stuck`;
    const rotation = await h.client.workflow.start<typeof rotateCa>('rotateCa', { taskQueue: h.taskQueue, workflowId: rotationId, args: [{ spec, kind: 'intermediate', naming: CURRENT_NAMING }] });
    // The rotation's own progress says it got past its claim (the mesh accepted it) and is at work.
    const held = await waitFor(async () => (await rotation.query<RotationProgress>(ROTATION_QUERY)).phase === 'intermediates');
    assert.ok(held, 'the rotation claimed the mesh');
    await assert.rejects(new MeshLock(h.client).claim(meshWorkflowId(mesh), `${rotationId}-other`), /already running/);
    await rotation.terminate('operator gave up on it');
    await h.client.workflow.getHandle(meshWorkflowId(mesh)).signal('teardown');
    const status = await waitForPhase(h, mesh, ['Deleted', 'TeardownIncomplete'], 30_000);
    assert.equal(status.phase, 'Deleted');
    assert.equal(await scheduleExists(h, mesh), false);
  });

  test('a rotation terminated while it holds an up mesh loses the lease at the next check (every 500 ms here): another rotation can then claim the mesh', async () => {
    const mesh = 'lease-next';
    const spec = meshSpec('cells', mesh);
    await startMesh(h, spec);
    await waitForPhase(h, mesh, ['Ready', 'Degraded']);
    const rotationId = `rotation-${mesh}-intermediate-stuck`;
    const rotation = await h.client.workflow.start<typeof rotateCa>('rotateCa', { taskQueue: h.taskQueue, workflowId: rotationId, args: [{ spec, kind: 'intermediate', naming: CURRENT_NAMING }] });
    assert.ok(await waitFor(async () => (await rotation.query<RotationProgress>(ROTATION_QUERY)).phase === 'intermediates'), 'the rotation claimed the mesh');
    const lock = new MeshLock(h.client);
    await assert.rejects(lock.claim(meshWorkflowId(mesh), `${rotationId}-next`), /already running/);
    await rotation.terminate('operator gave up on it');
    const claimed = await waitFor(async () => {
      await lock.claim(meshWorkflowId(mesh), `${rotationId}-next`);
      return true;
    }, 15_000);
    assert.ok(claimed, 'the next rotation got the mesh');
    await lock.release(meshWorkflowId(mesh), `${rotationId}-next`);
    await h.client.workflow.getHandle(meshWorkflowId(mesh)).signal('teardown');
    assert.equal((await waitForPhase(h, mesh, ['Deleted', 'TeardownIncomplete'], 30_000)).phase, 'Deleted');
  });

  test('cancelling a Ready mesh\'s workflow tears the mesh down (every resource deleted, the rotation schedule deleted) and completes instead of ending cancelled', async () => {
    const mesh = 'cancelled';
    const spec = meshSpec('cells', mesh);
    const handle = await startMesh(h, spec);
    await waitForPhase(h, mesh, ['Ready', 'Degraded']);
    assert.equal(await scheduleExists(h, mesh), true);
    await h.client.workflow.getHandle(meshWorkflowId(mesh)).cancel();
    const status = await waitForPhase(h, mesh, ['Deleted', 'TeardownIncomplete'], 30_000);
    assert.equal(status.phase, 'Deleted');
    assert.ok((status.resources as { state: string }[]).every((r) => r.state === 'deleted'), 'every resource deleted');
    assert.equal(await scheduleExists(h, mesh), false);
    const result = await h.client.workflow.getHandle(handle.workflowId).result();
    assert.equal(result.phase, 'Deleted');
  });

  test('cancelling a mesh\'s workflow during provisioning rolls back everything it created and ends Deleted, as DELETE does', async () => {
    const mesh = 'cancelled-early';
    const spec = meshSpec('minimal', mesh);
    h.faults.holdCreate.add('azure.vpnGateway');
    try {
      const handle = await startMesh(h, spec, { ...FAST_SETTINGS, heartbeatTimeoutMs: 1000 });
      const gatewayCreating = await waitFor(async () => {
        const status = await handle.query<{ resources: { id: string; state: string }[] }>('status');
        return status.resources.some((r) => r.id === 'azure/vpn-gateway' && r.state === 'creating');
      });
      assert.ok(gatewayCreating, 'the gateway create is in flight');
      await handle.cancel();
      const result = await handle.result();
      assert.equal(result.phase, 'Deleted');
      const status = await waitForPhase(h, mesh, ['Deleted']);
      const created = (status.resources as { state: string }[]).filter((r) => r.state !== 'pending');
      assert.ok(created.length > 0 && created.every((r) => r.state === 'deleted'), JSON.stringify(created));
    } finally {
      h.faults.holdCreate.clear();
    }
  });

  test('while provisioning, the status says what the clouds take (the Azure gateway\'s chain: 2 + 15 + 10 + 2700 + 90 s) and since when; once up it says nothing', async () => {
    const mesh = 'expected-time';
    h.faults.holdCreate.add('azure.vpnGateway');
    try {
      const handle = await startMesh(h, meshSpec('minimal', mesh));
      let expected: { seconds: number; since: string } | undefined;
      assert.ok(await waitFor(async () => (expected = (await handle.query<{ expected?: { seconds: number; since: string } }>('status')).expected) !== undefined), 'an estimate while provisioning');
      assert.equal(expected?.seconds, 2817);
      const started = (await handle.describe()).startTime.getTime();
      assert.ok(Math.abs(Date.parse(expected!.since) - started) < 10_000, `since ${expected?.since}, started ${new Date(started).toISOString()}`);
    } finally {
      h.faults.holdCreate.clear();
    }
    const up = await waitForPhase(h, mesh, ['Ready']);
    assert.equal(up.expected, undefined);
    await h.client.workflow.getHandle(meshWorkflowId(mesh)).signal('teardown');
    await waitForPhase(h, mesh, ['Deleted']);
  });

  test('teardownMesh after a RollbackIncomplete of a mesh with cells deletes the rotation schedule the mesh\'s earlier life left, and sweeps what the rollback left', async () => {
    const mesh = 'leftovers';
    const spec = meshSpec('cells', mesh);
    // An earlier run of this mesh left its schedule (a run terminated while up does).
    await new RotationSchedules(h.client, h.taskQueue).ensure(spec, CURRENT_NAMING);
    h.faults.failCreate.add('azure.connection');
    h.faults.failDelete.add('azure.localNetworkGateway');
    try {
      const failed = await startMesh(h, spec);
      await assert.rejects(failed.result());
      assert.equal((await waitForPhase(h, mesh, ['RollbackIncomplete', 'RolledBack'])).phase, 'RollbackIncomplete');
    } finally {
      h.faults.failCreate.clear();
      h.faults.failDelete.clear();
    }
    assert.equal(await scheduleExists(h, mesh), true);
    const sweep = await startMesh(h, spec, FAST_SETTINGS, 'teardownMesh');
    assert.equal((await sweep.result()).phase, 'Deleted');
    assert.equal(await scheduleExists(h, mesh), false);
  });

  test('a teardown signal sent while the mesh continues as new (the moment it is up) is not lost', async () => {
    const mesh = 'boundary';
    const spec = meshSpec('minimal', mesh);
    await startMesh(h, spec);
    const handle = h.client.workflow.getHandle(meshWorkflowId(mesh));
    // Signal as soon as the phase says up: the first run is continuing as new right then.
    await waitForPhase(h, mesh, ['Ready', 'Degraded'], 60_000);
    await handle.signal('teardown');
    assert.equal((await waitForPhase(h, mesh, ['Deleted', 'TeardownIncomplete'], 30_000)).phase, 'Deleted');
  });

  test('ensureRotationSchedule on a schedule left by an earlier mesh of the same name brings it to the new spec (interval and rotation input)', async () => {
    const mesh = 'respec';
    const schedules = new RotationSchedules(h.client, h.taskQueue);
    const old = meshSpec('cells', mesh);
    await schedules.ensure({ ...old, pki: { ...old.pki, rotation: { ...old.pki.rotation, intervalHours: 100 } } }, 1);
    await schedules.ensure(old, CURRENT_NAMING);
    const description = await h.client.schedule.getHandle(rotationScheduleId(mesh)).describe();
    assert.equal(Number(description.spec.intervals?.[0]?.every), old.pki.rotation.intervalHours * 3_600_000);
    assert.equal(description.action.type, 'startWorkflow');
    const args = description.action.type === 'startWorkflow' ? (description.action.args as [{ naming: number; spec: { pki: { rotation: { intervalHours: number } } } }]) : [];
    assert.equal(args[0]?.naming, CURRENT_NAMING);
    assert.equal(args[0]?.spec.pki.rotation.intervalHours, old.pki.rotation.intervalHours);
    await schedules.remove(mesh);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
