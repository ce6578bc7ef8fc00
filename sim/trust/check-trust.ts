/**
 * The data plane's view of a mesh at one instant: every cluster's istiod signs a workload
 * certificate with its current intermediate, and every cluster's proxies (its own too)
 * must accept it with their current trust bundle, root-cert.pem. A pair that does not is
 * a gap in trust: mTLS between those clusters would fail at that moment.
 *
 * Proxies are assumed to trust every root of the bundle, as they do with
 * ISTIO_MULTIROOT_MESH (reference/domain.md D, prerequisite of a root rotation).
 */
import { readCacerts } from '../../activities/pki/cacerts.ts';
import { inspectCertificate, verifiesAgainst } from '../../activities/pki/certificate-inspection.ts';
import { issueWorkloadChain } from './workload-certificate.ts';

export interface TrustFailure {
  /** The cluster whose istiod issued the workload certificate. */
  signer: string;
  /** The cluster whose trust bundle refused it. */
  verifier: string;
  reason: string;
}

export interface TrustCheck {
  ok: boolean;
  failures: TrustFailure[];
}

/**
 * `cacertsByCluster` holds each cluster's cacerts Secret `data`, base64 as the Kubernetes
 * API returns it. A cacerts that does not parse fails every pair it takes part in.
 */
export async function checkTrust(cacertsByCluster: Map<string, Record<string, string>>, now: Date): Promise<TrustCheck> {
  const parsed = new Map(await Promise.all([...cacertsByCluster].map(async ([cluster, data]) => [cluster, await attempt(() => readCacerts(data))] as const)));
  const failures: TrustFailure[] = [];
  for (const [signer, signing] of parsed) {
    const served = 'error' in signing ? signing : await attempt(() => issueWorkloadChain(signing.intermediate, signing.chain, now));
    for (const [verifier, verifying] of parsed) {
      const reason =
        'error' in served ? `${signer} cannot issue a workload certificate: ${served.error}`
        : 'error' in verifying ? `${verifier} has no usable trust bundle: ${verifying.error}`
        : await refusal(served, verifying.roots, verifier, now);
      if (reason) failures.push({ signer, verifier, reason });
    }
  }
  return { ok: failures.length === 0, failures };
}

/** The value, or the message of what was thrown: one bad cluster must not hide the others' results. */
async function attempt<T extends object>(run: () => T | Promise<T>): Promise<T | { error: string }> {
  try {
    return await run();
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * Why the verifier's roots refuse the served chain, or undefined when they accept it:
 * each certificate must be issued by the next, and the last by one of the roots, all
 * valid at `now`. The chain is walked as served, so a cert-chain.pem that does not match
 * the signing intermediate is a gap too, as it would be for a proxy.
 */
async function refusal(chain: string[], roots: string[], verifier: string, now: Date): Promise<string | undefined> {
  for (const [i, cert] of chain.entries()) {
    const next = chain[i + 1];
    if (next === undefined) break;
    if (!(await verifiesAgainst(cert, [next], now))) return `the served chain is broken: ${label(cert)} is not issued by ${label(next)}, valid now`;
  }
  const top = chain.at(-1) ?? '';
  if (await verifiesAgainst(top, roots, now)) return undefined;
  const issuerKey = inspectCertificate(top).authorityKeyId?.slice(0, 8) ?? 'unknown';
  return `${label(top)}, issuer key ${issuerKey}, is issued by none of ${verifier}'s ${roots.length} trusted root(s) valid now: ${roots.map(label).join('; ')}`;
}

/** Subject and the start of the key id: roots of a rotation share their subject, not their key. */
function label(certPem: string): string {
  const info = inspectCertificate(certPem);
  return `${info.subject || 'the workload certificate'} (key ${info.subjectKeyId?.slice(0, 8) ?? info.fingerprintSha256.slice(0, 8)})`;
}
