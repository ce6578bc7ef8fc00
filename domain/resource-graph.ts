/**
 * A mesh as a graph of cloud resources. Each node is a small, fully spec-derived
 * description (kind + params); edges say what must exist first. Provisioning walks the
 * graph forwards with as much parallelism as the edges allow, rollback and teardown
 * walk it backwards. Nodes carry no cloud IDs: activities find resources by their
 * deterministic identity (node ID and mesh tag), and receive the outputs of the nodes
 * they depend on.
 */

export interface ResourceNode<K extends string = string, P = unknown> {
  id: string;
  kind: K;
  params: P;
  dependsOn: string[];
}

/** What an ensure activity reports: safe to keep in history and show (never secrets). */
export interface ResourceOutput {
  cloudId: string;
  state: string;
  attributes?: Record<string, string>;
}

export type Outputs = Record<string, ResourceOutput>;

export interface ResourceGraph {
  nodes: ResourceNode[];
}

export function nodeById(graph: ResourceGraph, id: string): ResourceNode {
  const node = graph.nodes.find((n) => n.id === id);
  if (!node) throw new Error(`no node ${id} in the resource graph`);
  return node;
}

/** Nodes that depend on `id` directly. */
export function dependentsOf(graph: ResourceGraph, id: string): ResourceNode[] {
  return graph.nodes.filter((n) => n.dependsOn.includes(id));
}

/** Throws on unknown dependencies and cycles, so a wrong graph fails in unit tests, not mid-run. */
export function assertAcyclic(graph: ResourceGraph): void {
  const ids = new Set(graph.nodes.map((n) => n.id));
  for (const node of graph.nodes) {
    for (const dep of node.dependsOn) if (!ids.has(dep)) throw new Error(`${node.id} depends on unknown node ${dep}`);
  }
  const done = new Set<string>();
  let progress = true;
  while (progress) {
    progress = false;
    for (const node of graph.nodes) {
      if (!done.has(node.id) && node.dependsOn.every((d) => done.has(d))) {
        done.add(node.id);
        progress = true;
      }
    }
  }
  const stuck = graph.nodes.filter((n) => !done.has(n.id)).map((n) => n.id);
  if (stuck.length > 0) throw new Error(`dependency cycle among ${stuck.join(', ')}`);
}

/**
 * The longest chain of dependent durations: the lower bound of any schedule that
 * respects the edges, however parallel.
 */
export function criticalPath(graph: ResourceGraph, duration: (node: ResourceNode) => number): { total: number; chain: string[] } {
  const memo = new Map<string, { total: number; chain: string[] }>();
  const finish = (node: ResourceNode): { total: number; chain: string[] } => {
    const known = memo.get(node.id);
    if (known) return known;
    const longestDep = node.dependsOn
      .map((d) => finish(nodeById(graph, d)))
      .reduce((best, cur) => (cur.total > best.total ? cur : best), { total: 0, chain: [] as string[] });
    const result = { total: longestDep.total + duration(node), chain: [...longestDep.chain, node.id] };
    memo.set(node.id, result);
    return result;
  };
  return graph.nodes.map(finish).reduce((best, cur) => (cur.total > best.total ? cur : best), { total: 0, chain: [] });
}
