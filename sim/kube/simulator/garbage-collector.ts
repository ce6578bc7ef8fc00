// The garbage collector: an object whose controlling owner is gone (deleted, or replaced
// by a new object of the same name) is deleted in the background, so pods go with their
// ReplicaSet or DaemonSet, ReplicaSets with their Deployment and EndpointSlices with their
// Service. The simulator runs one per dependent resource and re-checks a namespace's
// dependents whenever an owner (or a dependent, which may own others) there is deleted.
import { KubeError, type AdminClient } from './admin-client.ts';
import { controllerOf, type OwnerReference } from './pods.ts';
import type { Controller } from './reflector.ts';
import type { KubeObject } from './admin-client.ts';

type Dependent = KubeObject & { metadata: KubeObject['metadata'] & { ownerReferences?: OwnerReference[] } };

/** Where an owner of each kind the simulated controllers use lives. */
const OWNER_PATHS: Record<string, (namespace: string, name: string) => string> = {
  Deployment: (ns, name) => `/apis/apps/v1/namespaces/${ns}/deployments/${name}`,
  ReplicaSet: (ns, name) => `/apis/apps/v1/namespaces/${ns}/replicasets/${name}`,
  DaemonSet: (ns, name) => `/apis/apps/v1/namespaces/${ns}/daemonsets/${name}`,
  Service: (ns, name) => `/api/v1/namespaces/${ns}/services/${name}`,
};

/** A collector for the dependents listed at `path` (e.g. `/api/v1/pods`), reached one by one at `itemPath`. */
export function garbageCollector(client: AdminClient, path: string, itemPath: (namespace: string, name: string) => string, onDeleted: (object: Dependent) => void): Controller<Dependent> {
  const missing = (error: unknown) => {
    if (error instanceof KubeError && error.status === 404) return undefined;
    throw error;
  };
  return {
    path,
    async reconcile(object) {
      const { name, namespace = '', deletionTimestamp } = object.metadata;
      const owner = controllerOf(object);
      const ownerPath = owner && OWNER_PATHS[owner.kind];
      if (!owner || !ownerPath || deletionTimestamp) return;
      const found = await client.call<KubeObject>('GET', ownerPath(namespace, owner.name)).catch(missing);
      if (found && found.metadata.uid === owner.uid) return;
      await client.call('DELETE', `${itemPath(namespace, name)}?propagationPolicy=Background`).catch(missing);
    },
    // A dependent can own others in turn (a ReplicaSet its pods).
    forget: onDeleted,
  };
}
