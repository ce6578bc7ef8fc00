/**
 * A worker that stalls past the heartbeat timeout (a starved CPU, a long pause) gets the
 * next attempt of its activity from Temporal while the stalled attempt still runs in the
 * same process. Seen in a kill-free proving-ground run on a loaded machine: both attempts
 * of createAwsVpc and createAwsTransitGateway found nothing and both created, leaving two
 * VPCs and two Transit Gateways carrying one identity. Temporal's mock activity context;
 * the handler is a stand-in at the activity boundary whose store is the cloud.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ResourceEngine } from '../../activities/engine.ts';
import type { ResourceHandler } from '../../activities/resource-handler.ts';
import type { ResourceNode, ResourceOutput } from '../../domain/resource-graph.ts';

const node: ResourceNode = { id: 'aws/vpc', kind: 'aws.vpc', params: {}, dependsOn: [] };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const attempt = (n: number, activityId = '2') =>
  new MockActivityEnvironment({ attempt: n, activityId, workflowExecution: { workflowId: 'mesh-demo', runId: 'run-1' } });

/** A cloud without idempotency tokens: every create makes a copy; the first describe of a stalled attempt answers what it saw before the stall. */
function cloud() {
  const copies: string[] = [];
  let stallNext = true;
  const handler: ResourceHandler<unknown, { id: string }> = {
    describe: async () => {
      const seen = copies[0];
      if (stallNext) {
        stallNext = false;
        await sleep(300);
      }
      return seen === undefined ? undefined : { id: seen };
    },
    create: async () => {
      copies.push(`vpc-${copies.length + 1}`);
    },
    phase: () => ({ is: 'ready' }),
    output: (vpc) => ({ cloudId: vpc.id, state: 'available' }),
    delete: async () => {},
  };
  return { copies, handler };
}

test('an attempt started while an earlier attempt of the same activity still runs in this worker (stalled past its heartbeat timeout) creates nothing twice: both answer the one copy', async () => {
  const { copies, handler } = cloud();
  const engine = new ResourceEngine({ initialMs: 10, maxMs: 50, factor: 1.5 });
  const stalled = attempt(1).run(() => engine.ensure(handler, node, {})) as Promise<ResourceOutput>;
  await sleep(50);
  const retried = attempt(2).run(() => engine.ensure(handler, node, {})) as Promise<ResourceOutput>;
  const [first, second] = await Promise.all([stalled, retried]);
  assert.deepEqual(copies, ['vpc-1'], 'one create');
  assert.equal(first.cloudId, 'vpc-1');
  assert.equal(second.cloudId, 'vpc-1');
});

test('attempts of different activities do not wait for each other', async () => {
  const { copies, handler } = cloud();
  const engine = new ResourceEngine({ initialMs: 10, maxMs: 50, factor: 1.5 });
  const slow = attempt(1, '2').run(() => engine.ensure(handler, node, {}));
  await sleep(50);
  // Another activity (its own ID) finds nothing and creates at once, while the first still stalls.
  const other = (await attempt(1, '3').run(() => engine.ensure(handler, node, {}))) as ResourceOutput;
  assert.equal(other.cloudId, 'vpc-1');
  assert.deepEqual(copies, ['vpc-1'], 'created before the stalled describe answered');
  await slow;
});
