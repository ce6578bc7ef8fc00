/**
 * Metric labels derived from what the worker sees: the resource kind and verb of a
 * resource activity (from its type name, domain/activity-names.ts), and an ARM call's
 * operation (from its method and URL). Bounded sets, so a label never carries a name or ID.
 */
import { RESOURCE_KINDS, resourceActivityName, type ResourceKind } from './activity-names.ts';

/** `AwsVpc` → aws.vpc: the part of an activity type after its verb. */
const KIND_BY_SUFFIX = new Map<string, ResourceKind>(RESOURCE_KINDS.map((kind) => [resourceActivityName('create', kind).slice('create'.length), kind]));

/** The resource operation an activity type performs, or undefined for activities that are not one (observeTunnels). */
export function resourceOperationOf(activityType: string): { verb: 'create' | 'update' | 'delete'; kind: ResourceKind } | undefined {
  const match = /^(create|update|delete)(.+)$/.exec(activityType);
  const kind = match && KIND_BY_SUFFIX.get(match[2]!);
  return kind ? { verb: match[1] as 'create' | 'update' | 'delete', kind } : undefined;
}

/**
 * `PUT Microsoft.Network/virtualNetworkGateways`, `POST Microsoft.Network/virtualNetworkGateways/getBgpPeerStatus`,
 * `GET resourceGroups`: the method and the resource types of the path, without names,
 * subscription or group, so the label stays bounded.
 */
export function azureOperationOf(method: string, url: string): string {
  const segments = new URL(url).pathname.split('/').filter(Boolean);
  const provider = segments.map((s) => s.toLowerCase()).lastIndexOf('providers');
  if (provider >= 0 && provider + 1 < segments.length) {
    const [namespace, ...rest] = segments.slice(provider + 1);
    const types = rest.filter((_, i) => i % 2 === 0);
    return `${method} ${[namespace, ...types].join('/')}`;
  }
  const group = segments.findIndex((s) => s.toLowerCase() === 'resourcegroups');
  if (group >= 0) return `${method} resourceGroups`;
  return `${method} ${segments[0] ?? '/'}`;
}
