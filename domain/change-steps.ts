/**
 * The order in which a planned change is applied to a live mesh, from the plan and the
 * two graphs alone. Replaced resources are taken down first, in reverse dependency order
 * of the old graph (a cell's remote secrets in the other cells and its Istio before its
 * cluster), because the new resource has the old one's name and what is built on it needs
 * the new one. Then creates and the replaced resources made again from the new spec, in
 * dependency order of the new graph; updates in place in the same order (a cluster's node
 * pool before what runs on it); deletions last and in reverse dependency order of the old
 * graph, so what depends on a node is gone first (a removed cell's remote secrets in every
 * other cell before the cell). A rollback walks the same lists backwards.
 */
import type { ChangePlan } from './change-plan.ts';
import type { ResourceGraph } from './resource-graph.ts';

export interface ChangeSteps {
  /** The old resources of the replacements, and deletions built on them (they could not outlive them), newest first. */
  takenDown: string[];
  creates: string[];
  /** The replaced resources made again from the new spec. */
  remade: string[];
  updates: string[];
  deletes: string[];
}

export function changeSteps(plan: ChangePlan, before: ResourceGraph, after: ResourceGraph): ChangeSteps {
  // What the root rotation applies once the change stands (a new root key type, the cells' cacerts) is no step of the change.
  const ids = (action: string) => new Set(plan.changes.filter((c) => c.action === action && !c.appliedBy).map((c) => c.id));
  const creates = ids('create');
  const replaces = ids('replace');
  const updates = ids('update');
  const deletes = ids('delete');
  const withReplaced = builtOn(before, replaces, deletes);
  const oldestLast = dependencyOrder(before).reverse();
  return {
    takenDown: oldestLast.filter((id) => replaces.has(id) || withReplaced.has(id)),
    creates: dependencyOrder(after).filter((id) => creates.has(id)),
    remade: dependencyOrder(after).filter((id) => replaces.has(id)),
    updates: dependencyOrder(after).filter((id) => updates.has(id)),
    deletes: oldestLast.filter((id) => deletes.has(id) && !withReplaced.has(id)),
  };
}

/** The `candidates` that depend, directly or through each other, on one of `roots` in `graph`. */
function builtOn(graph: ResourceGraph, roots: ReadonlySet<string>, candidates: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (let grew = true; grew; ) {
    grew = false;
    for (const node of graph.nodes) {
      if (!candidates.has(node.id) || found.has(node.id)) continue;
      if (!node.dependsOn.some((d) => roots.has(d) || found.has(d))) continue;
      found.add(node.id);
      grew = true;
    }
  }
  return found;
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
