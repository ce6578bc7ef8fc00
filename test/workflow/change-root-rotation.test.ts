/**
 * A change of the mesh root's key type inside the mesh workflow (the applyChange Update), on a
 * real Temporal dev server with the cloud side stubbed at the activity boundary
 * (test/workflow/mesh-harness.ts): the change itself makes nothing, and the root rotation that
 * applies it is started only once the change stands and the mesh is up again, with the new
 * spec; a change that rolls back starts none.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CHANGE_UPDATE, type ChangeAccepted, type ChangeRequest } from '../../domain/mesh-change.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { scheduledActivities } from '../support/history.ts';
import { editedSpec, meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

const MESH = 'wf-root';
const NORTH = { name: 'north', cloud: 'aws', kubernetesVersion: '1.33', nodePool: { count: 2, instanceType: 'm6i.large' }, serviceCidr: '172.21.0.0/16' };
const RSA = (s: any) => (s.pki = { ...s.pki, keyType: 'RSA_4096' });

let h: Harness;
before(async () => {
  h = await startHarness('cellbridge-change-root');
});
after(async () => {
  await h?.stop();
});

const send = (spec: MeshSpec) => h.client.workflow.getHandle(meshWorkflowId(MESH)).executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [{ spec, allowReplace: true }] });

async function status(until: (s: any) => boolean, what: string): Promise<any> {
  for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 100))) {
    const s: any = await h.client.workflow.getHandle(meshWorkflowId(MESH)).query('status');
    if (until(s)) return s;
    assert.ok(Date.now() < deadline, `${what}: ${JSON.stringify(s.change)}`);
  }
}

/** Activities the mesh scheduled over every run, in order, each with its first argument (this harness has no payload codec). */
async function scheduledCalls(): Promise<{ type: string; input: any }[]> {
  return scheduledActivities(h.client, meshWorkflowId(MESH));
}

describe("a change of the root's key type", () => {
  test('rolled back (the added cell\'s cluster refused): no root rotation is started, and the status shows none', async () => {
    await startMesh(h, meshSpec('cells', MESH));
    await waitForPhase(h, MESH, ['Ready', 'Degraded']);
    const before = (await scheduledCalls()).length;
    h.faults.failCreate.add('aws.eksCluster');
    try {
      const accepted = await send(editedSpec(MESH, (s) => (RSA(s), s.cells.push(NORTH))));
      assert.equal(accepted.plan.rootRotation?.keyType.to, 'RSA_4096');
      const ended = await status((s) => s.change?.changeId === accepted.changeId && s.phase !== 'Changing' && s.phase !== 'Verifying', 'the change did not end');
      assert.equal(ended.change.state, 'RolledBack', JSON.stringify(ended.change));
      assert.equal(ended.change.rootRotation, undefined, 'a change that did not stand shows no root rotation');
      assert.equal(ended.rotation, undefined, 'nothing holds the mesh');
    } finally {
      h.faults.failCreate.delete('aws.eksCluster');
    }
    const added = (await scheduledCalls()).slice(before).map((c) => c.type);
    assert.ok(added.includes('createAwsEksCluster'), added.join(', '));
    assert.equal(added.filter((t) => t === 'startRootRotation').length, 0, added.join(', '));
    const spec = await h.client.workflow.getHandle(meshWorkflowId(MESH)).query<MeshSpec>('spec');
    assert.equal(spec.pki.keyType, 'ECDSA_P256');
  });

  test('applied: nothing made or updated by the change, then, once the mesh is up again, the root rotation started with the new spec under an ID the mesh holds, shown running, then ended', async () => {
    const before = (await scheduledCalls()).length;
    const accepted = await send(editedSpec(MESH, RSA));
    assert.deepEqual(accepted.plan.refused, []);
    const applied = await status((s) => s.change?.changeId === accepted.changeId && s.change.rootRotation?.state !== 'pending', 'the root rotation was not started');
    assert.equal(applied.change.state, 'Applied');
    assert.equal(applied.change.rootRotation.keyType, 'RSA_4096');
    const rotationId: string = applied.change.rootRotation.rotationId;
    assert.match(rotationId, /^rotation-wf-root-root-[0-9a-f]{8}$/, 'an ID the API reads rotations by');

    const added = (await scheduledCalls()).slice(before);
    const types = added.map((c) => c.type);
    assert.deepEqual(types.filter((t) => /^(create|update|delete)/.test(t)), [], 'the change itself makes, updates and deletes nothing');
    const start = types.indexOf('startRootRotation');
    assert.ok(start >= 0 && types.indexOf('startRootRotation', start + 1) < 0, `one start: ${types.join(', ')}`);
    assert.ok(types.slice(0, start).includes('inspectIstio'), `started after the mesh verified with the new spec: ${types.join(', ')}`);
    assert.equal(added[start]!.input.rotationId, rotationId);
    assert.equal(added[start]!.input.spec.pki.keyType, 'RSA_4096', 'the rotation makes its root from the spec the mesh now runs with');

    // The stub starts no workflow under that ID: the mesh's lease check finds it not running and lets go.
    const ended = await status((s) => s.change?.rootRotation?.state === 'ended', 'the hold of a rotation that does not run was not dropped');
    assert.equal(ended.change.rootRotation.error, 'it stopped without letting go of the mesh');
    assert.equal(ended.rotation, undefined);
    const spec = await h.client.workflow.getHandle(meshWorkflowId(MESH)).query<MeshSpec>('spec');
    assert.equal(spec.pki.keyType, 'RSA_4096');
  });
});
