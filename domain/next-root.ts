/**
 * What a root rotation does with a next root it finds in the store, and which roots each
 * cell trusts while it runs (docs/live-backbone.md, the root CA key type change).
 *
 * A next root in the store is one an earlier root rotation made and then failed with. Of
 * the spec's key type it is reused: its cells may already trust it or sign with it, and a
 * retry finishes that move. Of another key type (the spec changed since) it is replaced
 * by one of the spec's key type, or the mesh would end on a key type its spec no longer
 * names. The stale root is gone from the store then, but cells may still trust it and, if
 * the failed rotation reached phase 2, sign with it; so phases 1 and 2 keep every root a
 * cell already trusts beside the current and the next, and only phase 3 narrows the
 * bundle to the new root alone, once every cell signs with it and the workload
 * certificates of the older roots have lived out their lifetime.
 */
import type { KeyType } from './mesh-spec.ts';

/** A certificate's public key as read from it (activities/pki/certificate-inspection.ts KeyAlgorithm). */
export type CertificateKey = { type: 'EC'; curve: string } | { type: 'RSA'; bits: number } | { type: 'other'; name: string };

/** The spec's key type a certificate's key is, or undefined when it is none of them. */
export function keyTypeOfKey(key: CertificateKey): KeyType | undefined {
  if (key.type === 'EC' && key.curve === 'P-256') return 'ECDSA_P256';
  if (key.type === 'RSA' && key.bits === 4096) return 'RSA_4096';
  return undefined;
}

function describeKey(key: CertificateKey): string {
  if (key.type === 'EC') return `EC ${key.curve}`;
  if (key.type === 'RSA') return `RSA ${key.bits}`;
  return key.name;
}

export type NextRootFate = { is: 'generate' } | { is: 'reuse' } | { is: 'replace'; reason: string };

/** `stored`: the key of the next root in the store, or undefined when there is none. */
export function nextRootFate(stored: CertificateKey | undefined, wanted: KeyType): NextRootFate {
  if (stored === undefined) return { is: 'generate' };
  if (keyTypeOfKey(stored) === wanted) return { is: 'reuse' };
  return { is: 'replace', reason: `the stored next root has a ${describeKey(stored)} key, the spec asks for ${wanted}` };
}

/**
 * The bundle a root rotation writes to a cell, as certificate identities (fingerprints):
 * `wanted` in its order; unless the write narrows trust (phase 3), followed by every root
 * the cell trusts now that is not among them.
 */
export function rotationTrust(wanted: string[], trustedNow: string[], narrow: boolean): string[] {
  if (narrow) return [...wanted];
  return [...wanted, ...trustedNow.filter((root, i) => !wanted.includes(root) && trustedNow.indexOf(root) === i)];
}
