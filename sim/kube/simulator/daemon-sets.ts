// The daemon-set controller: one pod on every Ready node the DaemonSet's nodeSelector
// allows, placed directly (no scheduler), replaced when the template changes, removed from
// nodes that went; the status counts those pods.
import type { AdminClient } from './admin-client.ts';
import { isReadyNode, type Node } from './nodes.ts';
import { podFrom, templateHash } from './pods.ts';
import type { Controller } from './reflector.ts';
import { selectorQuery, selectsMap } from './selectors.ts';
import { countReady, deletePod, ownerOf, podsOf, writeStatus, type Workload } from './workloads.ts';
import type { ExternalReadiness } from './external.ts';

export function daemonSets(client: AdminClient, external: ExternalReadiness, nodes: () => Node[], onDeleted: (daemonSet: Workload) => void): Controller<Workload> {
  return {
    path: '/apis/apps/v1/daemonsets',
    async reconcile(daemonSet) {
      const { name, namespace = '', uid, generation = 1, deletionTimestamp } = daemonSet.metadata;
      if (deletionTimestamp) return;
      const { template, selector } = daemonSet.spec;
      const hash = templateHash(template);
      const eligible = nodes().filter((n) => isReadyNode(n) && selectsMap(template.spec.nodeSelector, n.metadata.labels)).map((n) => n.metadata.name);
      const pods = await podsOf(client, namespace, uid, selectorQuery(selector));
      const stale = pods.filter((p) => !eligible.includes(p.spec.nodeName ?? '') || p.metadata.labels?.['controller-revision-hash'] !== hash);
      for (const pod of stale) await deletePod(client, pod);
      const current = pods.filter((p) => !stale.includes(p));
      const owner = ownerOf(daemonSet, 'apps/v1', 'DaemonSet');
      for (const node of eligible.filter((n) => !current.some((p) => p.spec.nodeName === n))) {
        const labels = { 'controller-revision-hash': hash, 'pod-template-generation': String(generation) };
        current.push(await client.call('POST', `/api/v1/namespaces/${namespace}/pods`, podFrom(template, namespace, owner, labels, node)));
      }
      if (external.owns('DaemonSet', namespace, name)) return;
      const ready = countReady(current);
      await writeStatus(client, `/apis/apps/v1/namespaces/${namespace}/daemonsets/${name}`, daemonSet, {
        desiredNumberScheduled: eligible.length,
        currentNumberScheduled: current.length,
        updatedNumberScheduled: current.length,
        numberReady: ready,
        numberAvailable: ready,
        numberUnavailable: Math.max(0, eligible.length - ready),
        numberMisscheduled: 0,
      });
    },
    forget: onDeleted,
  };
}
