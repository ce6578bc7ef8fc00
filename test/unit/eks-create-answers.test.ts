/**
 * An EKS cluster and node group are taken as their creates answered them (CREATING, with the
 * mesh's tags): the engine polls on from that answer, with no describe at once after the create;
 * a create EKS refuses as already in use answers nothing, and the describe loop finds the
 * resource. The EKS client is a stand-in that makes the resource ACTIVE 50 ms after its create
 * and counts describes; the engine's first poll comes after 100 ms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CreateClusterCommand, CreateNodegroupCommand, DescribeClusterCommand, DescribeNodegroupCommand, ResourceInUseException, ResourceNotFoundException } from '@aws-sdk/client-eks';
import { MockActivityEnvironment } from '@temporalio/testing';
import { eksClusterHandler } from '../../activities/aws/eks-cluster.ts';
import { eksNodegroupHandler } from '../../activities/aws/eks-nodegroup.ts';
import { MESH_TAG } from '../../activities/aws/tags.ts';
import type { CloudClients } from '../../activities/cloud-clients.ts';
import { ResourceEngine } from '../../activities/engine.ts';
import type { ResourceHandler } from '../../activities/resource-handler.ts';
import type { MeshScope } from '../../domain/backbone-graph.ts';
import type { ResourceNode, ResourceOutput } from '../../domain/resource-graph.ts';

const scope: MeshScope = { mesh: 'answers', aws: { region: 'us-east-1' }, azure: { subscriptionId: 's', resourceGroup: 'g', location: 'eastus' } };
const engine = new ResourceEngine({ initialMs: 100, maxMs: 200, factor: 1.5 });
const outputs: Record<string, ResourceOutput> = {
  'aws/iam-role/east/cluster': { cloudId: 'arn:aws:iam::123456789012:role/cluster', state: 'available' },
  'aws/iam-role/east/node': { cloudId: 'arn:aws:iam::123456789012:role/node', state: 'available' },
  'aws/subnet/0': { cloudId: 'subnet-0', state: 'available' },
};
const clusterNode = {
  id: 'aws/eks-cluster/east', kind: 'aws.eksCluster', dependsOn: [],
  params: { scope, name: 'answers-east', cell: 'east', kubernetesVersion: '1.33', roleNode: 'aws/iam-role/east/cluster', subnetNodes: ['aws/subnet/0'], serviceCidr: '172.20.0.0/16' },
};
const groupNode = {
  id: 'aws/eks-nodegroup/east', kind: 'aws.eksNodegroup', dependsOn: [],
  params: { scope, name: 'answers-east-nodes', clusterName: 'answers-east', clusterNode: 'aws/eks-cluster/east', roleNode: 'aws/iam-role/east/node', subnetNodes: ['aws/subnet/0'], count: 2, instanceType: 'm6i.large' },
};

/** A stand-in EKS: `existing` resources are already there (ACTIVE); a created one is CREATING for 50 ms. */
function eks(existing = false) {
  let createdAt = existing ? 0 : undefined;
  let describes = 0;
  const status = () => (Date.now() - createdAt! >= 50 ? 'ACTIVE' : 'CREATING');
  const cluster = () => ({ name: clusterNode.params.name, arn: 'arn:aws:eks:us-east-1:123456789012:cluster/answers-east', status: status(), tags: { [MESH_TAG]: scope.mesh } });
  const group = () => ({ nodegroupName: groupNode.params.name, nodegroupArn: 'arn:aws:eks:us-east-1:123456789012:nodegroup/answers-east/nodes', status: status(), tags: { [MESH_TAG]: scope.mesh } });
  const send = async (command: unknown) => {
    if (command instanceof DescribeClusterCommand || command instanceof DescribeNodegroupCommand) {
      describes++;
      if (createdAt === undefined) throw new ResourceNotFoundException({ message: 'not found', $metadata: {} });
      return command instanceof DescribeClusterCommand ? { cluster: cluster() } : { nodegroup: group() };
    }
    if (command instanceof CreateClusterCommand || command instanceof CreateNodegroupCommand) {
      if (createdAt !== undefined) throw new ResourceInUseException({ message: 'in use', $metadata: {} });
      createdAt = Date.now();
      return command instanceof CreateClusterCommand ? { cluster: cluster() } : { nodegroup: group() };
    }
    throw new Error(`unexpected ${(command as object).constructor.name}`);
  };
  return { clients: { eks: () => ({ send }) } as unknown as CloudClients, describes: () => describes };
}

const ensure = (handler: ResourceHandler<never, unknown>, node: object) =>
  new MockActivityEnvironment().run(() => engine.ensure(handler, node as ResourceNode<string, never>, outputs)) as Promise<ResourceOutput>;

for (const [kind, make, node] of [['an EKS cluster', eksClusterHandler, clusterNode], ['a node group', eksNodegroupHandler, groupNode]] as const) {
  test(`${kind} made by its create is polled from the create's answer: the lookup and one poll, no describe at once`, async () => {
    const cloud = eks();
    const output = await ensure(make(cloud.clients) as ResourceHandler<never, unknown>, node);
    assert.equal(output.state, 'ACTIVE');
    assert.equal(cloud.describes(), 2);
  });

  test(`${kind} create refused as already in use answers nothing, and a describe finds it`, async () => {
    const cloud = eks(true);
    const handler = make(cloud.clients) as ResourceHandler<never, unknown>;
    assert.equal(await handler.create(node as unknown as ResourceNode<string, never>, outputs, new AbortController().signal), undefined);
  });
}
