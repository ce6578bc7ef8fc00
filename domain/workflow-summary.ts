/**
 * The fixed one-line summary of a workflow run cellbridge starts (a mesh's, a CA rotation's,
 * a drill's), which the Temporal
 * Web UI shows under the workflow's name and the CLI in `temporal workflow describe`:
 * what the run does to which mesh, in words, so a list of runs reads without opening
 * each one's input (which is encrypted, and shown only to a viewer with the codec key).
 * Nothing secret: names, regions, versions.
 */
import type { MeshSpec } from './mesh-spec.ts';
import type { RotationKind } from './rotation.ts';

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

type Cells = Pick<MeshSpec, 'name' | 'cells'>;

const cellList = (spec: Cells) => spec.cells.map((c) => `${c.name} (${c.cloud === 'aws' ? 'EKS' : 'AKS'})`).join(', ');

/** A CA rotation, started on demand through the API, by the mesh's rotation schedule, or by the mesh after a change of its root's key type. */
export function rotationWorkflowSummary(kind: RotationKind, spec: Cells & { pki?: Pick<MeshSpec['pki'], 'keyType'> }, startedBy: 'api' | 'schedule' | 'change'): string {
  const how = kind === 'intermediate' ? 'one cell at a time' : 'three phases, each in every cell';
  const what = startedBy === 'change' ? `${kind} CA rotation of mesh ${spec.name} to a new ${spec.pki?.keyType.replace('_', ' ')} root, after a change` : `${startedBy === 'schedule' ? 'scheduled ' : ''}${kind} CA rotation of mesh ${spec.name}`;
  return [what, `cells ${cellList(spec)}, ${how}`].join(' · ');
}

/** A failover drill: which cell is cut, and where its requests should go meanwhile. */
export function drillWorkflowSummary(spec: Cells, cell: string): string {
  const cut = spec.cells.find((c) => c.name === cell);
  const others = spec.cells.filter((c) => c.name !== cell).map((c) => c.name);
  return [
    `failover drill of mesh ${spec.name}`,
    `cut ${cut ? `${cut.cloud === 'aws' ? 'AWS' : 'Azure'} ` : ''}cell ${cell}, fail over to ${others.join(', ')} and back`,
  ].join(' · ');
}
