/**
 * AWS has no client tokens on most of the backbone's creates, so a resource's identity is
 * a pair of tags: the mesh and the graph node that owns it (docs/domain-rules.md, "AWS
 * side").
 */
import type { Filter, Tag, TagSpecification } from '@aws-sdk/client-ec2';
import type { MeshScope } from '../../domain/backbone-graph.ts';

import { MESH_TAG, NODE_TAG } from '../ownership.ts';

export { MESH_TAG, NODE_TAG };

export function tagSpecifications(resourceType: string, scope: MeshScope, node: string, name: string): TagSpecification[] {
  return [
    {
      ResourceType: resourceType as TagSpecification['ResourceType'],
      Tags: [
        { Key: 'Name', Value: name },
        { Key: MESH_TAG, Value: scope.mesh },
        { Key: NODE_TAG, Value: node },
      ],
    },
  ];
}

/** The mesh's half of the identity: a listing of every resource of the mesh, of one kind. */
export function meshFilters(scope: MeshScope): Filter[] {
  return [{ Name: `tag:${MESH_TAG}`, Values: [scope.mesh] }];
}

export function identityFilters(scope: MeshScope, node: string): Filter[] {
  return [...meshFilters(scope), { Name: `tag:${NODE_TAG}`, Values: [node] }];
}

/** The node's half, for a resource picked out of a listing by meshFilters. */
export function isNode(tags: Tag[] | undefined, node: string): boolean {
  return tags?.some((t) => t.Key === NODE_TAG && t.Value === node) ?? false;
}
