/**
 * Who may do what through the API: readers may read (GET), operators may also create,
 * change, delete, rotate, drill and use the codec endpoint. An OIDC caller is an operator
 * when one of its claim's values is one the deployment names; everyone else it verifies
 * is a reader, so a deployment that names no operator values gives OIDC callers read
 * access only.
 */
export type Role = 'reader' | 'operator';

/** OPTIONS is only the codec endpoint's CORS preflight, which does nothing. */
const READ_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The role a request needs: reading is GET; every other method changes something or reveals payloads (the codec endpoint). */
export function requiredRole(method: string): Role {
  return READ_METHODS.has(method.toUpperCase()) ? 'reader' : 'operator';
}

export function mayCall(role: Role, method: string): boolean {
  return role === 'operator' || requiredRole(method) === 'reader';
}

export interface OperatorRule {
  /** The claim to read, a dotted path for nested claims (`realm_access.roles`). */
  claim: string;
  /** Any one of these values in the claim makes the caller an operator. */
  values: string[];
}

export function roleFromClaims(claims: Record<string, unknown>, rule: OperatorRule): Role {
  const held = claimValues(claims, rule.claim);
  return rule.values.some((value) => held.includes(value)) ? 'operator' : 'reader';
}

/**
 * A claim's values: an array's strings, or a string split on whitespace (OAuth's `scope`
 * is one space-separated string). Anything else holds no values.
 */
export function claimValues(claims: Record<string, unknown>, path: string): string[] {
  let value: unknown = claims;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return [];
    value = (value as Record<string, unknown>)[key];
  }
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}
