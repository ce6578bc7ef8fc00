/**
 * Whose a resource found by name is. cellbridge runs on shared accounts: a resource of
 * the name it would create may belong to another mesh or to another tool. Only what
 * carries this mesh's name as the value of its ownership tag is adopted and deleted; a
 * resource the user gave by reference is used and never deleted; anything else stops
 * the run, named, before it is touched (docs/naming.md).
 */
import type { MeshScope } from '../domain/backbone-graph.ts';

export const MESH_TAG = 'cellbridge:mesh';
export const NODE_TAG = 'cellbridge:resource';

export type Ownership =
  | { is: 'ours' }
  /** The user's, given in the spec by reference (an existing VPC, their own root CA). */
  | { is: 'referenced' }
  | { is: 'foreign'; reason: string };

/**
 * `what` names the resource as a person would look for it ("IAM role x"), `remedy` says
 * what the user can change to get out of the way.
 */
export function byMeshTag(scope: MeshScope, tagValue: string | undefined, what: string, remedy: string): Ownership {
  if (tagValue === scope.mesh) return { is: 'ours' };
  const owner = tagValue === undefined ? `it has no ${MESH_TAG} tag` : `its ${MESH_TAG} tag says "${tagValue}"`;
  return { is: 'foreign', reason: `${what} already exists and does not belong to mesh ${scope.mesh} (${owner}); cellbridge never adopts or deletes a resource it did not create for this mesh: ${remedy}` };
}

export const RENAME_CELL = 'delete or rename it, or use another mesh or cell name';
