/**
 * An IAM role and an EKS access entry are gone when their delete answers (DeleteRole and
 * DeleteAccessEntry return once it is done, and each identity names one resource): the engine's
 * delete reads them once, the lookup that proves them the mesh's, and not again, even while IAM's
 * reads still show the deleted role. A foreign one is still kept. The IAM and EKS clients are
 * stand-ins that count reads; the engine runs in Temporal's mock activity context.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeleteRoleCommand, DetachRolePolicyCommand, GetRoleCommand, ListAttachedRolePoliciesCommand, NoSuchEntityException } from '@aws-sdk/client-iam';
import { DeleteAccessEntryCommand, DescribeAccessEntryCommand, ListAssociatedAccessPoliciesCommand } from '@aws-sdk/client-eks';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { MockActivityEnvironment } from '@temporalio/testing';
import { CLUSTER_ADMIN_POLICY, eksAccessEntryHandler } from '../../activities/aws/eks-access-entry.ts';
import { iamRoleHandler } from '../../activities/aws/iam-role.ts';
import { MESH_TAG } from '../../activities/aws/tags.ts';
import type { CloudClients } from '../../activities/cloud-clients.ts';
import { ResourceEngine } from '../../activities/engine.ts';
import type { ResourceHandler } from '../../activities/resource-handler.ts';
import type { MeshScope } from '../../domain/backbone-graph.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';

const scope: MeshScope = { mesh: 'gone', aws: { region: 'us-east-1' }, azure: { subscriptionId: 's', resourceGroup: 'g', location: 'eastus' } };
const engine = new ResourceEngine({ initialMs: 5, maxMs: 20, factor: 1.5 });
const roleNode = { id: 'aws/iam-role/east/node', kind: 'aws.iamRole', dependsOn: [], params: { scope, name: 'gone-east-node', trustedService: 'ec2.amazonaws.com', managedPolicyArns: ['arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy'] } };
const entryNode = { id: 'aws/eks-access-entry/east', kind: 'aws.eksAccessEntry', dependsOn: [], params: { scope, clusterName: 'gone-east', clusterNode: 'aws/eks-cluster/east' } };
const deleted = (handler: ResourceHandler<never, unknown>, node: object) =>
  new MockActivityEnvironment().run(() => engine.delete(handler, node as ResourceNode<string, never>));

/** IAM whose first read after the delete still shows the deleted role (IAM is eventually consistent). */
function iam(mesh: string) {
  const reads: string[] = [];
  let deletes = 0;
  let readsAfterDelete = 0;
  const send = async (command: unknown) => {
    if (command instanceof GetRoleCommand && deletes > 0 && ++readsAfterDelete > 1) throw new NoSuchEntityException({ message: 'gone', $metadata: {} });
    if (command instanceof GetRoleCommand) return reads.push('GetRole'), { Role: { RoleName: roleNode.params.name, Arn: 'arn:aws:iam::123456789012:role/gone-east-node', Tags: [{ Key: MESH_TAG, Value: mesh }] } };
    if (command instanceof ListAttachedRolePoliciesCommand) return reads.push('ListAttachedRolePolicies'), { AttachedPolicies: [{ PolicyArn: roleNode.params.managedPolicyArns[0] }] };
    if (command instanceof DetachRolePolicyCommand) return {};
    if (command instanceof DeleteRoleCommand) return deletes++, {};
    throw new Error(`unexpected ${(command as object).constructor.name}`);
  };
  return { clients: { iam: () => ({ send }) } as unknown as CloudClients, reads, deletes: () => deletes };
}

test('an IAM role of the mesh is deleted after one lookup and not read again, though IAM still shows it for a moment', async () => {
  const cloud = iam(scope.mesh);
  assert.deepEqual(await deleted(iamRoleHandler(cloud.clients) as ResourceHandler<never, unknown>, roleNode), { state: 'deleted' });
  assert.deepEqual(cloud.reads, ['GetRole', 'ListAttachedRolePolicies']);
  assert.equal(cloud.deletes(), 1);
});

test("another owner's IAM role of the same name is kept, not deleted", async () => {
  const cloud = iam('someone-else');
  assert.deepEqual(await deleted(iamRoleHandler(cloud.clients) as ResourceHandler<never, unknown>, roleNode), { state: 'kept' });
  assert.equal(cloud.deletes(), 0);
});

test('an EKS access entry of the mesh is deleted after one lookup and not read again', async () => {
  const reads: string[] = [];
  let exists = true;
  const principalArn = 'arn:aws:iam::123456789012:role/worker';
  const send = async (command: unknown) => {
    if (command instanceof GetCallerIdentityCommand) return { Arn: principalArn };
    if (command instanceof DescribeAccessEntryCommand) {
      reads.push('DescribeAccessEntry');
      return { accessEntry: exists ? { principalArn, accessEntryArn: 'arn:aws:eks:us-east-1:123456789012:access-entry/gone-east/x', tags: { [MESH_TAG]: scope.mesh } } : undefined };
    }
    if (command instanceof ListAssociatedAccessPoliciesCommand) return reads.push('ListAssociatedAccessPolicies'), { associatedAccessPolicies: [{ policyArn: CLUSTER_ADMIN_POLICY, accessScope: { type: 'cluster' } }] };
    if (command instanceof DeleteAccessEntryCommand) return (exists = false), {};
    throw new Error(`unexpected ${(command as object).constructor.name}`);
  };
  const clients = { eks: () => ({ send }), sts: () => ({ send }) } as unknown as CloudClients;
  assert.deepEqual(await deleted(eksAccessEntryHandler(clients) as ResourceHandler<never, unknown>, entryNode), { state: 'deleted' });
  assert.deepEqual(reads, ['DescribeAccessEntry', 'ListAssociatedAccessPolicies']);
});
