/**
 * Every cell's API server answers the orchestrator, with credentials obtained the way
 * the cloud requires (EKS token, AKS admin kubeconfig) inside the activity. Only the
 * server URL and namespace names come back; tokens and kubeconfigs stay in the worker.
 * With `until`, a probe that fails (after the activity's own retries) is tried again
 * until that deadline, the BGP deadline it runs beside: an API server that does not answer
 * for a while right after its cluster came up is not a reason to roll a mesh back.
 */
import { ActivityFailure, sleep } from '@temporalio/workflow';
import type { MeshScope } from '../domain/backbone-graph.ts';
import { clusterRef } from '../domain/cluster-graph.ts';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import type { MeshState } from './mesh-state.ts';
import type { ResourceCalls } from './resource-activities.ts';

export interface ProbePatience {
  /** Workflow time (ms) after which a failed probe fails the verification. */
  deadlineMs: number;
  /** Wait between failed probes. */
  pollMs: number;
}

export async function verifyClusterAccess(spec: MeshSpec, scope: MeshScope, calls: ResourceCalls, state: MeshState, until?: ProbePatience): Promise<void> {
  await Promise.all(
    (spec.cells ?? []).map(async (cell) => {
      for (;;) {
        try {
          const access = await calls.probeClusterAccess(clusterRef(scope, cell));
          state.setClusterAccess(cell.name, { server: access.server, namespaces: access.namespaces });
          return;
        } catch (error) {
          if (!until || !(error instanceof ActivityFailure) || Date.now() >= until.deadlineMs) throw error;
          await sleep(Math.min(until.pollMs, Math.max(1, until.deadlineMs - Date.now())));
        }
      }
    }),
  );
}
