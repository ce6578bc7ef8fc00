/**
 * Verification of the Istio mesh: every cell inspected in parallel, beside what each
 * cloud learned over BGP, then one verdict over all of them (domain/verification.ts). A
 * cell that cannot be inspected, or routes that cannot be read, are failed checks, not a
 * crashed workflow: the mesh is then Degraded, and still deletable.
 */
import { patched } from '@temporalio/workflow';
import { planTunnels } from '../domain/apipa-plan.ts';
import type { MeshScope } from '../domain/backbone-graph.ts';
import { clusterRef } from '../domain/cluster-graph.ts';
import { rootSecretOf } from '../domain/istio-graph.ts';
import { ISTIO_NAMESPACE } from '../domain/istio-install.ts';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import { backboneNames } from '../domain/names.ts';
import type { LearnedRoutes } from '../domain/east-west-routable.ts';
import { evaluateVerification, type ClusterFacts } from '../domain/verification.ts';
import type { MeshState } from './mesh-state.ts';
import { VERIFY_EAST_WEST_ROUTABLE_PATCH } from './patches.ts';
import type { ResourceCalls } from './resource-activities.ts';
import { errorMessage } from './saga.ts';

/** True when every check passes (and trivially for a mesh without cells). */
export async function verifyIstio(spec: MeshSpec, scope: MeshScope, calls: ResourceCalls, state: MeshState): Promise<boolean> {
  if ((spec.cells ?? []).length === 0) return true;
  const learned = observeLearnedRoutes(spec, scope, calls);
  const inspection = await inspectCells(spec, scope, calls);
  return judge(spec, state, inspection, await learned);
}

/** What every cell's inspection found, and the cells whose inspection failed. Never rejects: a failed inspection is a failed check. */
export interface Inspection {
  facts: ClusterFacts[];
  uninspected: { cell: string; error: string }[];
}

export async function inspectCells(spec: MeshSpec, scope: MeshScope, calls: ResourceCalls): Promise<Inspection> {
  const cells = spec.cells ?? [];
  const refs = cells.map((cell) => clusterRef(scope, cell));
  const namespaces = [...new Set([ISTIO_NAMESPACE, ...spec.trafficPolicies.map((p) => p.namespace)])];
  const results = await Promise.allSettled(
    cells.map((cell, i) => calls.inspectIstio({ cluster: refs[i]!, network: cell.network, rootSecret: rootSecretOf(spec), peers: refs.filter((r) => r.cell !== cell.name), namespaces, dataplane: spec.istio.dataplane })),
  );
  return {
    facts: results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])) as ClusterFacts[],
    uninspected: results.flatMap((r, i) => (r.status === 'rejected' ? [{ cell: cells[i]!.name, error: errorMessage(r.reason) }] : [])),
  };
}

/** What each cloud learned over BGP, or why it could not be read; nothing in runs from before it was observed. */
export function observeLearnedRoutes(spec: MeshSpec, scope: MeshScope, calls: ResourceCalls): Promise<LearnedRoutes | { error: string }> | undefined {
  if (!patched(VERIFY_EAST_WEST_ROUTABLE_PATCH)) return undefined;
  return calls.observeLearnedRoutes({ scope, gatewayName: backboneNames(spec.name).vpnGateway, tunnels: planTunnels(spec.backbone.tunnelInsideCidrs) })
    .catch((error: unknown) => ({ error: errorMessage(error) }));
}

/** The verdict, judged now, recorded in the mesh's status. */
export function judge(spec: MeshSpec, state: MeshState, inspection: Inspection, learned: LearnedRoutes | { error: string } | undefined): boolean {
  const report = evaluateVerification(spec, inspection.facts, inspection.uninspected, new Date(), learned);
  state.setVerification(report);
  return report.passed;
}
