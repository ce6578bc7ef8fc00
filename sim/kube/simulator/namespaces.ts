// The namespace controller (kube-controller-manager's, absent here): a namespace being
// deleted keeps the `kubernetes` finalizer until everything in it is gone, so without this
// `kubectl delete namespace` and helm-driven cleanups would never finish. It deletes every
// namespaced object in it (found through API discovery, so custom resources go too), waits
// until none is left (objects with finalizers of their own keep it waiting, as they would
// in a real cluster), then removes the finalizer, upon which the API server deletes it.
import { KubeError, type AdminClient, type KubeObject } from './admin-client.ts';
import type { Controller } from './reflector.ts';

interface Namespace extends KubeObject {
  spec?: { finalizers?: string[] };
}

interface Discovery {
  items: { metadata: { name?: string }; versions: { version: string; resources: { resource: string; scope: string; verbs: string[] }[] }[] }[];
}

/** Aggregated discovery: every group's versions and resources in one answer per root. */
const DISCOVERY = { Accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList' };
const FINALIZER = 'kubernetes';

export function namespaces(client: AdminClient): Controller<Namespace> {
  return {
    path: '/api/v1/namespaces',
    async reconcile(namespace) {
      const { name, deletionTimestamp } = namespace.metadata;
      if (!deletionTimestamp || !namespace.spec?.finalizers?.includes(FINALIZER)) return;
      const collections = await namespacedCollections(client, name);
      await Promise.all(collections.map((c) => deleteAll(client, c)));
      const remaining = (await Promise.all(collections.map(async (c) => ((await list(client, c.path, 1)).length ? c.path : undefined)))).filter(Boolean);
      if (remaining.length) throw new Error(`namespace ${name} still has objects in ${remaining.join(', ')}`);
      const finalizers = namespace.spec.finalizers.filter((f) => f !== FINALIZER);
      // A conflict (the namespace changed meanwhile) is retried with its newer version.
      await client.call('PUT', `/api/v1/namespaces/${name}/finalize`, { ...namespace, spec: { ...namespace.spec, finalizers } });
    },
  };
}

interface Collection {
  path: string;
  verbs: string[];
}

/** The collection path in `namespace` of every namespaced resource that can be listed, at its group's preferred version. */
async function namespacedCollections(client: AdminClient, namespace: string): Promise<Collection[]> {
  const roots = await Promise.all(['/api', '/apis'].map(async (root) => ({ root, discovery: await client.call<Discovery>('GET', root, undefined, DISCOVERY) })));
  return roots.flatMap(({ root, discovery }) =>
    discovery.items.flatMap(({ metadata, versions: [preferred] }) =>
      (preferred?.resources ?? [])
        .filter((r) => r.scope === 'Namespaced' && r.verbs.includes('list') && r.verbs.includes('delete'))
        .map((r) => ({ path: `${root}/${metadata.name ? `${metadata.name}/` : ''}${preferred!.version}/namespaces/${namespace}/${r.resource}`, verbs: r.verbs })),
    ),
  );
}

async function deleteAll(client: AdminClient, collection: Collection): Promise<void> {
  if (collection.verbs.includes('deletecollection')) return void (await client.call('DELETE', collection.path));
  const gone = (error: unknown) => {
    if (!(error instanceof KubeError && error.status === 404)) throw error;
  };
  await Promise.all((await list(client, collection.path)).map((o) => client.call('DELETE', `${collection.path}/${o.metadata.name}`).catch(gone)));
}

async function list(client: AdminClient, path: string, limit?: number): Promise<KubeObject[]> {
  return (await client.call<{ items: KubeObject[] }>('GET', limit ? `${path}?limit=${limit}` : path)).items;
}
