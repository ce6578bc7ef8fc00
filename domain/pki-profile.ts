/**
 * The mesh CA profile as data (docs/domain-rules.md, "Plugged-in CA and rotation"): one
 * shared root per mesh, one intermediate per cluster, the names istiod expects, and
 * lifetimes that nest. The key type and lifetimes themselves are spec inputs (mesh-spec
 * Pki, defaults in DEFAULTS.pki: ECDSA_P256, 3650-day root, 365-day intermediates). Pure:
 * workflows may call it with workflow time.
 */

const DAY_MS = 86_400_000;
/**
 * notBefore is backdated by this much, as cfssl does, so a freshly issued intermediate is
 * already valid on a cluster whose clock runs a little behind the worker's.
 */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** The SAN Istio's own tooling puts on every intermediate (istio tools/certs/common.mk). */
export const ISTIOD_DNS_NAME = 'istiod.istio-system.svc';

export interface Validity {
  notBefore: Date;
  notAfter: Date;
}

export function rootValidity(now: Date, validityDays: number): Validity {
  return { notBefore: new Date(now.getTime() - CLOCK_SKEW_MS), notAfter: new Date(now.getTime() + validityDays * DAY_MS) };
}

/** Either the intermediate's validity, or why none may be issued under this root. */
export type IntermediateValidity = { ok: true; validity: Validity } | { ok: false; reason: string };

/**
 * The requested lifetime, clipped inside the root's: a certificate outliving its issuer
 * stops verifying when the root expires, whatever its own notAfter says.
 */
export function intermediateValidity(params: {
  now: Date;
  validityDays: number;
  root: Validity;
  /**
   * Refuse below this: the spec's verificationMarginDays, since a shorter-lived
   * intermediate would fail verification the moment it is installed.
   */
  minimumDays: number;
}): IntermediateValidity {
  const { now, validityDays, root, minimumDays } = params;
  const notBefore = new Date(Math.max(now.getTime() - CLOCK_SKEW_MS, root.notBefore.getTime()));
  const notAfter = new Date(Math.min(now.getTime() + validityDays * DAY_MS, root.notAfter.getTime()));
  const days = (notAfter.getTime() - now.getTime()) / DAY_MS;
  if (days < minimumDays) {
    return {
      ok: false,
      reason: `the root CA expires at ${root.notAfter.toISOString()}: an intermediate would live ${Math.max(0, Math.floor(days))} days, less than the minimum of ${minimumDays}; rotate the root`,
    };
  }
  return { ok: true, validity: { notBefore, notAfter } };
}

export interface DistinguishedName {
  organization: string;
  commonName: string;
}

export function rootSubject(mesh: string): DistinguishedName {
  return { organization: `cellbridge ${mesh}`, commonName: `${mesh} root CA` };
}

export function intermediateSubject(mesh: string, cluster: string): DistinguishedName {
  return { organization: `cellbridge ${mesh}`, commonName: `${cluster} intermediate CA` };
}

/** Where a generated root (certificate and key) is kept: Secrets Manager in the mesh's AWS region. */
export function rootSecretName(mesh: string): string {
  return `cellbridge/${mesh}/root-ca`;
}

/** Where a root rotation keeps the next root, beside the current one, until it replaces it. */
export function nextRootSecretName(currentSecret: string): string {
  return `${currentSecret}-next`;
}

/**
 * Every secret cellbridge manages lives under this prefix (rootSecretName, and the next
 * root beside it), so a name there is never a user's own root.
 */
export const MANAGED_SECRET_PREFIX = 'cellbridge/';

/**
 * The secret name a reference points at: a name as given, or the name inside an ARN
 * (`arn:<partition>:secretsmanager:<region>:<account>:secret:<name>[-<6 random chars>]`;
 * the suffix does not matter for a prefix test).
 */
export function referencedSecretName(reference: string): string {
  const arn = /^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:(.+)$/.exec(reference);
  return arn ? arn[1]! : reference;
}

/** Whether a reference names a secret in cellbridge's own namespace (a managed root, current or next). */
export function isManagedSecretReference(reference: string): boolean {
  return referencedSecretName(reference).startsWith(MANAGED_SECRET_PREFIX);
}
