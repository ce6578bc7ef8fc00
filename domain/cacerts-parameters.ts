/**
 * The desired state of a cell's `istio-system/cacerts`, written once: the create keeps a
 * secret that meets it and replaces one that does not (activities/kube/cacerts.ts), and a
 * drift check reports where it falls short (cacerts edited by hand). A rule (root-cert.pem
 * holds the mesh root, the intermediate chains to it, and it has more than the margin left)
 * and one certificate: the intermediate cellbridge last wrote, recorded by fingerprint in the
 * resource's output when it was made and when a rotation wrote another, so one made by hand,
 * even from the mesh root, is drift. Certificates are public: fingerprints are shown as they are.
 */
import { fieldDrift, type FieldDrift } from './drift.ts';

const DAY_MS = 86_400_000;

/** The output attribute holding the SHA-256 fingerprint of the intermediate cellbridge last wrote (made, updated or rotated). */
export const WRITTEN_INTERMEDIATE = 'writtenIntermediateSha256';

export interface CacertsExpectation {
  rootFingerprint: string;
  marginDays: number;
  now: Date;
  /** The SHA-256 fingerprint of the intermediate cellbridge last wrote; undefined when none is recorded (describe, the engine's judge). */
  writtenIntermediate?: string;
}

/** What the secret holds, read and checked by the activity (PEM parsing and signature checks are I/O-free but not here). */
export type ObservedCacerts =
  | { readable: false; problem: string }
  | { readable: true; rootFingerprints: string[]; intermediateFingerprint: string; chainsToRoot: boolean; notAfter: string };

export function cacertsDrift(expected: CacertsExpectation, observed: ObservedCacerts): FieldDrift[] {
  if (!observed.readable) return fieldDrift('data', 'ca-cert.pem, ca-key.pem, cert-chain.pem, root-cert.pem of the mesh', observed.problem);
  const margin = new Date(expected.now.getTime() + expected.marginDays * DAY_MS);
  return [
    ...(observed.rootFingerprints.includes(expected.rootFingerprint) ? [] : fieldDrift('root-cert.pem', `holds the mesh root ${expected.rootFingerprint}`, observed.rootFingerprints.join(', ') || 'no certificate')),
    ...(observed.chainsToRoot ? [] : fieldDrift('ca-cert.pem', 'an intermediate issued by the mesh root', `${observed.intermediateFingerprint}, not issued by it`)),
    ...(expected.writtenIntermediate === undefined || expected.writtenIntermediate === observed.intermediateFingerprint ? [] : fieldDrift('ca-cert.pem fingerprint', `the intermediate cellbridge wrote, ${expected.writtenIntermediate}`, observed.intermediateFingerprint)),
    ...(Date.parse(observed.notAfter) < margin.getTime() ? fieldDrift('ca-cert.pem notAfter', `after ${margin.toISOString()} (${expected.marginDays}-day margin)`, observed.notAfter) : []),
  ];
}
