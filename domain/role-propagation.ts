/**
 * IAM is eventually consistent: a role just created may not yet be assumable by the
 * services it trusts, and EKS then answers CreateCluster / CreateNodegroup with the same
 * InvalidParameterException (naming the role) as for a role it can never assume. The two
 * cannot be told apart by the answer, so the role's age decides: while it is younger than
 * the bound the refusal is propagation and worth another attempt; after that it is a real
 * misconfiguration and final. Any other InvalidParameterException is final at once.
 */

/** Far beyond the seconds IAM usually takes, well inside a create activity's retry budget. */
export const ROLE_PROPAGATION_BOUND_MS = 2 * 60_000;

export interface RoleRefusal {
  /** The error EKS answered with. */
  errorName: string;
  message: string;
  /** The role the request named. */
  roleArn: string;
}

/** Whether the refusal names the role: only then may propagation be its cause. */
export function refusesRole(refusal: RoleRefusal): boolean {
  return refusal.errorName === 'InvalidParameterException' && refusal.roleArn !== '' && refusal.message.includes(refusal.roleArn);
}

/** Whether another attempt may succeed: the refusal names the role and the role is younger than the bound. */
export function mayStillPropagate(refusal: RoleRefusal, roleAgeMs: number, boundMs = ROLE_PROPAGATION_BOUND_MS): boolean {
  // A negative age is a worker clock behind AWS's: the role is young either way.
  return refusesRole(refusal) && roleAgeMs < boundMs;
}

/** The IAM role name of a role ARN (`arn:aws:iam::123:role/path/name` → `name`). */
export function roleNameOf(roleArn: string): string {
  return roleArn.slice(roleArn.lastIndexOf('/') + 1);
}
