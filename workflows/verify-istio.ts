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
import { evaluateVerification, type ClusterFacts } from '../domain/verification.ts';
import type { MeshState } from './mesh-state.ts';
import { VERIFY_EAST_WEST_ROUTABLE_PATCH } from './patches.ts';
import type { ResourceCalls } from './resource-activities.ts';
import { errorMessage } from './saga.ts';

/** True when every check passes (and trivially for a mesh without cells). */
export async function verifyIstio(spec: MeshSpec, scope: MeshScope, calls: ResourceCalls, state: MeshState): Promise<boolean> {
  const cells = spec.cells ?? [];
  if (cells.length === 0) return true;
  const refs = cells.map((cell) => clusterRef(scope, cell));
  const namespaces = [...new Set([ISTIO_NAMESPACE, ...spec.trafficPolicies.map((p) => p.namespace)])];
  const learned = patched(VERIFY_EAST_WEST_ROUTABLE_PATCH)
    ? calls.observeLearnedRoutes({ scope, gatewayName: backboneNames(spec.name).vpnGateway, tunnels: planTunnels(spec.backbone.tunnelInsideCidrs) })
      .catch((error: unknown) => ({ error: errorMessage(error) }))
    : undefined;
  const results = await Promise.allSettled(
    cells.map((cell, i) => calls.inspectIstio({ cluster: refs[i]!, network: cell.network, rootSecret: rootSecretOf(spec), peers: refs.filter((r) => r.cell !== cell.name), namespaces, dataplane: spec.istio.dataplane })),
  );
  const facts = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : [])) as ClusterFacts[];
  const uninspected = results.flatMap((r, i) => (r.status === 'rejected' ? [{ cell: cells[i]!.name, error: errorMessage(r.reason) }] : []));
  const report = evaluateVerification(spec, facts, uninspected, new Date(), await learned);
  state.setVerification(report);
  return report.passed;
}
