// Deployments and DaemonSets as if their pods ran. Nothing here runs pods (no scheduler,
// kubelet or controller-manager), so this writes what those would make the status say:
// every replica updated, ready and available. Only the status subresource is written.
import { MERGE_PATCH, type AdminClient, type KubeObject } from './admin-client.ts';
import type { Controller } from './reflector.ts';

/** The nodes every simulated cluster pretends to have: a DaemonSet's pod count. */
export const NODE_COUNT = 2;

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

interface Workload extends KubeObject {
  spec: { replicas?: number };
  status?: Record<string, unknown> & { conditions?: Condition[] };
}

/** What the deployment controller writes once a rollout is complete and every pod is ready. */
const DEPLOYMENT_CONDITIONS: Condition[] = [
  { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability (simulated: no pods run here).' },
  { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: 'Deployment has successfully progressed (simulated: no pods run here).' },
];

export function deployments(client: AdminClient): Controller<Workload> {
  return workloads(client, 'deployments', DEPLOYMENT_CONDITIONS, (deployment) => {
    const replicas = deployment.spec.replicas ?? 1;
    return { replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas };
  });
}

export function daemonSets(client: AdminClient): Controller<Workload> {
  return workloads(client, 'daemonsets', [], () => ({
    desiredNumberScheduled: NODE_COUNT,
    currentNumberScheduled: NODE_COUNT,
    updatedNumberScheduled: NODE_COUNT,
    numberReady: NODE_COUNT,
    numberAvailable: NODE_COUNT,
  }));
}

function workloads(client: AdminClient, resource: string, conditions: Condition[], counts: (workload: Workload) => Record<string, number>): Controller<Workload> {
  return {
    path: `/apis/apps/v1/${resource}`,
    async reconcile(workload) {
      const { name, namespace = '', generation } = workload.metadata;
      const want = { observedGeneration: generation ?? 0, ...counts(workload) };
      const status = workload.status ?? {};
      // The API server leaves zero counts out of the status.
      const countsMatch = Object.entries(want).every(([field, value]) => (status[field] ?? 0) === value);
      const conditionsMatch = conditions.every((c) => status.conditions?.some((s) => s.type === c.type && s.status === c.status));
      if (countsMatch && conditionsMatch) return;
      const now = new Date().toISOString();
      const patch = { status: { ...want, ...(conditions.length ? { conditions: conditions.map((c) => ({ ...c, lastUpdateTime: now, lastTransitionTime: now })) } : {}) } };
      await client.call('PATCH', `/apis/apps/v1/namespaces/${namespace}/${resource}/${name}/status`, patch, MERGE_PATCH);
    },
  };
}
