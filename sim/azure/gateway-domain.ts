// ARM runs one operation at a time per virtual network gateway, and the gateway's
// connections and the local network gateways they use are part of it: creating, changing
// or deleting a connection updates its gateway, and so does changing a local network
// gateway a connection uses. While any of them has an operation running, a PUT or DELETE
// of another answers 409 AnotherOperationInProgress, as a PUT on a busy resource does.
import type { Resource, Store } from './store.js';

const GATEWAY = 'microsoft.network/virtualnetworkgateways';
const CONNECTION = 'microsoft.network/connections';
const LOCAL_GATEWAY = 'microsoft.network/localnetworkgateways';

export interface DomainGraph {
  store: Store;
  /** The ids a resource references (its spec's `references`). */
  referencesOf(resource: Pick<Resource, 'type' | 'properties'>): string[];
  /** The resources that reference an id. */
  usersOf(id: string): Resource[];
}

/**
 * The resource of `subject`'s gateway domain (other than `subject` itself) that has an
 * operation running, if any. `subject` may be a resource about to be PUT (not stored yet).
 */
export function busyInGatewayDomain(graph: DomainGraph, subject: Pick<Resource, 'id' | 'type' | 'properties'>): Resource | undefined {
  const domain = new Map<string, Resource>();
  for (const gateway of gatewaysOf(graph, subject)) {
    domain.set(gateway.id.toLowerCase(), gateway);
    for (const connection of graph.usersOf(gateway.id).filter((r) => r.type.toLowerCase() === CONNECTION)) {
      domain.set(connection.id.toLowerCase(), connection);
      for (const id of graph.referencesOf(connection)) {
        const local = graph.store.get(id);
        if (local?.type.toLowerCase() === LOCAL_GATEWAY) domain.set(local.id.toLowerCase(), local);
      }
    }
  }
  domain.delete(subject.id.toLowerCase());
  return [...domain.values()].find((r) => r.busy !== undefined);
}

/** The gateways whose domain `subject` belongs to: itself, the one a connection names, those of the connections using a local gateway. */
function gatewaysOf(graph: DomainGraph, subject: Pick<Resource, 'id' | 'type' | 'properties'>): Resource[] {
  const type = subject.type.toLowerCase();
  const referenced = (r: Pick<Resource, 'type' | 'properties'>) =>
    graph.referencesOf(r).map((id) => graph.store.get(id)).filter((g): g is Resource => g?.type.toLowerCase() === GATEWAY);
  if (type === GATEWAY) return [graph.store.get(subject.id)].filter((g): g is Resource => g !== undefined);
  if (type === CONNECTION) return referenced(subject);
  if (type === LOCAL_GATEWAY) return graph.usersOf(subject.id).filter((r) => r.type.toLowerCase() === CONNECTION).flatMap(referenced);
  return [];
}
