/**
 * The path parameters of the API's routes, checked with the rules the spec uses: a mesh
 * name follows the spec's own `name` rule (read from the published JSON Schema, so the
 * two cannot drift), and a rotation ID is one this API or the mesh's schedule made.
 */
import meshSpecSchema from '../schema/mesh-spec.v1alpha1.schema.json' with { type: 'json' };
import { rotationWorkflowIdPrefix } from '../domain/rotation.ts';
import type { Problem } from '../domain/problems.ts';

const NAME_RULE = meshSpecSchema.properties.name;
const MESH_NAME = new RegExp(NAME_RULE.pattern);

/** What follows `rotation-<mesh>-`: `<kind>-<8 hex>` (on demand) or `scheduled-<RFC 3339 UTC>` (the schedule appends its action time). */
const PREFIX = rotationWorkflowIdPrefix('').slice(0, -1); // 'rotation-'
const ROTATION_SUFFIX = /^(?:(?:intermediate|root)-[0-9a-f]{8}|scheduled-\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/;

export function meshNameProblems(name: string): Problem[] {
  if (MESH_NAME.test(name)) return [];
  return [{ path: '{name}', rule: 'schema.pattern', message: `the mesh name in the URL must be ${NAME_RULE['x-rule']}` }];
}

/**
 * The mesh a rotation ID belongs to, or problems if it is not a rotation ID at all. The
 * mesh is read from the whole ID, never by prefix: `rotation-abc-d-…` belongs to mesh
 * `abc-d`, not to `abc`.
 */
export function rotationIdOwner(rotationId: string): { mesh: string } | { problems: Problem[] } {
  // Mesh names contain '-': try each split; a suffix never starts where a valid one's tail could, so at most one fits.
  if (rotationId.startsWith(PREFIX)) {
    for (let i = rotationId.indexOf('-', PREFIX.length); i > 0; i = rotationId.indexOf('-', i + 1)) {
      const mesh = rotationId.slice(PREFIX.length, i);
      if (MESH_NAME.test(mesh) && ROTATION_SUFFIX.test(rotationId.slice(i + 1))) return { mesh };
    }
  }
  return { problems: [{ path: '{rotationId}', rule: 'rotation.id', message: 'must be a rotation ID as returned by POST …/rotations or listed in the rotation schedule: rotation-<mesh>-<intermediate|root>-<8 hex digits>, or rotation-<mesh>-scheduled-<UTC time>' }] };
}
