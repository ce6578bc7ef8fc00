// Status as the deployment, replica-set and daemon-set controllers write it, from the pods
// that exist: the simulator's workload controllers (deployments.ts, daemon-sets.ts) make
// the pods, then record here what they count. Only the status subresource is written,
// and only when something changed.
import { KubeError, MERGE_PATCH, type AdminClient, type KubeObject } from './admin-client.ts';
import { isReady, type OwnerReference, type Pod, type PodTemplate } from './pods.ts';
import type { LabelSelector } from './selectors.ts';

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface Workload extends KubeObject {
  apiVersion?: string;
  kind?: string;
  spec: { replicas?: number; selector?: LabelSelector; template: PodTemplate };
  status?: Record<string, unknown> & { conditions?: Condition[] };
}

/** The owner reference a workload's dependents carry. */
export function ownerOf(workload: Workload, apiVersion: string, kind: string): OwnerReference {
  return { apiVersion, kind, name: workload.metadata.name, uid: workload.metadata.uid, controller: true, blockOwnerDeletion: true };
}

/** The pods in the workload's namespace that `owner` controls and are not being deleted. */
export async function podsOf(client: AdminClient, namespace: string, owner: string, labelSelector: string): Promise<Pod[]> {
  const { items } = await client.call<{ items: Pod[] }>('GET', `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(labelSelector)}`);
  return items.filter((p) => !p.metadata.deletionTimestamp && p.metadata.ownerReferences?.some((o) => o.controller && o.uid === owner));
}

export function countReady(pods: Pod[]): number {
  return pods.filter(isReady).length;
}

export async function deletePod(client: AdminClient, pod: Pod): Promise<void> {
  await client.call('DELETE', `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`).catch((error: unknown) => {
    if (!(error instanceof KubeError && error.status === 404)) throw error;
  });
}

/** A Deployment's conditions once its rollout is done (all available) or while it waits for pods. */
export function deploymentConditions(available: boolean, done: boolean): Condition[] {
  return [
    available
      ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
      : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
    done
      ? { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'ReplicaSet has successfully progressed.' }
      : { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: 'ReplicaSet is progressing.' },
  ];
}

/** Patches `path`/status with `counts` and `conditions` unless the status already says so. */
export async function writeStatus(client: AdminClient, path: string, workload: Workload, counts: Record<string, number>, conditions: Condition[] = []): Promise<void> {
  const want = { observedGeneration: workload.metadata.generation ?? 0, ...counts };
  const status = workload.status ?? {};
  // The API server leaves zero counts out of the status.
  const countsMatch = Object.entries(want).every(([field, value]) => (status[field] ?? 0) === value);
  const conditionsMatch = conditions.every((c) => status.conditions?.some((s) => s.type === c.type && s.status === c.status && s.reason === c.reason));
  if (countsMatch && conditionsMatch) return;
  const now = new Date().toISOString();
  const patch = { status: { ...want, ...(conditions.length ? { conditions: conditions.map((c) => ({ ...c, lastUpdateTime: now, lastTransitionTime: now })) } : {}) } };
  await client.call('PATCH', `${path}/status`, patch, MERGE_PATCH);
}
