/**
 * The EKS cluster in the mesh VPC's subnets, with access entries only
 * (authenticationMode API: the SDK's default is CONFIG_MAP) and no implicit admin for
 * whoever created it: the orchestrator's access is an explicit access entry.
 */
import { CreateClusterCommand, DeleteClusterCommand, DescribeClusterCommand, type Cluster } from '@aws-sdk/client-eks';
import type { ClusterParams } from '../../domain/cluster-graph.ts';
import type { CloudClients } from '../cloud-clients.ts';
import { absentIfNotFound, tolerating } from '../cloud-errors.ts';
import { dependency, ready, type Phase, type ResourceHandler } from '../resource-handler.ts';
import { byMeshTag, RENAME_CELL } from '../ownership.ts';
import { awaitingRolePropagation } from './role-propagation.ts';
import { MESH_TAG, NODE_TAG } from './tags.ts';

type Params = ClusterParams['aws.eksCluster'];

export function eksClusterHandler(clients: CloudClients): ResourceHandler<Params, Cluster> {
  const eks = (p: Params) => clients.eks(p.scope.aws.region);
  return {
    describe: ({ params }) => absentIfNotFound(async () => (await eks(params).send(new DescribeClusterCommand({ name: params.name }))).cluster),
    async create({ id, params }, outputs) {
      const roleArn = dependency(outputs, params.roleNode).cloudId;
      // EKS answers the cluster it made (CREATING, with its tags), which the engine takes for its first describe;
      // a retried create after a lost response answers nothing, and the describe loop takes it from here.
      const made = await awaitingRolePropagation(clients, roleArn, () => tolerating('ResourceInUseException', () => eks(params).send(new CreateClusterCommand({
          name: params.name,
          version: params.kubernetesVersion,
          roleArn,
          resourcesVpcConfig: {
            subnetIds: params.subnetNodes.map((n) => dependency(outputs, n).cloudId),
            endpointPrivateAccess: true,
            endpointPublicAccess: true,
          },
          kubernetesNetworkConfig: { serviceIpv4Cidr: params.serviceCidr },
          accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
          tags: { [MESH_TAG]: params.scope.mesh, [NODE_TAG]: id },
        }))));
      return made?.cluster;
    },
    phase: (cluster) => clusterPhase(cluster),
    output: (cluster) => ({
      cloudId: cluster.arn ?? '',
      state: cluster.status ?? 'UNKNOWN',
      attributes: { name: cluster.name ?? '', endpoint: cluster.endpoint ?? '', kubernetesVersion: cluster.version ?? '' },
    }),
    async delete(_cluster, { params }) {
      await eks(params).send(new DeleteClusterCommand({ name: params.name }));
    },
    ownership: (cluster, { params }) => byMeshTag(params.scope, cluster.tags?.[MESH_TAG], `EKS cluster ${params.name}`, RENAME_CELL),
  };
}

function clusterPhase(cluster: Cluster): Phase {
  switch (cluster.status) {
    case 'ACTIVE':
      return ready();
    case 'DELETING':
      return { is: 'deleting' };
    case 'FAILED': {
      const issues = (cluster.health?.issues ?? []).map((i) => `${i.code}: ${i.message}`).join('; ');
      return { is: 'failed', reason: `EKS cluster ${cluster.name} is FAILED${issues ? ` (${issues})` : ''}` };
    }
    default:
      return { is: 'busy', detail: cluster.status ?? 'UNKNOWN' };
  }
}
