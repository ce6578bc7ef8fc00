import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickupVerdict, type PickupEvidence } from '../../domain/rotation-pickup.ts';

const written = { intermediateFingerprint: 'INT2', rootFingerprints: ['OLD', 'NEW'] };
const picked: PickupEvidence = { cacerts: written, publishedRoots: ['OLD', 'NEW'], istiodReady: true };

const cases: { name: string; evidence: PickupEvidence; ok: boolean; problem?: RegExp }[] = [
  { name: 'cacerts as written, istiod publishes the written roots and is ready', evidence: picked, ok: true },
  { name: 'istiod publishes the same roots in another order', evidence: { ...picked, publishedRoots: ['NEW', 'OLD'] }, ok: true },
  { name: 'istiod still publishes only the old root (not reloaded yet, or it refused the bundle)', evidence: { ...picked, publishedRoots: ['OLD'] }, ok: false, problem: /publishes root\(s\) OLD .* not OLD, NEW/ },
  { name: 'istiod publishes a root that was not written', evidence: { ...picked, publishedRoots: ['OLD', 'OTHER'] }, ok: false, problem: /not loaded the write/ },
  { name: 'no istio-ca-root-cert yet', evidence: { ...picked, publishedRoots: undefined }, ok: false, problem: /not published istio-ca-root-cert/ },
  { name: 'istiod not ready', evidence: { ...picked, istiodReady: false }, ok: false, problem: /istiod is not ready/ },
  { name: 'cacerts missing', evidence: { ...picked, cacerts: undefined }, ok: false, problem: /cacerts is missing/ },
  { name: 'cacerts overwritten with another intermediate', evidence: { ...picked, cacerts: { ...written, intermediateFingerprint: 'INT3' } }, ok: false, problem: /holds intermediate INT3, not INT2/ },
  { name: 'cacerts trusts the roots in another order than written', evidence: { ...picked, cacerts: { ...written, rootFingerprints: ['NEW', 'OLD'] } }, ok: false, problem: /cacerts trusts NEW, OLD/ },
];

for (const c of cases) {
  test(`pickup verdict: ${c.name} → ${c.ok ? 'picked up' : 'not yet'}`, () => {
    const verdict = pickupVerdict(written, c.evidence);
    assert.equal(verdict.ok, c.ok, verdict.problem);
    if (c.problem) assert.match(verdict.problem ?? '', c.problem);
  });
}
