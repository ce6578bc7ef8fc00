/**
 * The data plane's view of a mesh at one instant: the newest workload certificate each
 * cluster's real istiod issued must be accepted by every cluster's trust bundle (its own
 * too). A pair that is not is a gap in trust: mTLS between those clusters would fail at
 * that moment.
 *
 * Bundles may hold several roots: proxies trust every one of them with
 * ISTIO_MULTIROOT_MESH, a prerequisite of a root rotation (docs/domain-rules.md,
 * "Plugged-in CA and rotation").
 */
import { refusal } from './chain.ts';

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

/** `issued`: each cluster's newest workload chain, leaf first; `bundles`: each cluster's trusted roots. */
export function checkTrust(issued: Map<string, string[]>, bundles: Map<string, string[]>, now: Date): TrustCheck {
  const failures: TrustFailure[] = [];
  for (const [signer, chain] of issued) {
    for (const [verifier, roots] of bundles) {
      const reason = attempt(() => refusal(chain, roots, now));
      if (reason) failures.push({ signer, verifier, reason: `${verifier} refuses ${signer}'s workload certificate: ${reason}` });
    }
  }
  return { ok: failures.length === 0, failures };
}

/** One unparsable bundle must not hide the other pairs' results. */
function attempt(run: () => string | undefined): string | undefined {
  try {
    return run();
  } catch (error) {
    return `it cannot be checked: ${(error as Error).message}`;
  }
}
