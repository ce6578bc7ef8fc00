/**
 * Determinism: every recorded history (test/replay/histories, one per shipped path
 * through the workflows) replays against the current workflow code. A change that
 * would break runs already in flight fails here; gate it with workflow.patched().
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { historyFromJson } from '../replay/history-json.ts';
import { replayAsWorkers } from '../support/replay.ts';

const DIR = new URL('../replay/histories/', import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

describe('workflow replay', () => {
  // Shipped histories are never removed; new ones (npm run record-histories) are picked up without editing this file.
  test('the recorded histories include every shipped one: provisioning (backbone, cells and Istio), rollback, teardown and both rotations', () => {
    const shipped = [
      'provision-cells-istio-rotations-teardown.json', 'provision-ready-teardown.json', 'provision-rollback-incomplete.json',
      'rotate-intermediate.json', 'rotate-root.json', 'teardown-after-rollback.json',
    ];
    assert.deepEqual(shipped.filter((f) => !files.includes(f)), [], 'a shipped history was removed');
  });

  test("the recorded histories include the backbone changes, each applied then rolled back: the transit gateway's ASN and the VPC's range (made again) and the tunnels' inside CIDRs (updated in place)", () => {
    const backbone = [
      'stubbed-resumed-tgw-asn-remade-rolled-back-teardown.json', 'stubbed-resumed-vpc-range-remade-rolled-back-teardown.json',
      'stubbed-resumed-inside-cidrs-updated-rolled-back-teardown.json',
    ];
    assert.deepEqual(backbone.filter((f) => !files.includes(f)), [], 'a backbone change history was removed');
  });

  test('every recorded history replays against the current workflow code without nondeterminism', async () => {
    const histories = files.map((file) => ({ workflowId: file, history: historyFromJson(readFileSync(new URL(file, DIR), 'utf8')) }));
    const results = replayAsWorkers(histories);
    const replayed: string[] = [];
    for await (const result of results) {
      assert.equal(result.error, undefined, `${result.workflowId}: ${result.error}`);
      replayed.push(result.workflowId);
    }
    assert.deepEqual(replayed, files);
  });
});
