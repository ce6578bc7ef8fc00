import assert from 'node:assert/strict';
import { test } from 'node:test';
import { keyTypeOfKey, nextRootFate, rotationTrust, type CertificateKey, type NextRootFate } from '../../domain/next-root.ts';
import type { KeyType } from '../../domain/mesh-spec.ts';

const P256: CertificateKey = { type: 'EC', curve: 'P-256' };
const RSA4096: CertificateKey = { type: 'RSA', bits: 4096 };

const fates: { name: string; stored: CertificateKey | undefined; wanted: KeyType; fate: NextRootFate['is']; reason?: RegExp }[] = [
  { name: 'no next root stored', stored: undefined, wanted: 'RSA_4096', fate: 'generate' },
  { name: 'a stored EC P-256 next root, spec ECDSA_P256 (a failed rotation retried)', stored: P256, wanted: 'ECDSA_P256', fate: 'reuse' },
  { name: 'a stored RSA 4096 next root, spec RSA_4096', stored: RSA4096, wanted: 'RSA_4096', fate: 'reuse' },
  { name: 'a stored EC P-256 next root, spec changed to RSA_4096', stored: P256, wanted: 'RSA_4096', fate: 'replace', reason: /EC P-256 key, the spec asks for RSA_4096/ },
  { name: 'a stored RSA 4096 next root, spec changed to ECDSA_P256', stored: RSA4096, wanted: 'ECDSA_P256', fate: 'replace', reason: /RSA 4096 key, the spec asks for ECDSA_P256/ },
  { name: 'a stored RSA 2048 next root (no key type of the spec), spec RSA_4096', stored: { type: 'RSA', bits: 2048 }, wanted: 'RSA_4096', fate: 'replace', reason: /RSA 2048/ },
  { name: 'a stored EC P-384 next root, spec ECDSA_P256', stored: { type: 'EC', curve: 'P-384' }, wanted: 'ECDSA_P256', fate: 'replace', reason: /EC P-384/ },
  { name: 'a stored Ed25519 next root, spec ECDSA_P256', stored: { type: 'other', name: 'Ed25519' }, wanted: 'ECDSA_P256', fate: 'replace', reason: /Ed25519/ },
];

for (const c of fates) {
  test(`next root fate: ${c.name} → ${c.fate}`, () => {
    const fate = nextRootFate(c.stored, c.wanted);
    assert.equal(fate.is, c.fate);
    if (c.reason) assert.match(fate.is === 'replace' ? fate.reason : '', c.reason);
  });
}

test('key type of a certificate key: only P-256 and RSA 4096 are key types of the spec', () => {
  assert.equal(keyTypeOfKey(P256), 'ECDSA_P256');
  assert.equal(keyTypeOfKey(RSA4096), 'RSA_4096');
  assert.equal(keyTypeOfKey({ type: 'RSA', bits: 2048 }), undefined);
  assert.equal(keyTypeOfKey({ type: 'EC', curve: 'P-384' }), undefined);
});

const trusts: { name: string; wanted: string[]; now: string[]; narrow: boolean; bundle: string[] }[] = [
  { name: 'phase 1 of a first rotation: the cell trusts the current root', wanted: ['CUR', 'NEXT'], now: ['CUR'], narrow: false, bundle: ['CUR', 'NEXT'] },
  { name: 'phase 1 retrying a failed rotation that reached phase 3 in this cell', wanted: ['CUR', 'NEXT'], now: ['NEXT'], narrow: false, bundle: ['CUR', 'NEXT'] },
  { name: 'phase 1 after a stale next root was replaced: the cell keeps trusting it', wanted: ['CUR', 'NEXT'], now: ['CUR', 'STALE'], narrow: false, bundle: ['CUR', 'NEXT', 'STALE'] },
  { name: 'phase 2 while the cell still trusts the stale root (it may sign with it until now)', wanted: ['CUR', 'NEXT'], now: ['CUR', 'NEXT', 'STALE'], narrow: false, bundle: ['CUR', 'NEXT', 'STALE'] },
  { name: 'a root listed twice is kept once', wanted: ['CUR', 'NEXT'], now: ['STALE', 'STALE', 'CUR'], narrow: false, bundle: ['CUR', 'NEXT', 'STALE'] },
  { name: 'phase 3 narrows to the new root alone, dropping the current and the stale root', wanted: ['NEXT'], now: ['CUR', 'NEXT', 'STALE'], narrow: true, bundle: ['NEXT'] },
];

for (const c of trusts) {
  test(`rotation trust: ${c.name} → ${c.bundle.join(', ')}`, () => {
    assert.deepEqual(rotationTrust(c.wanted, c.now, c.narrow), c.bundle);
  });
}
