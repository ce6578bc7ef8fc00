// Every emulated resource (resource groups included) in one map keyed by the
// lower-cased ARM id: ARM ids are case-insensitive, and a prefix match on the key
// finds a resource's children or a group's contents.
import type { Json } from './json.js';

export type ProvisioningState = 'Succeeded' | 'Creating' | 'Updating' | 'Deleting' | 'Failed';

export interface Resource {
  /** As first created; later requests may spell it in another case. */
  id: string;
  /** Canonical ARM type, e.g. `Microsoft.Network/virtualNetworks/subnets`. */
  type: string;
  name: string;
  location?: string;
  tags?: Record<string, string>;
  /** Top-level fields other than `properties` (sku, zones, ...), as sent. */
  extra: Json;
  /** Stored properties including computed ones; `provisioningState` lives beside. */
  properties: Json;
  provisioningState: ProvisioningState;
  etag: string;
  /** The operation running on this resource; PUT and DELETE get 409 meanwhile. */
  busy?: string;
  /** The last PUT body, to recognise a PUT that changes nothing. */
  lastInput?: string;
}

export class Store {
  private readonly resources = new Map<string, Resource>();

  get(id: string | undefined): Resource | undefined {
    return id === undefined ? undefined : this.resources.get(id.toLowerCase());
  }

  put(resource: Resource): void {
    this.resources.set(resource.id.toLowerCase(), resource);
  }

  remove(id: string): void {
    this.resources.delete(id.toLowerCase());
  }

  all(): Resource[] {
    return [...this.resources.values()];
  }

  ofType(type: string): Resource[] {
    const t = type.toLowerCase();
    return this.all().filter((r) => r.type.toLowerCase() === t);
  }

  /** The resource and everything below it: child resources, or a group's contents. */
  subtree(id: string): Resource[] {
    const key = id.toLowerCase();
    return this.all().filter((r) => {
      const k = r.id.toLowerCase();
      return k === key || k.startsWith(`${key}/`);
    });
  }

  /** Direct children of one type, e.g. a VNet's subnets. */
  children(parentId: string, type: string): Resource[] {
    const prefix = `${parentId.toLowerCase()}/`;
    return this.ofType(type).filter((r) => r.id.toLowerCase().startsWith(prefix));
  }

  clear(): void {
    this.resources.clear();
  }
}
