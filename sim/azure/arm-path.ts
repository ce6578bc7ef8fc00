// Splits an ARM URL path into its parts; which spec serves it is the router's business.

export interface ArmPath {
  subscription: string;
  /** Set for paths under `/resourceGroups/{name}`. */
  resourceGroup?: string;
  /** `/resourcegroups` with no name: the collection of groups. */
  groupCollection?: boolean;
  /** `/subscriptions/{s}/operationresults/{id}`: ARM's own (resource group) operations. */
  armOperation?: string;
  /** Provider namespace after `/providers/`. */
  namespace?: string;
  /** `{type}/{name}` pairs after the namespace. */
  segments: { type: string; name: string }[];
  /** A trailing segment without a name: a collection (GET) or an action (POST). */
  tail?: string;
}

export function parseArmPath(pathname: string): ArmPath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '').map((p) => decodeURIComponent(p));
  if (parts[0]?.toLowerCase() !== 'subscriptions' || !parts[1]) return undefined;
  const path: ArmPath = { subscription: parts[1], segments: [] };
  let rest = parts.slice(2);

  const head = rest[0]?.toLowerCase();
  if (head === 'resourcegroups') {
    if (rest.length === 1) return { ...path, groupCollection: true };
    path.resourceGroup = rest[1];
    rest = rest.slice(2);
  } else if (head === 'operationresults' && rest.length === 2) {
    return { ...path, armOperation: rest[1] };
  }

  if (rest.length === 0) return path;
  if (rest[0]?.toLowerCase() !== 'providers' || !rest[1]) return undefined;
  path.namespace = rest[1];
  rest = rest.slice(2);
  while (rest.length >= 2) {
    path.segments.push({ type: rest[0]!, name: rest[1]! });
    rest = rest.slice(2);
  }
  path.tail = rest[0];
  return path;
}
