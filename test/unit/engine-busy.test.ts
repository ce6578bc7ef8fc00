/**
 * The engine waits out a write the cloud refused because another operation holds what it
 * needs, inside the attempt: EKS answers DeleteCluster with ResourceInUseException while
 * the cluster's node groups are still deleting. Temporal's mock activity context; the
 * handler is a stand-in at the activity boundary throwing what the EKS SDK throws.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ResourceEngine } from '../../activities/engine.ts';
import type { ResourceHandler } from '../../activities/resource-handler.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';

const node: ResourceNode = { id: 'cell/east/eks-cluster', kind: 'aws.eksCluster', params: {}, dependsOn: [] };
const inUse = () => Object.assign(new Error('Cluster has nodegroups attached'), { name: 'ResourceInUseException', $metadata: { httpStatusCode: 409 } });

test('a cluster delete answered ResourceInUseException (node groups still deleting) is repeated until EKS takes it; the delete ends deleted in one attempt', async () => {
  let refusals = 2;
  let exists = true;
  const handler: ResourceHandler<unknown, { name: string }> = {
    describe: async () => (exists ? { name: 'east' } : undefined),
    create: async () => {},
    phase: () => ({ is: 'ready' }),
    output: () => ({ cloudId: 'arn:aws:eks:us-east-1:123456789012:cluster/east', state: 'ACTIVE' }),
    delete: async () => {
      if (refusals-- > 0) throw inUse();
      exists = false;
    },
  };
  const engine = new ResourceEngine({ initialMs: 10, maxMs: 50, factor: 1.5 });
  const result = await new MockActivityEnvironment().run(() => engine.delete(handler, node));
  assert.deepEqual(result, { state: 'deleted' });
  assert.equal(refusals, -1, 'refused twice, then taken');
});
