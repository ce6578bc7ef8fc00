/**
 * The `cellbridge` command as a CI job runs it (no terminal): the real bin (cli/cellbridge.js)
 * against a stack's API. Judged by its exit codes, its plain-line progress, and what the
 * API and the clouds hold afterwards.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { api, exampleSpec, FAST_TIME_SCALE, injectFault, meshInventory, useStack } from '../support/stack.ts';

const BIN = fileURLToPath(new URL('../../cli/cellbridge.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'cellbridge-cli-'));

function specFile(name: string, spec: object): string {
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

describe('the cellbridge CLI', () => {
  const stack = useStack('cli', { timeScale: FAST_TIME_SCALE });
  const cli = (...args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) => {
      const env = { ...process.env, CELLBRIDGE_API_URL: stack.endpoints().api, CELLBRIDGE_CONFIG: join(dir, 'none.json') };
      execFile(process.execPath, [BIN, '--poll', '0.2', ...args], { env, timeout: 240_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : -1) : 0, out: `${stdout}${stderr}` });
      });
    });

  test('a spec with a bad field exits 2 naming the field and the rule, and starts nothing', async () => {
    const bad = exampleSpec('minimal', { name: 'cli-bad' });
    bad.aws.vpc.cidr = '10.0.0.0/33';
    const { code, out } = await cli('apply', '-f', specFile('bad', bad), '--yes');
    assert.equal(code, 2, out);
    assert.match(out, /\/aws\/vpc\/cidr/);
    assert.equal((await api(stack.endpoints(), 'GET', '/v1/meshes/cli-bad')).status, 404);
  });

  test('apply --yes creates the mesh, prints one line per step without a terminal, and exits 0 once Ready; plan shows nothing to change, apply of a changed spec follows the change to Applied and exits 0, a refused replacement exits 5; delete exits 0 with nothing left', async () => {
    const spec = exampleSpec('minimal', { name: 'cli-ok' });
    const file = specFile('ok', spec);
    const applied = await cli('apply', '-f', file, '--yes');
    assert.equal(applied.code, 0, applied.out);
    for (const line of [/cli-ok: phase Provisioning/, /cli-ok: azure\/vpn-gateway ready/, /cli-ok: tunnel 3 BGP established/, /mesh cli-ok is Ready/]) assert.match(applied.out, line);
    assert.doesNotMatch(applied.out, /\x1b\[/, 'no terminal control codes in a log');

    const got = await cli('get', 'cli-ok', '--output', 'json');
    assert.equal(got.code, 0, got.out);
    assert.equal(JSON.parse(got.out).phase, 'Ready');

    const same = await cli('plan', '-f', file);
    assert.equal(same.code, 0, same.out);
    assert.match(same.out, /nothing to change/);

    // A live mesh: apply shows the plan, sends the change and follows it to its end.
    const retimed = structuredClone(spec);
    retimed.pki = { rotation: { intervalHours: 168 } };
    const changed = await cli('apply', '-f', specFile('retimed', retimed), '--yes');
    assert.equal(changed.code, 0, changed.out);
    assert.match(changed.out, /mesh cli-ok: change [0-9a-f-]{36} accepted/);
    assert.match(changed.out, /mesh cli-ok: change Applied \(0\/0\)/);

    const moved = structuredClone(spec);
    moved.aws.vpc.cidr = '10.99.0.0/16';
    moved.aws.vpc.subnets = moved.aws.vpc.subnets?.map((_s: unknown, i: number) => ({ cidr: `10.99.${i}.0/24` }));
    const refused = await cli('plan', '-f', specFile('moved', moved));
    assert.equal(refused.code, 5, refused.out);
    assert.match(refused.out, /replace\s+aws\/vpc/);
    assert.match(refused.out, /refused: aws\/vpc \(aws\.vpc\) cannot change in place.*\[change\.replace-not-allowed\]/);

    const deleted = await cli('delete', 'cli-ok');
    assert.equal(deleted.code, 0, deleted.out);
    assert.match(deleted.out, /mesh cli-ok is Deleted/);
    assert.deepEqual(await meshInventory(stack.endpoints(), 'cli-ok'), []);
  });

  test('a run that fails and rolls back exits 3', async () => {
    await injectFault(stack.endpoints().aws, { operation: 'ec2.CreateVpnConnection', kind: 'error', status: 400, code: 'VpnConnectionLimitExceeded', message: 'quota', match: 'cli-fail' });
    const { code, out } = await cli('apply', '-f', specFile('fail', exampleSpec('minimal', { name: 'cli-fail' })), '--yes');
    assert.equal(code, 3, out);
    assert.match(out, /mesh cli-fail is RolledBack/);
    assert.deepEqual(await meshInventory(stack.endpoints(), 'cli-fail'), []);
  });
});
