// The generic ARM engine: implements PUT / GET / DELETE / PATCH / list / actions once for
// every resource spec, with ARM's long-running operation protocol, 409s while an
// operation runs, delete cascades and in-use checks.
import type { FabricResult } from '../fabric.js';
import { ArmError, anotherOperationInProgress, badRequest, invalidRequest, type ArmErrorBody } from './errors.js';
import { FabricLink } from './fabric-link.js';
import { busyInGatewayDomain, type DomainGraph } from './gateway-domain.js';
import { obj, sameId, str, type Json } from './json.js';
import { Operations, type Operation, type Outcome } from './lro.js';
import { Store, type Resource } from './store.js';
import { newEtag } from './types/common.js';

export const GROUP_TYPE = 'Microsoft.Resources/resourceGroups';
import { Router, type Route } from './router.js';
import type { RenderContext, ResourceSpec, SpecContext, User } from './types/spec.js';

/** A PUT that changes nothing still runs an operation, but a short one (real seconds). */
const NO_CHANGE_SECONDS = 10;

export interface Call {
  method: string;
  route: Route;
  subscription: string;
  body: Json;
  query: URLSearchParams;
  /** `https://127.0.0.1:port`, for the operation URLs handed out. */
  baseUrl: string;
  /** The request's own URL (path and query), for a Location that points to itself. */
  url: string;
  /** From an `lro-failed` fault: the operation this call starts ends Failed. */
  failWith?: FailWith;
}

export interface FailWith extends ArmErrorBody {
  status: number;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface EngineOptions {
  timeScale: number;
  /** Base poll interval in real-world seconds, divided by the time scale (at least 1 s). */
  retryAfterSeconds: number;
  awsViewUrl?: string;
}

export class Engine {
  readonly store = new Store();
  readonly ops = new Operations();
  readonly fabric: FabricLink;
  readonly router: Router;
  private nextIp = 1;

  constructor(specs: readonly ResourceSpec[], readonly options: EngineOptions) {
    this.router = new Router(specs);
    this.fabric = new FabricLink(this.store, options.timeScale, options.awsViewUrl);
  }

  // ---- dispatch ----

  async handle(call: Call): Promise<Reply> {
    const { route, method } = call;
    switch (route.kind) {
      case 'operation': return this.pollOperation(call, route.operationId, route.style);
      case 'resource':
        if (method === 'PUT') return this.put(call, route);
        if (method === 'GET') return this.get(route);
        if (method === 'DELETE') return this.delete(call, route);
        if (method === 'PATCH') return this.patch(route, call.body);
        break;
      case 'collection':
        if (method === 'GET') return this.list(route);
        break;
      case 'action':
        if (method === route.action.method) return this.action(call, route);
        break;
      case 'unknown':
        throw new ArmError(404, 'InvalidResourceType', route.message);
      case 'groups':
      case 'group':
        throw new Error('resource groups are handled by groups.ts');
    }
    throw new ArmError(405, 'MethodNotAllowed', `${method} is not supported on this path.`);
  }

  private async put(call: Call, route: Extract<Route, { kind: 'resource' }>): Promise<Reply> {
    const { spec } = route;
    const group = this.requireGroup(route.groupId);
    if (group.provisioningState === 'Deleting') throw groupBeingDeleted(group);
    let parent: Resource | undefined;
    if (route.parentId) {
      parent = this.store.get(route.parentId);
      if (!parent) {
        throw new ArmError(404, 'ParentResourceNotFound',
          `Can not perform requested operation on nested resource. Parent resource '${route.parentId.split('/').pop()}' not found.`);
      }
      if (parent.busy) throw anotherOperationInProgress(parent.id);
    }
    const existing = this.store.get(route.id);
    const busy = this.store.subtree(route.id).find((r) => r.busy);
    if (busy) throw anotherOperationInProgress(busy.id);

    const body = call.body;
    const location = spec.hasLocation ? str(body.location) : undefined;
    if (spec.hasLocation && !location) throw badRequest('LocationRequired', 'The location property is required for this definition.');
    if (body.properties !== undefined && !obj(body.properties)) throw invalidRequest('properties must be an object.');
    const id = existing?.id ?? route.id;
    const prepared = spec.prepare(this.context(), {
      id, name: existing?.name ?? route.name, parent, group, location, body, properties: obj(body.properties) ?? {},
    }, existing);

    const inDomain = busyInGatewayDomain(this.domainGraph(), { id, type: spec.type, properties: prepared.properties });
    if (inDomain) throw anotherOperationInProgress(inDomain.id);

    const input = JSON.stringify(body);
    const unchanged = existing?.provisioningState === 'Succeeded' && existing.lastInput === input;
    const op = this.ops.create(namespaceOf(spec), regionOf(location ?? parent?.location ?? group.location));
    const resource: Resource = {
      id,
      type: spec.type,
      name: existing?.name ?? route.name,
      location,
      tags: tagsOf(body.tags),
      extra: prepared.extra ?? {},
      properties: prepared.properties,
      provisioningState: existing ? 'Updating' : spec.createState ?? 'Updating',
      etag: newEtag(),
      busy: op.id,
      lastInput: input,
    };
    this.store.put(resource);
    prepared.commit?.(resource, op.id);
    const seconds = unchanged ? Math.min(spec.latency.put, NO_CHANGE_SECONDS) : spec.latency.put;
    // Outside work starts now, to run alongside the latency; a doomed operation needs none.
    const external = call.failWith ? undefined : failureOf(spec.provision?.(resource));
    this.ops.run(op, this.scaledMs(seconds), () => this.settlePut(id, op.id, call.failWith, external));

    const rendered = await this.renderWithFabric(resource);
    return { status: existing ? 200 : 201, body: rendered, headers: this.lroHeaders(call, op, false) };
  }

