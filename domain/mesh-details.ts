/**
 * The mesh workflow's current details, which the Temporal Web UI shows (as Markdown) on
 * the run's *User Metadata* tab: the phase, how many resources are ready, each tunnel's
 * BGP state, each cell, the last verification, a change, what was left behind and the
 * last drift check — the gist of `GET /v1/meshes/{name}`, so an operator watching the UI
 * sees where the mesh stands without a terminal. IDs, addresses and states only: nothing
 * in a status is secret (README "Secrets").
 */
import { driftDetails } from './drift.ts';
import type { MeshStatus } from './mesh-status.ts';

export function meshDetails(status: MeshStatus): string {
  const ready = status.resources.filter((r) => r.state === 'ready').length;
  const lines = [`**${status.phase}** · ${ready} of ${status.resources.length} resources ready`];
  if (status.error) lines.push(`Error: ${status.error}`);
  if (status.tunnels.length > 0) {
    const up = status.tunnels.filter((t) => t.established).length;
    lines.push('', `Tunnels (${up} of ${status.tunnels.length} BGP established):`);
    for (const t of status.tunnels) {
      lines.push(`- ${t.index} ${t.insideCidr}: ${t.established ? 'established' : 'not established'} · AWS ${t.aws.status}, ${t.aws.acceptedRoutes} routes · Azure ${t.azure.state}, ${t.azure.routesReceived} routes`);
    }
  }
  if (status.clusters.length > 0) {
    lines.push('', 'Cells:');
    for (const c of status.clusters) {
      lines.push(`- ${c.cell}: ${c.cloud === 'aws' ? 'EKS' : 'AKS'} ${c.name} ${c.state} · ${c.nodePool.count} × ${c.nodePool.size} ${c.nodePool.state} · network ${c.network}`);
    }
  }
  if (status.verification) {
    const passed = status.verification.checks.filter((c) => c.pass).length;
    lines.push('', `Verification ${status.verification.passed ? 'passed' : 'failed'}: ${passed} of ${status.verification.checks.length} checks at ${status.verification.checkedAt}`);
  }
  if (status.change) lines.push('', `Change ${status.change.changeId}: ${status.change.state}, ${status.change.progress.done} of ${status.change.progress.total} steps${status.change.error ? ` (${status.change.error})` : ''}`);
  const root = status.change?.rootRotation;
  if (root) lines.push(`Then a root rotation to a new ${root.keyType} root: ${root.state}${root.rotationId ? ` · ${root.rotationId}` : ''}${root.error ? ` (${root.error})` : ''}`);
  if (status.cleanupFailures.length > 0) {
    lines.push('', `Left behind (${status.cleanupFailures.length}):`);
    for (const f of status.cleanupFailures) lines.push(`- ${f.resource}: ${f.error}`);
  }
  if (status.drift?.last) lines.push('', driftDetails(status.drift.last));
  return lines.join('\n');
}
