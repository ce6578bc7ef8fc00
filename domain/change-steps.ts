/**
 * The order in which a planned change is applied to a live mesh, from the plan and the
 * two graphs alone: creates in dependency order of the new graph, updates in place in the
 * same order (a cluster's node pool before what runs on it), deletions last and in reverse
 * dependency order of the old graph, so what depends on a node is gone first (a removed
 * cell's remote secrets in every other cell before the cell). A rollback walks the same
 * lists backwards.
 */
import type { ChangePlan } from './change-plan.ts';
import type { ResourceGraph } from './resource-graph.ts';

export interface ChangeSteps {
  creates: string[];
  updates: string[];
  deletes: string[];
}

export function changeSteps(plan: ChangePlan, before: ResourceGraph, after: ResourceGraph): ChangeSteps {
  const ids = (action: string) => new Set(plan.changes.filter((c) => c.action === action).map((c) => c.id));
  const creates = ids('create');
  const updates = ids('update');
  const deletes = ids('delete');
  return {
    creates: dependencyOrder(after).filter((id) => creates.has(id)),
    updates: dependencyOrder(after).filter((id) => updates.has(id)),
    deletes: dependencyOrder(before).reverse().filter((id) => deletes.has(id)),
  };
}

/** Every node after the nodes it depends on; ties keep the graph's own order, so the result is stable. */
export function dependencyOrder(graph: ResourceGraph): string[] {
  const placed = new Set<string>();
  const order: string[] = [];
  while (order.length < graph.nodes.length) {
    const ready = graph.nodes.filter((n) => !placed.has(n.id) && n.dependsOn.every((d) => placed.has(d)));
    if (ready.length === 0) throw new Error(`no dependency order: a cycle or an unknown dependency among ${graph.nodes.filter((n) => !placed.has(n.id)).map((n) => n.id).join(', ')}`);
    for (const node of ready) {
      placed.add(node.id);
      order.push(node.id);
    }
  }
  return order;
}
