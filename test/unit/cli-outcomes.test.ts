/** The CLI's exit codes per final phase, and where it finds the API: tables. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { changeOutcome, EXIT, phaseOutcome } from '../../cli/exit-codes.ts';
import { cliSettings } from '../../cli/settings.ts';
import type { ChangeState } from '../../domain/mesh-change.ts';
import type { MeshPhase } from '../../domain/mesh-status.ts';

const OUTCOMES: [MeshPhase, 'up' | 'gone', number | undefined][] = [
  ['Provisioning', 'up', undefined],
  ['Verifying', 'up', undefined],
  ['Ready', 'up', EXIT.done],
  ['Degraded', 'up', EXIT.refused],
  ['RollingBack', 'up', undefined],
  ['RolledBack', 'up', EXIT.rolledBack],
  ['RollbackIncomplete', 'up', EXIT.incomplete],
  ['Deleted', 'up', EXIT.rolledBack],
  ['Ready', 'gone', undefined],
  ['TearingDown', 'gone', undefined],
  ['Deleted', 'gone', EXIT.done],
  ['TeardownIncomplete', 'gone', EXIT.incomplete],
];
for (const [phase, goal, code] of OUTCOMES) {
  test(`waiting for the mesh to be ${goal}, ${phase} ${code === undefined ? 'keeps watching' : `exits ${code}`}`, () => {
    assert.equal(phaseOutcome(phase, goal), code);
  });
}

const CHANGES: [ChangeState, MeshPhase, number | undefined][] = [
  ['Applying', 'Changing', undefined],
  ['RollingBack', 'Changing', undefined],
  ['Applied', 'Ready', EXIT.done],
  ['Applied', 'Degraded', EXIT.refused],
  ['RolledBack', 'Ready', EXIT.rolledBack],
  ['RollbackIncomplete', 'Ready', EXIT.incomplete],
];
for (const [state, phase, code] of CHANGES) {
  test(`following a change, ${state} with the mesh ${phase} ${code === undefined ? 'keeps watching' : `exits ${code}`}`, () => {
    assert.equal(changeOutcome(state, phase), code);
  });
}

test('the API is found in the flag, else the environment, else the config file, else npm start\'s', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellbridge-cli-settings-'));
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ apiUrl: 'https://file.example/', token: 'from-file' }));
  assert.deepEqual(cliSettings({ apiUrl: 'https://flag.example', token: 'from-flag' }, { CELLBRIDGE_CONFIG: config, CELLBRIDGE_API_URL: 'https://env.example' }), { apiUrl: 'https://flag.example', token: 'from-flag' });
  assert.deepEqual(cliSettings({}, { CELLBRIDGE_CONFIG: config, CELLBRIDGE_API_URL: 'https://env.example', CELLBRIDGE_API_TOKEN: 'from-env' }), { apiUrl: 'https://env.example', token: 'from-env' });
  assert.deepEqual(cliSettings({}, { CELLBRIDGE_CONFIG: config }), { apiUrl: 'https://file.example', token: 'from-file' });
  assert.deepEqual(cliSettings({}, { CELLBRIDGE_CONFIG: join(dir, 'absent.json') }), { apiUrl: 'http://127.0.0.1:8080' });
});

test('a config file that is not JSON, or has a token that is not a string, is an error naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellbridge-cli-settings-'));
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{apiUrl:');
  assert.throws(() => cliSettings({}, { CELLBRIDGE_CONFIG: broken }), new RegExp(`${broken} is not JSON`));
  writeFileSync(broken, JSON.stringify({ token: 42 }));
  assert.throws(() => cliSettings({}, { CELLBRIDGE_CONFIG: broken }), /token must be a string/);
});
