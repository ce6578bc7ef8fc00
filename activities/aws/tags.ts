/**
 * AWS has no client tokens on most of the backbone's creates, so a resource's identity is
 * a pair of tags: the mesh and the graph node that owns it (docs/domain-rules.md, "AWS
 * side").
 */
import type { Filter, TagSpecification } from '@aws-sdk/client-ec2';
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

export function identityFilters(scope: MeshScope, node: string): Filter[] {
  return [
    { Name: `tag:${MESH_TAG}`, Values: [scope.mesh] },
    { Name: `tag:${NODE_TAG}`, Values: [node] },
  ];
}
