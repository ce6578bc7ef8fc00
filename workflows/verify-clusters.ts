/**
 * Every cell's API server answers the orchestrator, with credentials obtained the way
 * the cloud requires (EKS token, AKS admin kubeconfig) inside the activity. Only the
 * server URL and namespace names come back; tokens and kubeconfigs stay in the worker.
 */
import type { MeshScope } from '../domain/backbone-graph.ts';
import { clusterRef } from '../domain/cluster-graph.ts';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import type { MeshState } from './mesh-state.ts';
import type { ResourceCalls } from './resource-activities.ts';

export async function verifyClusterAccess(spec: MeshSpec, scope: MeshScope, calls: ResourceCalls, state: MeshState): Promise<void> {
  await Promise.all(
    (spec.cells ?? []).map(async (cell) => {
      const access = await calls.probeClusterAccess(clusterRef(scope, cell));
      state.setClusterAccess(cell.name, { server: access.server, namespaces: access.namespaces });
    }),
  );
}
