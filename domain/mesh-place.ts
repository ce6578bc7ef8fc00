/**
 * Where a mesh lives: its AWS region, Azure subscription and Azure location. Every resource
 * is found by its name and tags within these, so a change of one would plan nothing while the
 * mesh's resources stayed where they are, out of its sight. A mesh does not move: the change
 * is refused whether or not replacement is allowed.
 */
import type { MeshSpec } from './mesh-spec.ts';
import type { Problem } from './problems.ts';

const PLACE: readonly { path: string; of: (spec: MeshSpec) => string; what: string }[] = [
  { path: '/aws/region', of: (s) => s.aws.region, what: 'AWS region' },
  { path: '/azure/subscriptionId', of: (s) => s.azure.subscriptionId, what: 'Azure subscription' },
  { path: '/azure/location', of: (s) => s.azure.location, what: 'Azure location' },
];

export function placeChanges(current: MeshSpec, next: MeshSpec): Problem[] {
  return PLACE.filter((p) => p.of(current) !== p.of(next)).map((p) => ({
    path: p.path,
    rule: 'change.same-place',
    message:
      `${p.path.slice(1).replace('/', '.')} ${p.of(current)} → ${p.of(next)}: a live mesh does not move to another ${p.what}, ` +
      `not even with allowReplace; keep ${p.of(current)}, or DELETE the mesh and POST the new spec`,
  }));
}
