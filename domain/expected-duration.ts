/**
 * How long the clouds take for the work a mesh's phase does: the longest chain of the
 * graph's resources at the clouds' latencies (domain/cloud-latency.ts), in real-world
 * seconds, whatever the parallelism. What `cellbridge watch` shows the elapsed time against.
 */
import { cloudLatency } from './cloud-latency.ts';
import { criticalPath, type ResourceGraph } from './resource-graph.ts';

export function expectedSeconds(graph: ResourceGraph, work: 'create' | 'delete', included: (id: string) => boolean = () => true): number {
  const kept = new Set(graph.nodes.filter((n) => included(n.id)).map((n) => n.id));
  const nodes = graph.nodes.filter((n) => kept.has(n.id)).map((n) => ({ ...n, dependsOn: n.dependsOn.filter((d) => kept.has(d)) }));
  // A chain is as long walked down (deletes) as up (creates): only the weights differ.
  return criticalPath({ nodes }, (n) => cloudLatency(n.kind)[work]).total;
}
