/**
 * Whether a cluster has picked up a cacerts write of a CA rotation, judged by what any
 * Kubernetes cluster shows through its API, so the verdict means the same on EKS, AKS and
 * the proving ground:
 * - cacerts holds what the rotation wrote (nothing overwrote it since);
 * - the istio-ca-root-cert ConfigMap, which istiod writes into namespaces from the CA it
 *   actually loaded, carries exactly the roots written. istiod keeps its old roots when it
 *   refuses a bundle (it takes one only if one bundle contains the other), so a refused
 *   write never shows here;
 * - istiod's Deployment is ready.
 * A new intermediate under the same roots leaves no trace in the API (istiod publishes its
 * roots, not its signer); for it the evidence is cacerts and readiness only.
 */

export interface PickupTarget {
  intermediateFingerprint: string;
  /** Roots written to root-cert.pem, in order. */
  rootFingerprints: string[];
}

export interface PickupEvidence {
  /** cacerts as read now; undefined when it is missing or unreadable. */
  cacerts: PickupTarget | undefined;
  /** Fingerprints of the roots in istio-ca-root-cert; undefined when the ConfigMap is missing. */
  publishedRoots: string[] | undefined;
  istiodReady: boolean;
}

export interface PickupVerdict {
  ok: boolean;
  /** What is still missing, for the rotation's error when the bound is reached. */
  problem?: string;
}

export function pickupVerdict(target: PickupTarget, evidence: PickupEvidence): PickupVerdict {
  const { cacerts, publishedRoots } = evidence;
  if (!cacerts) return { ok: false, problem: 'cacerts is missing' };
  if (cacerts.intermediateFingerprint !== target.intermediateFingerprint) return { ok: false, problem: `cacerts holds intermediate ${cacerts.intermediateFingerprint}, not ${target.intermediateFingerprint}` };
  if (cacerts.rootFingerprints.join(',') !== target.rootFingerprints.join(',')) return { ok: false, problem: `cacerts trusts ${cacerts.rootFingerprints.join(', ')}, not ${target.rootFingerprints.join(', ')}` };
  if (!publishedRoots) return { ok: false, problem: 'istiod has not published istio-ca-root-cert' };
  // istiod writes the bundle it loaded; the order of the roots in it is not a matter of trust.
  if (!sameSet(publishedRoots, target.rootFingerprints)) return { ok: false, problem: `istiod publishes root(s) ${publishedRoots.join(', ') || 'none'} in istio-ca-root-cert, not ${target.rootFingerprints.join(', ')}: it has not loaded the write (or refused it)` };
  if (!evidence.istiodReady) return { ok: false, problem: 'istiod is not ready after the reload' };
  return { ok: true };
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}
