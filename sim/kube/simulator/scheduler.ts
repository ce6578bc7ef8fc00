// The scheduler: a pod without a node is bound to a Ready node its nodeSelector allows,
// spreading a workload's pods over zones and nodes. With no such node it stays Pending
// and is tried again when the nodes change. Affinity, taints and resources are not judged.
import type { AdminClient } from './admin-client.ts';
import { controllerOf, type Pod } from './pods.ts';
import { isReadyNode, type Node } from './nodes.ts';
import type { Controller } from './reflector.ts';
import { selectsMap } from './selectors.ts';

export interface SchedulerView {
  nodes(): Node[];
  /** Pods already on nodes. */
  scheduled(): Pod[];
}

export function scheduler(client: AdminClient, view: SchedulerView): Controller<Pod> {
  // Bindings made but not yet seen through the watch, so pods bound in a row still spread.
  const bound = new Map<string, Pod>();
  const placed = (): Pod[] => {
    const seen = view.scheduled();
    const keys = new Set(seen.map((p) => `${p.metadata.namespace}/${p.metadata.name}`));
    for (const key of bound.keys()) if (keys.has(key)) bound.delete(key);
    return [...seen, ...bound.values()];
  };
  return {
    path: `/api/v1/pods?fieldSelector=${encodeURIComponent('spec.nodeName=')}`,
    async reconcile(pod) {
      const { name, namespace = '', deletionTimestamp } = pod.metadata;
      if (pod.spec.nodeName || deletionTimestamp) return;
      const fits = view.nodes().filter((n) => isReadyNode(n) && selectsMap(pod.spec.nodeSelector, n.metadata.labels));
      if (fits.length === 0) throw new Error(`0/${view.nodes().length} nodes are available for pod ${namespace}/${name}`);
      const owner = controllerOf(pod)?.uid;
      const scheduled = placed();
      const siblingsOn = (pred: (p: Pod) => boolean) => scheduled.filter((p) => pred(p) && owner !== undefined && controllerOf(p)?.uid === owner).length;
      const zoneOf = (n: Node) => n.metadata.labels?.['topology.kubernetes.io/zone'];
      const score = (n: Node) => [
        siblingsOn((p) => fits.some((f) => f.metadata.name === p.spec.nodeName && zoneOf(f) === zoneOf(n))),
        siblingsOn((p) => p.spec.nodeName === n.metadata.name),
        scheduled.filter((p) => p.spec.nodeName === n.metadata.name).length,
      ];
      const best = fits.reduce((a, b) => (compare(score(b), score(a)) < 0 ? b : a));
      await client.call('POST', `/api/v1/namespaces/${namespace}/pods/${name}/binding`, {
        apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace }, target: { apiVersion: 'v1', kind: 'Node', name: best.metadata.name },
      });
      bound.set(`${namespace}/${name}`, { ...pod, spec: { ...pod.spec, nodeName: best.metadata.name } });
    },
  };
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}
