import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leftoversOf } from '../../api/leftovers.ts';
import type { MeshPhase, ResourceState } from '../../domain/mesh-status.ts';

const resources = (...states: [string, ResourceState][]) => states.map(([id, state]) => ({ id, kind: 'x', state }));

const cases: [string, MeshPhase, ReturnType<typeof resources>, { resource: string; error: string }[], string[] | undefined][] = [
  ['a clean rollback', 'RolledBack', resources(['a', 'deleted']), [], undefined],
  ['a clean teardown', 'Deleted', resources(['a', 'deleted']), [], undefined],
  ['an incomplete rollback: its cleanup failures', 'RollbackIncomplete', resources(['a', 'deleted'], ['b', 'delete-failed'], ['c', 'blocked']), [{ resource: 'b', error: 'x' }, { resource: 'c', error: 'y' }], ['b', 'c']],
  ['an incomplete teardown: its cleanup failures', 'TeardownIncomplete', resources(['b', 'delete-failed']), [{ resource: 'b', error: 'x' }], ['b']],
  ['a run stopped mid-way: what it created and did not delete', 'Provisioning', resources(['a', 'ready'], ['b', 'creating'], ['c', 'pending'], ['d', 'deleted']), [], ['a', 'b']],
];

test('what a finished run left behind', () => {
  for (const [name, phase, rs, cleanupFailures, expected] of cases) {
    assert.deepEqual(leftoversOf({ phase, resources: rs, cleanupFailures }), expected, name);
  }
});
