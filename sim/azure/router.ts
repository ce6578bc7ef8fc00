// Maps a parsed ARM path to what serves it (a resource, a collection, an action, an
// operation poll, a resource group) and names the operation for faults and call counts.
import type { ArmPath } from './arm-path.js';
import { operationPrefix, type ActionSpec, type ResourceSpec } from './types/spec.js';

export type Route =
  | { kind: 'operation'; operationId: string; style: 'status' | 'result' }
  | { kind: 'groups' }
  | { kind: 'group'; id: string; name: string }
  | { kind: 'resource'; spec: ResourceSpec; id: string; name: string; groupId: string; parentId?: string }
  | { kind: 'collection'; spec: ResourceSpec; scopeId: string; groupId?: string }
  | { kind: 'action'; spec: ResourceSpec; id: string; groupId: string; actionName: string; action: ActionSpec }
  | { kind: 'unknown'; message: string };

export class Router {
  private readonly specs = new Map<string, ResourceSpec>();

  constructor(specs: readonly ResourceSpec[]) {
    for (const spec of specs) this.specs.set(spec.type.toLowerCase(), spec);
  }

  /** The spec of a stored resource's type. */
  specOf(type: string): ResourceSpec | undefined {
    return this.specs.get(type.toLowerCase());
  }

  route(path: ArmPath): Route {
    if (path.armOperation) return { kind: 'operation', operationId: path.armOperation, style: 'result' };
    if (path.groupCollection) return { kind: 'groups' };
    const ns = path.namespace;
    const seg = path.segments;
    if (!path.resourceGroup) {
      const opKind = seg[1]?.type.toLowerCase();
      if (ns && seg.length === 2 && seg[0]!.type.toLowerCase() === 'locations' && !path.tail && (opKind === 'operations' || opKind === 'operationresults')) {
        return { kind: 'operation', operationId: seg[1]!.name, style: opKind === 'operations' ? 'status' : 'result' };
      }
      const spec = ns && seg.length === 0 && path.tail ? this.spec(ns, [path.tail]) : undefined;
      if (spec) return { kind: 'collection', spec, scopeId: `/subscriptions/${path.subscription}` };
      return { kind: 'unknown', message: 'This subscription-level path is not emulated.' };
    }

    const groupId = `/subscriptions/${path.subscription}/resourceGroups/${path.resourceGroup}`;
    if (!ns) {
      return seg.length === 0 && !path.tail
        ? { kind: 'group', id: groupId, name: path.resourceGroup }
        : { kind: 'unknown', message: 'This resource group path is not emulated.' };
    }
    const types = seg.map((s) => s.type);
    if (seg.length === 0) {
      const spec = path.tail ? this.spec(ns, [path.tail]) : undefined;
      return spec ? { kind: 'collection', spec, scopeId: groupId, groupId } : unknownType(ns, path.tail);
    }
    const own = this.spec(ns, types);
    if (path.tail) {
      const name = own && Object.keys(own.actions ?? {}).find((a) => a.toLowerCase() === path.tail!.toLowerCase());
      if (own && name) return { kind: 'action', spec: own, id: this.canonicalId(groupId, own, seg), groupId, actionName: name, action: own.actions![name]! };
      const child = this.spec(ns, [...types, path.tail]);
      if (child && own) return { kind: 'collection', spec: child, scopeId: this.canonicalId(groupId, own, seg), groupId };
      return unknownType(ns, [...types, path.tail].join('/'));
    }
    if (!own) return unknownType(ns, types.join('/'));
    const id = this.canonicalId(groupId, own, seg);
    const parentId = seg.length > 1 ? id.split('/').slice(0, -2).join('/') : undefined;
    return { kind: 'resource', spec: own, id, name: seg[seg.length - 1]!.name, groupId, parentId };
  }

  /** `<resourceType>.<verb>` as used by fault rules and call counts. */
  operationName(method: string, route: Route): string {
    const verbs: Record<string, string> = { PUT: 'createOrUpdate', GET: 'get', DELETE: 'delete', PATCH: 'updateTags', HEAD: 'checkExistence' };
    switch (route.kind) {
      case 'operation': return 'operations.get';
      case 'groups': return 'resourceGroups.list';
      case 'group': return `resourceGroups.${method === 'PATCH' ? 'update' : verbs[method] ?? method.toLowerCase()}`;
      case 'resource': return `${operationPrefix(route.spec)}.${verbs[method] ?? method.toLowerCase()}`;
      case 'collection': return `${operationPrefix(route.spec)}.list`;
      case 'action': return `${operationPrefix(route.spec)}.${route.actionName}`;
      case 'unknown': return `unknown.${method.toLowerCase()}`;
    }
  }

  private spec(namespace: string, types: string[]): ResourceSpec | undefined {
    return this.specs.get(`${namespace}/${types.join('/')}`.toLowerCase());
  }

  private canonicalId(groupId: string, spec: ResourceSpec, seg: { name: string }[]): string {
    const [ns, ...types] = spec.type.split('/');
    const pairs = seg.map((s, i) => `${types[i]}/${s.name}`).join('/');
    return `${groupId}/providers/${ns}/${pairs}`;
  }
}

function unknownType(namespace: string, type: string | undefined): Route {
  return { kind: 'unknown', message: `The resource type '${type}' could not be found in the namespace '${namespace}' (not emulated).` };
}
