/** The whole mesh as one resource graph: the backbone and the cells, provisioned together. */
import { backboneGraph, meshScope, type BackboneNode } from './backbone-graph.ts';
import { clusterGraph, type ClusterNode } from './cluster-graph.ts';
import type { MeshSpec } from './mesh-spec.ts';

export type MeshNode = BackboneNode | ClusterNode;

export function meshGraph(spec: MeshSpec): { nodes: MeshNode[] } {
  return { nodes: [...backboneGraph(spec).nodes, ...clusterGraph(spec, meshScope(spec))] };
}
