/**
 * The yardsticks of a run, from the latency table and the resource graph only:
 * - the create critical path: the longest chain of dependent creates (criticalPath in
 *   domain/resource-graph.ts over meshGraph), plus BGP convergence after the last
 *   tunnel, since Ready waits for BGP on every tunnel. The connections of one VPN gateway
 *   are made one after the other: Azure (and the ARM emulator) refuses a write on a gateway
 *   while another runs (409 AnotherOperationInProgress; activities/azure/gateway-turns.ts),
 *   so no run can make them in parallel, and the model chains them;
 * - the delete critical path: the same over the reversed graph (a node is deleted only
 *   after everything that depends on it), with delete latencies;
 * - the sequential runbook: every latency one after the other.
 * All in real-world seconds; divide by the time scale for the proving ground.
 */
import { meshGraph } from '../domain/mesh-graph.ts';
import { CURRENT_NAMING } from '../domain/names.ts';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import { criticalPath, type ResourceGraph, type ResourceNode } from '../domain/resource-graph.ts';
import { BGP_CONVERGENCE, latencyOf } from './latencies.ts';
import { sum } from './stats.ts';

/** A node the graph does not have: the wait for BGP, after every Azure connection. */
export const BGP_NODE = 'bgp/converged';

export interface Path {
  seconds: number;
  chain: { id: string; kind: string; seconds: number }[];
}

export interface Yardsticks {
  create: Path;
  delete: Path;
  /** Sum of every create latency (and BGP convergence): a runbook done one step at a time. */
  sequentialCreateSeconds: number;
  sequentialDeleteSeconds: number;
  nodes: number;
}

export function yardsticks(spec: MeshSpec): Yardsticks {
  const graph = meshGraph(spec, CURRENT_NAMING) as ResourceGraph;
  const connections = graph.nodes.filter((n) => n.kind === 'azure.connection').map((n) => n.id);
  const withBgp: ResourceGraph = { nodes: [...gatewayTurns(graph).nodes, { id: BGP_NODE, kind: 'bgp', params: {}, dependsOn: connections }] };
  const createSeconds = (n: ResourceNode) => (n.kind === 'bgp' ? BGP_CONVERGENCE.seconds : latencyOf(n.kind).create);
  const deleteSeconds = (n: ResourceNode) => latencyOf(n.kind).delete;
  return {
    create: path(withBgp, createSeconds),
    delete: path(gatewayTurns(reversed(graph)), deleteSeconds),
    sequentialCreateSeconds: sum(withBgp.nodes.map(createSeconds)),
    sequentialDeleteSeconds: sum(graph.nodes.map(deleteSeconds)),
    nodes: graph.nodes.length,
  };
}

/** The time scale that makes the create critical path last `targetSeconds` on the proving ground. */
export function timeScaleFor(spec: MeshSpec, targetSeconds: number): number {
  return Math.max(1, Math.round(yardsticks(spec).create.seconds / targetSeconds));
}

function path(graph: ResourceGraph, seconds: (n: ResourceNode) => number): Path {
  const { total, chain } = criticalPath(graph, seconds);
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  return { seconds: total, chain: chain.map((id) => ({ id, kind: byId.get(id)!.kind, seconds: seconds(byId.get(id)!) })) };
}

/** Each connection of a gateway also waits for the one before it (by id): one write per gateway at a time, creates and deletes alike. */
function gatewayTurns(graph: ResourceGraph): ResourceGraph {
  const previous = new Map<string, string>();
  const turns = new Map<string, string>();
  for (const node of graph.nodes.filter((n) => n.kind === 'azure.connection').sort((a, b) => a.id.localeCompare(b.id))) {
    const gateway = (node.params as { gatewayNode: string }).gatewayNode;
    const before = previous.get(gateway);
    if (before) turns.set(node.id, before);
    previous.set(gateway, node.id);
  }
  return { nodes: graph.nodes.map((n) => (turns.has(n.id) ? { ...n, dependsOn: [...n.dependsOn, turns.get(n.id)!] } : n)) };
}

/** Edges turned around: what depended on a node must be gone before it goes. */
function reversed(graph: ResourceGraph): ResourceGraph {
  return { nodes: graph.nodes.map((n) => ({ ...n, dependsOn: graph.nodes.filter((d) => d.dependsOn.includes(n.id)).map((d) => d.id) })) };
}