  private async settlePut(id: string, operationId: string, failWith: FailWith | undefined, external: Promise<FailWith | undefined> | undefined): Promise<Outcome> {
    if (this.ownedBy(id, operationId).length === 0) return canceled();
    const failure = failWith ?? await external;
    // A later operation (a group deletion) may have taken the resource over meanwhile.
    const touched = this.ownedBy(id, operationId);
    if (touched.length === 0) return canceled();
    for (const r of touched) {
      r.busy = undefined;
      r.provisioningState = failure ? 'Failed' : 'Succeeded';
    }
    return failure ? failed(failure) : { status: 'Succeeded' };
  }

  private async get(route: Extract<Route, { kind: 'resource' }>): Promise<Reply> {
    this.requireGroup(route.groupId);
    const resource = this.store.get(route.id);
    if (!resource) throw this.notFound(route.spec, route.id);
    return { status: 200, body: await this.renderWithFabric(resource) };
  }

  private async delete(call: Call, route: Extract<Route, { kind: 'resource' }>): Promise<Reply> {
    const resource = this.store.get(route.id);
    if (!resource) return { status: 204 };
    const doomed = this.store.subtree(resource.id);
    const parent = this.store.get(route.parentId);
    const busy = [...doomed, ...(parent ? [parent] : [])].find((r) => r.busy) ?? busyInGatewayDomain(this.domainGraph(), resource);
    if (busy) throw anotherOperationInProgress(busy.id);
    const doomedIds = new Set(doomed.map((r) => r.id.toLowerCase()));
    for (const r of doomed) {
      const user = this.usersOf(r.id).find((u) => !doomedIds.has(u.resource.id.toLowerCase()));
      if (user) {
        throw this.router.specOf(r.type)?.inUse?.(r, user.resource)
          ?? badRequest('InUseResourceCannotBeDeleted', `${r.id} is in use by ${user.resource.id}.`);
      }
    }
    const op = this.ops.create(namespaceOf(route.spec), regionOf(resource.location ?? parent?.location ?? this.store.get(route.groupId)?.location));
    for (const r of doomed) {
      r.provisioningState = 'Deleting';
      r.busy = op.id;
    }
    this.ops.run(op, this.scaledMs(route.spec.latency.delete), () => this.settleDelete(resource.id, op.id, call.failWith));
    return { status: 202, headers: this.lroHeaders(call, op, true) };
  }

  /** Also used by resource groups: removes what the operation still owns, once its outside work is undone. */
  async settleDelete(id: string, operationId: string, failWith: FailWith | undefined): Promise<Outcome> {
    const touched = this.ownedBy(id, operationId);
    if (touched.length === 0) return canceled();
    const failure = failWith ?? await this.deprovision(touched);
    for (const r of touched) {
      if (failure) {
        r.busy = undefined;
        r.provisioningState = 'Failed';
      } else {
        this.store.remove(r.id);
      }
    }
    return failure ? failed(failure) : { status: 'Succeeded' };
  }

  private ownedBy(id: string, operationId: string): Resource[] {
    return this.store.subtree(id).filter((r) => r.busy === operationId);
  }

  /** Runs the specs' deprovision hooks; answers the first failure. */
  private async deprovision(resources: Resource[]): Promise<FailWith | undefined> {
    const failures = await Promise.all(resources.map((r) => failureOf(this.router.specOf(r.type)?.deprovision?.(r))));
    return failures.find((f) => f !== undefined);
  }

