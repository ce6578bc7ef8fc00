// The deployment and replica-set controllers: a Deployment gets one ReplicaSet per pod
// template (`<name>-<pod-template-hash>`), which gets `spec.replicas` pods (the scheduler
// binds them, the kubelet starts them); a new template replaces the old ReplicaSet at once
// (its pods go with it through the garbage collector) instead of rolling. Both statuses
// count the pods that exist, unless the Deployment's readiness is reported elsewhere
// (ExternalReadiness), in which case its status is left alone.
import { KubeError, type AdminClient } from './admin-client.ts';
import type { ExternalReadiness } from './external.ts';
import { controllerOf, isReady, podFrom, templateHash } from './pods.ts';
import type { Controller } from './reflector.ts';
import { selectorQuery } from './selectors.ts';
import { countReady, deletePod, deploymentConditions, ownerOf, podsOf, writeStatus, type Workload } from './workloads.ts';

export function deployments(client: AdminClient, external: ExternalReadiness, onDeleted: (deployment: Workload) => void): Controller<Workload> {
  return {
    path: '/apis/apps/v1/deployments',
    async reconcile(deployment) {
      const { name, namespace = '', uid, deletionTimestamp } = deployment.metadata;
      if (deletionTimestamp) return;
      const replicas = deployment.spec.replicas ?? 1;
      const hash = templateHash(deployment.spec.template);
      const sets = `/apis/apps/v1/namespaces/${namespace}/replicasets`;
      const { items } = await client.call<{ items: Workload[] }>('GET', `${sets}?labelSelector=${encodeURIComponent(selectorQuery(deployment.spec.selector))}`);
      const owned = items.filter((rs) => controllerOf(rs)?.uid === uid);
      for (const old of owned.filter((rs) => rs.metadata.labels?.['pod-template-hash'] !== hash)) {
        await client.call('DELETE', `${sets}/${old.metadata.name}?propagationPolicy=Background`).catch(ignore404);
      }
      const replicaSet = await ensureReplicaSet(client, deployment, owned.find((rs) => rs.metadata.labels?.['pod-template-hash'] === hash), hash, replicas);

      const pods = await podsOf(client, namespace, replicaSet.metadata.uid, `pod-template-hash=${hash}`);
      const owner = ownerOf(replicaSet, 'apps/v1', 'ReplicaSet');
      for (let i = pods.length; i < replicas; i++) {
        pods.push(await client.call('POST', `/api/v1/namespaces/${namespace}/pods`, podFrom(replicaSet.spec.template, namespace, owner, { 'pod-template-hash': hash })));
      }
      // Scale-down removes unready pods first, as the replica-set controller does.
      const extra = pods.sort((a, b) => Number(isReady(a)) - Number(isReady(b))).splice(0, Math.max(0, pods.length - replicas));
      for (const pod of extra) await deletePod(client, pod);

      const ready = countReady(pods);
      await writeStatus(client, `${sets}/${replicaSet.metadata.name}`, replicaSet, { replicas: pods.length, fullyLabeledReplicas: pods.length, readyReplicas: ready, availableReplicas: ready });
      if (external.owns('Deployment', namespace, name)) return;
      await writeStatus(
        client,
        `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`,
        deployment,
        { replicas: pods.length, updatedReplicas: pods.length, readyReplicas: ready, availableReplicas: ready, unavailableReplicas: Math.max(0, replicas - ready) },
        deploymentConditions(ready >= replicas, ready >= replicas && pods.length === replicas),
      );
    },
    forget: onDeleted,
  };
}

async function ensureReplicaSet(client: AdminClient, deployment: Workload, existing: Workload | undefined, hash: string, replicas: number): Promise<Workload> {
  const { name, namespace = '' } = deployment.metadata;
  const sets = `/apis/apps/v1/namespaces/${namespace}/replicasets`;
  if (existing) {
    if (existing.spec.replicas === replicas) return existing;
    return client.call<Workload>('PATCH', `${sets}/${existing.metadata.name}`, { spec: { replicas } }, { 'Content-Type': 'application/merge-patch+json' });
  }
  const { template, selector } = deployment.spec;
  const labels = { ...template.metadata?.labels, 'pod-template-hash': hash };
  return client.call<Workload>('POST', sets, {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: `${name}-${hash}`,
      namespace,
      labels,
      annotations: { 'deployment.kubernetes.io/desired-replicas': String(replicas), 'deployment.kubernetes.io/revision': String(deployment.metadata.generation ?? 1) },
      ownerReferences: [ownerOf(deployment, 'apps/v1', 'Deployment')],
    },
    spec: {
      replicas,
      selector: { ...selector, matchLabels: { ...selector?.matchLabels, 'pod-template-hash': hash } },
      template: { ...template, metadata: { ...template.metadata, labels } },
    },
  });
}

function ignore404(error: unknown): void {
  if (!(error instanceof KubeError && error.status === 404)) throw error;
}
