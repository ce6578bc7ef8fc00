/** The whole mesh as one resource graph: the backbone, the cells and Istio, provisioned together. */
import { backboneGraph, meshScope, type BackboneNode } from './backbone-graph.ts';
import { clusterGraph, type ClusterNode } from './cluster-graph.ts';
import { istioGraph, type IstioNode } from './istio-graph.ts';
import type { MeshSpec } from './mesh-spec.ts';

export type MeshNode = BackboneNode | ClusterNode | IstioNode;

export function meshGraph(spec: MeshSpec): { nodes: MeshNode[] } {
  const scope = meshScope(spec);
  return { nodes: [...backboneGraph(spec).nodes, ...clusterGraph(spec, scope), ...istioGraph(spec, scope)] };
}
