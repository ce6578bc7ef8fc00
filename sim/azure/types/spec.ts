// What one emulated resource type has to say; the generic engine (engine.ts) does the
// rest: routing, 404/409s, long-running operations, delete cascades and in-use checks.
import type { FabricResult } from '../../fabric.js';
import type { ArmError } from '../errors.js';
import type { Json } from '../json.js';
import type { ProvisioningState, Resource, Store } from '../store.js';

/** A resource (or one of its sub-resources, `via`) pointing at another by id. */
export interface Reference {
  id: string;
  /** The sub-resource holding the reference, e.g. a gateway's IP configuration. */
  via?: string;
}

export interface User {
  resource: Resource;
  /** The referencing sub-resource's id, or the resource's own. */
  via: string;
}

export interface SpecContext {
  store: Store;
  /** Resources whose `references` include this id. */
  usersOf(id: string): User[];
  /** A fresh public address from 192.0.2.0/24. */
  allocatePublicIp(): string;
}

export interface RenderContext extends SpecContext {
  /** The wire form of another resource (a VNet embeds its subnets). */
  render(resource: Resource): Json;
  /** Present when the spec sets `needsFabric`. */
  fabric?: FabricResult;
}

export interface ActionContext extends SpecContext {
  /** Evaluates the tunnel fabric against Moto's current AWS view. */
  fabric(): Promise<FabricResult>;
}

export interface PutRequest {
  /** Canonical id (the existing resource's spelling on update). */
  id: string;
  name: string;
  /** The parent resource of a child type (a subnet's VNet). */
  parent?: Resource;
  group: Resource;
  location?: string;
  body: Json;
  /** `body.properties`, or `{}`. */
  properties: Json;
}

export interface Prepared {
  /** Properties to store, computed fields included. */
  properties: Json;
  /** Top-level fields kept beside `properties` (sku, zones, ...). */
  extra?: Json;
  /** Side effects once stored and validated, e.g. a VNet writing its inline subnets. */
  commit?(resource: Resource, operationId: string): void;
}

export interface ActionSpec {
  method: 'GET' | 'POST';
  /** Real-world seconds when long-running; without it the answer is immediate. */
  latency?: number;
  run(ctx: ActionContext, resource: Resource, body: Json, query: URLSearchParams): unknown | Promise<unknown>;
}

export interface ResourceSpec {
  /** Canonical ARM type, e.g. `Microsoft.Network/virtualNetworks/subnets`. */
  type: string;
  /** Real-world seconds of the PUT and DELETE operations. */
  latency: { put: number; delete: number };
  /** How the type's REST specification spells the entity tag: `etag` (network) unless said otherwise (AKS: `eTag`). */
  etagField?: 'eTag';
  /** Child resources (subnets) take their parent's region and have no `location`. */
  hasLocation: boolean;
  /** provisioningState while a new resource is created; network resources say Updating. */
  createState?: ProvisioningState;
  /** Validates a PUT (throwing ArmError) and returns what to store. */
  prepare(ctx: SpecContext, req: PutRequest, existing: Resource | undefined): Prepared;
  /** Ids this resource uses; a resource in use cannot be deleted. */
  references?(resource: Resource): Reference[];
  /** The error for deleting `resource` while `user` references it. */
  inUse?(resource: Resource, user: Resource): ArmError;
  /** Adds read-time fields (status, back-references) to the rendered properties. */
  render?(ctx: RenderContext, resource: Resource, properties: Json): void;
  /** Render needs the tunnel fabric (costs a fetch of Moto's view). */
  needsFabric?: boolean;
  /**
   * Work outside the emulator that a PUT starts (a kube control plane): it runs alongside
   * the emulated latency, and the operation succeeds only once both are done; an ArmError
   * it throws fails the operation.
   */
  provision?(resource: Resource): Promise<void>;
  /** Undoes that work; a deleted resource disappears only once it resolves. */
  deprovision?(resource: Resource): Promise<void>;
  /** POST (or GET) `{resourceId}/{action}`, keyed by the action's canonical name. */
  actions?: Record<string, ActionSpec>;
}

/** Last segment of the type: the resource-type part of operation names (`subnets.get`). */
export function operationPrefix(spec: ResourceSpec): string {
  return spec.type.split('/').pop()!;
}
