/**
 * A traced mesh (the OpenTelemetry workflow interceptors on, as production workers run them)
 * whose applyChange Updates were refused by the validator, then one accepted: every run
 * replays against the workflow code. A validator runs only live, so a span made in it left
 * the replay behind the recorded run (TMPRL1100 "Update machine does not handle this event").
 * Temporal dev server, cloud side stubbed at the activity boundary (test/workflow/mesh-harness.ts).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { CHANGE_UPDATE, type ChangeAccepted, type ChangeRequest } from '../../domain/mesh-change.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { historyChain } from '../support/history.ts';
import { replayAsWorkers } from '../support/replay.ts';
import { editedSpec, meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

const MESH = 'wf-refused';

let h: Harness;
before(async () => {
  h = await startHarness('cellbridge-traced-refused', { traced: true });
});
after(async () => {
  await h?.stop();
});

const edited = (edit: (raw: any) => void): MeshSpec => editedSpec(MESH, edit);

test('a traced mesh that refused two changes in its validator and applied a third replays every run without nondeterminism', async () => {
  await startMesh(h, meshSpec('cells', MESH));
  await waitForPhase(h, MESH, ['Ready', 'Degraded']);
  const handle = h.client.workflow.getHandle(meshWorkflowId(MESH));
  const send = (spec: MeshSpec, allowReplace: boolean) => handle.executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [{ spec, allowReplace }] });
  const replacement = edited((s) => (s.cells[0].serviceCidr = '172.22.0.0/16'));
  await assert.rejects(send(replacement, false), WorkflowUpdateFailedError, 'a replacement not allowed is refused');
  await assert.rejects(send(edited((s) => (s.pki = { ...s.pki, rootSecret: 'team/mesh-root' })), true), (e: Error) => e instanceof WorkflowUpdateFailedError && /root-ca/.test(String(e.cause?.message)), "an allowed move to a root by reference is refused as not applied");
  const accepted = await send(edited((s) => (s.cells[0].nodePool.count = 3)), false);
  for (const deadline = Date.now() + 60_000; ; await new Promise((r) => setTimeout(r, 50))) {
    const status: any = await handle.query('status');
    if (status.change?.changeId === accepted.changeId && status.phase !== 'Changing') break;
    assert.ok(Date.now() < deadline, `the change did not end: ${JSON.stringify(status.change)}`);
  }

  const runs = await historyChain(h.client, meshWorkflowId(MESH));
  const results = replayAsWorkers(runs.map((history, i) => ({ workflowId: `run-${i}`, history })));
  for await (const result of results) assert.equal(result.error, undefined, `${result.workflowId}: ${result.error}`);
});
