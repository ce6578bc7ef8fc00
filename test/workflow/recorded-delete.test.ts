/**
 * What a delete is given to prove a resource the mesh's when its tags no longer can (a customer
 * gateway whose tags were removed by hand, docs/drift.md "A customer gateway whose tags were removed"):
 * a provisioning's rollback and a teardown send each resource's recorded output (its cloud ID)
 * with its delete; a resource whose create never answered has none, so its delete finds by tags
 * alone. On a real Temporal dev server with the activities stubbed (mesh-harness.ts): these
 * are the workflow's arguments; the handler's use of them is shown on the proving ground by
 * test/integration/cgw-tags-removed.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { historyChain } from '../support/history.ts';
import { meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

let h: Harness;
before(async () => {
  h = await startHarness('cellbridge-recorded-delete');
});
after(async () => {
  await h?.stop();
});

/** Each delete of a customer gateway the mesh scheduled: the node and the recorded output it was sent with, if any. */
async function gatewayDeletes(mesh: string): Promise<{ node: string; recorded: unknown }[]> {
  const runs = await historyChain(h.client, meshWorkflowId(mesh));
  return runs.flatMap((run) =>
    (run.events ?? []).flatMap((e) => {
      const a = e.activityTaskScheduledEventAttributes;
      if (a?.activityType?.name !== 'deleteAwsCustomerGateway') return [];
      const [node, recorded] = (a.input?.payloads ?? []).map((p) => JSON.parse(Buffer.from(p.data!).toString('utf8')));
      return [{ node: node.id, recorded }];
    }),
  );
}

describe('the recorded output a delete is sent with', () => {
  test("a provisioning's rollback sends each customer gateway's recorded cloud ID with its delete", async () => {
    const mesh = 'rec-del-rollback';
    h.faults.failCreate.add('azure.connection');
    try {
      const failed = await startMesh(h, meshSpec('minimal', mesh));
      await assert.rejects(failed.result());
    } finally {
      h.faults.failCreate.clear();
    }
    assert.deepEqual((await gatewayDeletes(mesh)).sort((a, b) => a.node.localeCompare(b.node)), [
      { node: 'aws/customer-gateway/0', recorded: { cloudId: 'stub-aws/customer-gateway/0', state: 'available' } },
      { node: 'aws/customer-gateway/1', recorded: { cloudId: 'stub-aws/customer-gateway/1', state: 'available' } },
    ]);
  });

  test("a teardown sends each customer gateway's recorded cloud ID with its delete", async () => {
    const mesh = 'rec-del-teardown';
    await startMesh(h, meshSpec('minimal', mesh));
    await waitForPhase(h, mesh, ['Ready', 'Degraded']);
    await h.client.workflow.getHandle(meshWorkflowId(mesh)).signal('teardown');
    await waitForPhase(h, mesh, ['Deleted']);
    const deletes = await gatewayDeletes(mesh);
    assert.deepEqual(deletes.map((d) => (d.recorded as { cloudId?: string } | undefined)?.cloudId).sort(), ['stub-aws/customer-gateway/0', 'stub-aws/customer-gateway/1']);
  });

  test('a resource whose create never answered has no recorded output: its delete is sent without one', async () => {
    const mesh = 'rec-del-unanswered';
    h.faults.failCreate.add('aws.customerGateway');
    try {
      const failed = await startMesh(h, meshSpec('minimal', mesh));
      await assert.rejects(failed.result());
    } finally {
      h.faults.failCreate.clear();
    }
    const deletes = await gatewayDeletes(mesh);
    assert.ok(deletes.length > 0, 'the failed gateways are compensated');
    assert.deepEqual(deletes.map((d) => d.recorded), deletes.map(() => undefined));
  });
});