  private async patch(route: Extract<Route, { kind: 'resource' }>, body: Json): Promise<Reply> {
    const resource = this.store.get(route.id);
    if (!resource) throw this.notFound(route.spec, route.id);
    resource.tags = tagsOf(body.tags) ?? resource.tags;
    resource.etag = newEtag();
    return { status: 200, body: await this.renderWithFabric(resource) };
  }

  private async list(route: Extract<Route, { kind: 'collection' }>): Promise<Reply> {
    if (route.groupId) this.requireGroup(route.groupId);
    const prefix = `${route.scopeId.toLowerCase()}/`;
    const items = this.store.ofType(route.spec.type).filter((r) => r.id.toLowerCase().startsWith(prefix));
    const fabric = route.spec.needsFabric && items.length > 0 ? await this.fabric.current() : undefined;
    return { status: 200, body: { value: items.map((r) => this.render(r, fabric)) } };
  }

  private async action(call: Call, route: Extract<Route, { kind: 'action' }>): Promise<Reply> {
    this.requireGroup(route.groupId);
    const resource = this.store.get(route.id);
    if (!resource) throw this.notFound(route.spec, route.id);
    const ctx = { ...this.context(), fabric: () => this.fabric.current() };
    const { action } = route;
    if (action.latency === undefined) return { status: 200, body: await action.run(ctx, resource, call.body, call.query) };

    const op = this.ops.create(namespaceOf(route.spec), regionOf(resource.location));
    this.ops.run(op, this.scaledMs(action.latency), async () => {
      if (call.failWith) return failed(call.failWith);
      const current = this.store.get(resource.id);
      if (!current) return failed({ status: 404, code: 'ResourceNotFound', message: `${resource.id} was deleted.` });
      return { status: 'Succeeded', result: await action.run(ctx, current, call.body, call.query) };
    });
    return { status: 202, headers: this.lroHeaders(call, op, true) };
  }

  private pollOperation(call: Call, id: string, style: 'status' | 'result'): Reply {
    const op = this.ops.get(id);
    if (!op) throw new ArmError(404, 'OperationNotFound', `Operation ${id} was not found.`);
    const running = op.status === 'InProgress';
    const retry = running ? this.retryAfterHeaders() : undefined;
    if (style === 'status') {
      return {
        status: 200,
        headers: retry,
        body: {
          id: new URL(call.url, call.baseUrl).pathname,
          name: op.id,
          status: op.status,
          startTime: op.startTime,
          ...(op.endTime ? { endTime: op.endTime } : {}),
          ...(op.error ? { error: op.error } : {}),
        },
      };
    }
    if (running) return { status: 202, headers: { ...retry, Location: `${call.baseUrl}${call.url}` } };
    if (op.status === 'Failed') throw new ArmError(op.errorStatus ?? 500, op.error?.code ?? 'InternalServerError', op.error?.message ?? 'The operation failed.');
    if (op.status === 'Canceled') throw new ArmError(409, 'OperationCanceled', 'The operation was canceled by a later operation on the resource.');
    return op.result === undefined ? { status: 204 } : { status: 200, body: op.result };
  }

  // ---- shared helpers (also used by groups.ts) ----

  lroHeaders(call: Call, op: Operation, withLocation: boolean): Record<string, string> {
    const base = `${call.baseUrl}/subscriptions/${call.subscription}/providers/${op.namespace}/locations/${op.location}`;
    const q = `?api-version=${encodeURIComponent(call.query.get('api-version') ?? '2024-05-01')}`;
    return {
      'Azure-AsyncOperation': `${base}/operations/${op.id}${q}`,
      ...(withLocation ? { Location: `${base}/operationResults/${op.id}${q}` } : {}),
      ...this.retryAfterHeaders(),
    };
  }

  /**
   * ARM's poll interval, scaled like every latency: `retry-after-ms` carries it exactly (Azure's
   * clients read it first), `Retry-After` in whole seconds as HTTP defines it, at least 1.
   */
  retryAfterHeaders(): Record<string, string> {
    const ms = (this.options.retryAfterSeconds * 1000) / this.options.timeScale;
    return { 'Retry-After': String(Math.max(1, Math.round(ms / 1000))), 'retry-after-ms': String(Math.round(ms)) };
  }

  scaledMs(realSeconds: number): number {
    return (realSeconds * 1000) / this.options.timeScale;
  }

