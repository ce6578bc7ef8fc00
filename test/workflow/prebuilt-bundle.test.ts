/**
 * The workflow bundle npm test builds once (worker/bundle.ts) and every test worker loads
 * (CELLBRIDGE_WORKFLOW_BUNDLE) is the same workflow code a worker bundles at start: every
 * recorded history replays against it; and it is not used once a workflow source changed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Worker } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../../domain/settings.ts';
import { freshWorkflowBundle } from '../../sim/workflow-bundle.ts';
import { workflowCode, writeWorkflowBundle } from '../../worker/workflow-code.ts';
import { historyFromJson } from '../replay/history-json.ts';

const DIR = new URL('../replay/histories/', import.meta.url);

describe('workflow bundle built ahead of the worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellbridge-bundle-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('the worker loads the bundle CELLBRIDGE_WORKFLOW_BUNDLE names, and bundles the workflow sources without it', () => {
    assert.deepEqual(workflowCode({ CELLBRIDGE_WORKFLOW_BUNDLE: '/x/bundle.js' }), { workflowBundle: { codePath: '/x/bundle.js' } });
    assert.match(String(workflowCode({}).workflowsPath), /\/workflows\/index\.ts$/);
  });

  test('the proving ground hands its worker the bundle only while no workflow source is newer than it', () => {
    const file = join(dir, 'dated-bundle.js');
    writeFileSync(file, '');
    utimesSync(file, new Date(0), new Date(0));
    assert.equal(freshWorkflowBundle({ CELLBRIDGE_WORKFLOW_BUNDLE: file }), undefined, 'a bundle from 1970 is older than the sources');
    const later = new Date(Date.now() + 3_600_000);
    utimesSync(file, later, later);
    assert.equal(freshWorkflowBundle({ CELLBRIDGE_WORKFLOW_BUNDLE: file }), file);
    assert.equal(freshWorkflowBundle({ CELLBRIDGE_WORKFLOW_BUNDLE: join(dir, 'missing.js') }), undefined);
    assert.equal(freshWorkflowBundle({}), undefined);
  });

  test('every recorded history replays against a bundle written by worker/bundle.ts', async () => {
    const file = join(dir, 'workflow-bundle.js');
    await writeWorkflowBundle(file);
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();
    const histories = files.map((name) => ({ workflowId: name, history: historyFromJson(readFileSync(new URL(name, DIR), 'utf8')) }));
    const replayed: string[] = [];
    for await (const result of Worker.runReplayHistories({ workflowBundle: { codePath: file }, dataConverter: { failureConverterPath: FAILURE_CONVERTER_PATH } }, histories)) {
      assert.equal(result.error, undefined, `${result.workflowId}: ${result.error}`);
      replayed.push(result.workflowId);
    }
    assert.ok(files.length > 0);
    assert.deepEqual(replayed, files);
  });
});
