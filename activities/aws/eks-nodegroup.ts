/** The cell's managed node group: one pool of `count` nodes of the spec's instance type. */
import { CreateNodegroupCommand, DeleteNodegroupCommand, DescribeNodegroupCommand, UpdateNodegroupConfigCommand, type Nodegroup } from '@aws-sdk/client-eks';
import type { ClusterParams } from '../../domain/cluster-graph.ts';
import { nodegroupDrift, nodegroupParameters, nodegroupResized } from '../../domain/nodegroup-parameters.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { absentIfNotFound, tolerating } from '../cloud-errors.ts';
import { dependency, ready, type Phase, type ResourceHandler } from '../resource-handler.ts';
import { byMeshTag, RENAME_CELL } from '../ownership.ts';
import { awaitingRolePropagation } from './role-propagation.ts';
import { MESH_TAG, NODE_TAG } from './tags.ts';

type Params = ClusterParams['aws.eksNodegroup'];

export function eksNodegroupHandler(clients: CloudClients): ResourceHandler<Params, Nodegroup> {
  const eks = (p: Params) => clients.eks(p.scope.aws.region);
  return {
    describe: ({ params }) => absentIfNotFound(async () => (await eks(params).send(new DescribeNodegroupCommand({ clusterName: params.clusterName, nodegroupName: params.name }))).nodegroup),
    async create({ id, params }, outputs) {
      const nodeRole = dependency(outputs, params.roleNode).cloudId;
      // EKS answers the group it made (CREATING, with its tags), which the engine takes for its first describe; a repeated create, nothing.
      const made = await awaitingRolePropagation(clients, nodeRole, () => tolerating('ResourceInUseException', () => eks(params).send(new CreateNodegroupCommand({
          clusterName: params.clusterName,
          nodegroupName: params.name,
          nodeRole,
          subnets: params.subnetNodes.map((n) => dependency(outputs, n).cloudId),
          ...nodegroupParameters(params),
          amiType: 'AL2023_x86_64_STANDARD',
          capacityType: 'ON_DEMAND',
          tags: { [MESH_TAG]: params.scope.mesh, [NODE_TAG]: id },
        }))));
      return made?.nodegroup;
    },
    // Only the size changes in place (the plan replaces a group for anything else); asked only when it differs, so a retry is a no-op.
    async update(group, { params }) {
      if (!nodegroupResized(params, group)) return;
      await eks(params).send(new UpdateNodegroupConfigCommand({ clusterName: params.clusterName, nodegroupName: params.name, scalingConfig: nodegroupParameters(params).scalingConfig }));
    },
    phase: (group) => nodegroupPhase(group),
    drift: async (group, { params }) => nodegroupDrift(params, group),
    output: (group) => ({
      cloudId: group.nodegroupArn ?? '',
      state: group.status ?? 'UNKNOWN',
      attributes: { name: group.nodegroupName ?? '', desiredSize: String(group.scalingConfig?.desiredSize ?? ''), instanceType: group.instanceTypes?.[0] ?? '' },
    }),
    async delete(_group, { params }) {
      await eks(params).send(new DeleteNodegroupCommand({ clusterName: params.clusterName, nodegroupName: params.name }));
    },
    ownership: (group, { params }) => byMeshTag(params.scope, group.tags?.[MESH_TAG], `node group ${params.name} of EKS cluster ${params.clusterName}`, RENAME_CELL),
  };
}

function nodegroupPhase(group: Nodegroup): Phase {
  const issues = () => (group.health?.issues ?? []).map((i) => `${i.code}: ${i.message}`).join('; ');
  switch (group.status) {
    case 'ACTIVE':
      return ready();
    case 'DELETING':
      return { is: 'deleting' };
    case 'CREATE_FAILED':
    case 'DELETE_FAILED':
    case 'DEGRADED':
      return { is: 'failed', reason: `node group ${group.nodegroupName} is ${group.status}${issues() ? ` (${issues()})` : ''}` };
    default:
      return { is: 'busy', detail: group.status ?? 'UNKNOWN' };
  }
}