  private domainGraph(): DomainGraph {
    return {
      store: this.store,
      referencesOf: (r) => (this.router.specOf(r.type)?.references?.(r as Resource) ?? []).map((ref) => ref.id),
      usersOf: (id) => this.usersOf(id).map((u) => u.resource),
    };
  }

  usersOf(id: string): User[] {
    const users: User[] = [];
    for (const r of this.store.all()) {
      for (const ref of this.router.specOf(r.type)?.references?.(r) ?? []) {
        if (sameId(ref.id, id)) users.push({ resource: r, via: ref.via ?? r.id });
      }
    }
    return users;
  }

  requireGroup(groupId: string): Resource {
    const group = this.store.get(groupId);
    if (!group) throw new ArmError(404, 'ResourceGroupNotFound', `Resource group '${groupId.split('/').pop()}' could not be found.`);
    return group;
  }

  render(resource: Resource, fabric?: FabricResult): Json {
    const properties: Json = { provisioningState: resource.provisioningState, ...structuredClone(resource.properties) };
    const ctx: RenderContext = { ...this.context(), render: (r) => this.render(r, fabric), fabric };
    const spec = this.router.specOf(resource.type);
    spec?.render?.(ctx, resource, properties);
    return {
      id: resource.id,
      name: resource.name,
      type: resource.type,
      [spec?.etagField ?? 'etag']: resource.etag,
      ...(resource.location ? { location: resource.location } : {}),
      ...(resource.tags ? { tags: resource.tags } : {}),
      ...structuredClone(resource.extra),
      properties,
    };
  }

  private async renderWithFabric(resource: Resource): Promise<Json> {
    const needs = this.router.specOf(resource.type)?.needsFabric;
    return this.render(resource, needs ? await this.fabric.current() : undefined);
  }

  private context(): SpecContext {
    return { store: this.store, usersOf: (id) => this.usersOf(id), allocatePublicIp: () => this.allocatePublicIp() };
  }

  /** Documentation addresses (192.0.2.0/24), handed out round-robin so a freed one is not reused at once. */
  private allocatePublicIp(): string {
    const used = new Set(this.store.ofType('Microsoft.Network/publicIPAddresses').map((r) => r.properties.ipAddress));
    for (let i = 0; i < 254; i++) {
      const host = ((this.nextIp - 1 + i) % 254) + 1;
      if (!used.has(`192.0.2.${host}`)) {
        this.nextIp = host + 1;
        return `192.0.2.${host}`;
      }
    }
    throw badRequest('PublicIPCountLimitReached', 'The emulator hands out public IPs from 192.0.2.0/24 and all 254 are allocated.');
  }

  private notFound(spec: ResourceSpec, id: string): ArmError {
    const group = id.split('/')[4];
    const path = id.split('/providers/')[1]?.split('/').slice(1).join('/');
    return new ArmError(404, 'ResourceNotFound', `The Resource '${namespaceOf(spec)}/${path}' under resource group '${group}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`);
  }

  /** Forgets everything, and undoes the outside work (control planes) of what it forgets. */
  async reset(): Promise<void> {
    const forgotten = this.store.all();
    this.ops.clear();
    this.store.clear();
    this.fabric.reset();
    this.nextIp = 1;
    await this.deprovision(forgotten);
  }
}

export function groupBeingDeleted(group: Resource): ArmError {
  return new ArmError(409, 'ResourceGroupBeingDeleted', `The resource group '${group.name}' is in deprovisioning state and cannot perform this operation.`);
}

export function failed(f: FailWith): Outcome {
  return { status: 'Failed', error: { code: f.code, message: f.message }, errorStatus: f.status };
}

/** Settles outside work to the failure it ended with, so a rejection is never left unhandled. */
function failureOf(work: Promise<void> | undefined): Promise<FailWith | undefined> | undefined {
  return work?.then(
    () => undefined,
    (e: unknown) => e instanceof ArmError
      ? { status: e.status, code: e.code, message: e.message }
      : { status: 500, code: 'InternalServerError', message: String(e) },
  );
}

function canceled(): Outcome {
  return { status: 'Canceled', error: { code: 'Canceled', message: 'The operation was canceled by a later operation on the resource.' } };
}

function namespaceOf(spec: ResourceSpec): string {
  return spec.type.split('/')[0]!;
}

/** Regions appear in operation URLs without spaces and in lower case. */
export function regionOf(location: string | undefined): string {
  return (location ?? 'global').replace(/\s+/g, '').toLowerCase();
}

function tagsOf(v: unknown): Record<string, string> | undefined {
  const o = obj(v);
  return o ? Object.fromEntries(Object.entries(o).map(([k, val]) => [k, String(val)])) : undefined;
}
