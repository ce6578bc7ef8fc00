/**
 * The fixed one-line summary of a mesh workflow run the API starts, which the Temporal
 * Web UI shows under the workflow's name and the CLI in `temporal workflow describe`:
 * what the run does to which mesh, in words, so a list of runs reads without opening
 * each one's input (which is encrypted, and shown only to a viewer with the codec key).
 * Nothing secret: names, regions, versions.
 */
import type { MeshSpec } from './mesh-spec.ts';

export type MeshWorkflowKind = 'provisionMesh' | 'teardownMesh';

const VERB: Readonly<Record<MeshWorkflowKind, string>> = { provisionMesh: 'provision', teardownMesh: 'tear down' };

export function meshWorkflowSummary(kind: MeshWorkflowKind, spec: Pick<MeshSpec, 'name' | 'aws' | 'azure' | 'cells' | 'istio' | 'backbone'>): string {
  const parts = [
    `${VERB[kind]} mesh ${spec.name}`,
    `AWS ${spec.aws.region} ↔ Azure ${spec.azure.location}, ${spec.backbone.tunnelInsideCidrs.length} BGP tunnels`,
  ];
  if (spec.cells.length > 0) {
    parts.push(`cells ${spec.cells.map((c) => `${c.name} (${c.cloud === 'aws' ? 'EKS' : 'AKS'} ${c.kubernetesVersion})`).join(', ')}`);
    parts.push(`Istio ${spec.istio.version}`);
  }
  return parts.join(' · ');
}
