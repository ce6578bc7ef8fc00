/** The whole mesh as one resource graph: the backbone, the cells and Istio, provisioned together. */
import { backboneGraph, meshScope, type BackboneNode } from './backbone-graph.ts';
import { clusterGraph, type ClusterNode } from './cluster-graph.ts';
import { istioGraph, type IstioNode } from './istio-graph.ts';
import type { MeshSpec } from './mesh-spec.ts';
import type { NamingVersion } from './names.ts';

export type MeshNode = BackboneNode | ClusterNode | IstioNode;

/** `naming`: the names the mesh was built with (names.ts), so a teardown finds what its provisioning made. */
export function meshGraph(spec: MeshSpec, naming: NamingVersion): { nodes: MeshNode[] } {
  const scope = meshScope(spec, naming);
  return { nodes: [...backboneGraph(spec, scope).nodes, ...clusterGraph(spec, scope), ...istioGraph(spec, scope)] };
}
