/**
 * The engine's in-place update (a change to a live mesh, or its rollback): it waits out an
 * operation in flight, sends the kind's update once and waits for the resource to be ready
 * again; a resource gone is created; a kind without an update is refused, not recreated.
 * Temporal's mock activity context; the handlers are stand-ins at the activity boundary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ResourceEngine } from '../../activities/engine.ts';
import type { Phase, ResourceHandler } from '../../activities/resource-handler.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';

interface Group {
  size: number;
  status: 'ACTIVE' | 'UPDATING';
}
const node = (count: number): ResourceNode<string, { count: number }> => ({ id: 'aws/eks-nodegroup/east', kind: 'aws.eksNodegroup', params: { count }, dependsOn: [] });
const engine = () => new ResourceEngine({ initialMs: 5, maxMs: 20, factor: 1.5 });
const run = <T>(fn: () => Promise<T>) => new MockActivityEnvironment().run(fn) as Promise<T>;

/** A node group that is UPDATING for `busyReads` describes after each write (and at first, if `busyAtStart`). */
function nodegroup(state: { group?: Group; busyReads: number; calls: string[] }): ResourceHandler<{ count: number }, Group> {
  const busyFor = (reads: number) => () => (reads-- > 0 ? 'UPDATING' : 'ACTIVE');
  let status = busyFor(state.busyReads);
  return {
    describe: async () => (state.group ? { ...state.group, status: status() } : undefined),
    create: async ({ params }) => {
      state.calls.push(`create ${params.count}`);
      state.group = { size: params.count, status: 'ACTIVE' };
    },
    update: async (observed, { params }, previous) => {
      state.calls.push(`update ${previous.params.count}→${params.count} (seen ${observed.size}, ${observed.status})`);
      state.group = { size: params.count, status: 'ACTIVE' };
      status = busyFor(2);
    },
    phase: (g): Phase => (g.status === 'ACTIVE' ? { is: 'ready' } : { is: 'busy', detail: g.status }),
    output: (g) => ({ cloudId: 'arn:nodegroup/east', state: g.status, attributes: { desiredSize: String(g.size) } }),
    delete: async () => {},
  };
}

test('an update waits out an operation in flight, is sent once, and returns once the resource is ready again', async () => {
  const state = { group: { size: 2, status: 'ACTIVE' as const }, busyReads: 3, calls: [] as string[] };
  const output = await run(() => engine().update(nodegroup(state), node(3), node(2), {}));
  assert.deepEqual(state.calls, ['update 2→3 (seen 2, ACTIVE)'], 'sent once, after the group was no longer UPDATING');
  assert.deepEqual(output, { cloudId: 'arn:nodegroup/east', state: 'ACTIVE', attributes: { desiredSize: '3' } });
});

test('a resource that is gone is created with the new params instead', async () => {
  const state = { busyReads: 0, calls: [] as string[] };
  const output = await run(() => engine().update(nodegroup(state), node(3), node(2), {}));
  assert.deepEqual(state.calls, ['create 3']);
  assert.equal(output.attributes?.desiredSize, '3');
});

test('a kind without an update is refused without retries, and nothing is written', async () => {
  const state = { group: { size: 2, status: 'ACTIVE' as const }, busyReads: 0, calls: [] as string[] };
  const { update: _none, ...withoutUpdate } = nodegroup(state);
  await assert.rejects(run(() => engine().update(withoutUpdate, node(3), node(2), {})), (error: unknown) => {
    assert.ok(error instanceof ApplicationFailure);
    assert.deepEqual([error.type, error.nonRetryable, error.message], ['UpdateNotSupported', true, 'aws/eks-nodegroup/east: aws.eksNodegroup cannot be updated in place yet']);
    return true;
  });
  assert.deepEqual(state.calls, []);
});

test('an update attempt started while an earlier attempt of the same update still runs in this worker (stalled past its heartbeat timeout) waits for it: the two writes never overlap', async () => {
  const calls: string[] = [];
  let group: Group = { size: 2, status: 'ACTIVE' };
  let writes = 0;
  const handler: ResourceHandler<{ count: number }, Group> = {
    ...nodegroup({ group, busyReads: 0, calls: [] }),
    describe: async () => group,
    update: async (_observed, { params }) => {
      const n = ++writes;
      calls.push(`update ${n} sent`);
      await new Promise((resolve) => setTimeout(resolve, 150));
      group = { size: params.count, status: 'ACTIVE' };
      calls.push(`update ${n} done`);
    },
  };
  const attempt = (n: number) => new MockActivityEnvironment({ attempt: n, workflowExecution: { workflowId: 'mesh-demo', runId: 'run-1' } });
  const stalled = attempt(1).run(() => engine().update(handler, node(3), node(2), {}));
  await new Promise((resolve) => setTimeout(resolve, 30));
  const retried = attempt(2).run(() => engine().update(handler, node(3), node(2), {}));
  await Promise.all([stalled, retried]);
  assert.deepEqual(calls, ['update 1 sent', 'update 1 done', 'update 2 sent', 'update 2 done']);
});
