// The simulated kubelet's Secret volume (sim/kube/simulator/secret-volume.ts): files through
// `..data`, swapped at once on update, seen by a directory watcher as istiod's is.
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { projectSecretVolume } from '../../sim/kube/simulator/secret-volume.ts';

const b64 = (text: string) => Buffer.from(text).toString('base64');
const dir = mkdtempSync(join(tmpdir(), 'cellbridge-secret-volume-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('secret volume', () => {
  const volume = join(dir, 'etc', 'cacerts');

  test('each key is a symlink through ..data to a versioned directory', () => {
    projectSecretVolume(volume, { 'root-cert.pem': b64('root 1'), 'ca-cert.pem': b64('int 1') });
    assert.equal(readFileSync(join(volume, 'root-cert.pem'), 'utf8'), 'root 1');
    assert.equal(readlinkSync(join(volume, 'ca-cert.pem')), join('..data', 'ca-cert.pem'));
    assert.ok(lstatSync(join(volume, '..data')).isSymbolicLink());
    assert.deepEqual(readdirSync(volume).filter((e) => !e.startsWith('..')).sort(), ['ca-cert.pem', 'root-cert.pem']);
  });

  test('an update swaps every file at once, drops removed keys and the old version, and a directory watcher sees it', async () => {
    const events: string[] = [];
    const watcher = watch(volume, (type, name) => events.push(`${type} ${name}`));
    const before = readlinkSync(join(volume, '..data'));
    projectSecretVolume(volume, { 'root-cert.pem': b64('root 1\nroot 2'), 'cert-chain.pem': b64('chain 2') });
    await new Promise((r) => setTimeout(r, 100));
    watcher.close();
    assert.equal(readFileSync(join(volume, 'root-cert.pem'), 'utf8'), 'root 1\nroot 2');
    assert.deepEqual(readdirSync(volume).filter((e) => !e.startsWith('..')).sort(), ['cert-chain.pem', 'root-cert.pem']);
    assert.deepEqual(readdirSync(volume).filter((e) => e.startsWith('..') && e !== '..data').length, 1, 'only the current version is kept');
    assert.notEqual(readlinkSync(join(volume, '..data')), before);
    assert.ok(events.some((e) => e.endsWith(' ..data')), `a watcher sees ..data replaced: ${events.join(', ')}`);
  });

  test('the same content again changes nothing', () => {
    const version = readlinkSync(join(volume, '..data'));
    projectSecretVolume(volume, { 'root-cert.pem': b64('root 1\nroot 2'), 'cert-chain.pem': b64('chain 2') });
    assert.equal(readlinkSync(join(volume, '..data')), version);
  });
});
