/**
 * The engine's delete waits out an operation in flight, and nothing else: a Helm release
 * whose pods never become ready, or that a helm which is gone left pending, must still be
 * uninstalled. The engine runs in Temporal's own mock activity context; the handler is a
 * stand-in at the activity boundary.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ResourceEngine } from '../../activities/engine.ts';
import type { Helm } from '../../activities/kube/helm.ts';
import { helmReleaseHandler, type ObservedRelease } from '../../activities/kube/helm-release.ts';
import type { Phase, ResourceHandler } from '../../activities/resource-handler.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';

const node: ResourceNode = { id: 'istio/east/east-west-gateway', kind: 'kube.helmRelease', params: {}, dependsOn: [] };

/** A resource that stays in one phase until deleted. */
function stuckIn(phase: Phase) {
  let exists = true;
  let deleteCalls = 0;
  const handler: ResourceHandler<unknown, { name: string }> = {
    describe: async () => (exists ? { name: 'release' } : undefined),
    create: async () => {},
    phase: () => phase,
    output: () => ({ cloudId: 'helm/istio-system', state: 'deployed' }),
    delete: async () => {
      deleteCalls++;
      exists = false;
    },
  };
  return { handler, deleteCalls: () => deleteCalls };
}

/** Runs a delete with a deadline; undefined if it did not finish in time. */
async function deleteWithin(handler: ResourceHandler<unknown, { name: string }>, ms: number) {
  const env = new MockActivityEnvironment();
  const engine = new ResourceEngine({ initialMs: 10, maxMs: 50, factor: 1.5 });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => (timer = setTimeout(() => { env.cancel(); resolve(undefined); }, ms)));
  try {
    return await Promise.race([env.run(() => engine.delete(handler, node)), deadline]);
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

test('a deployed Helm release whose gateway never becomes ready is uninstalled at once, not waited on', async () => {
  // The phase comes from the product's own Helm release handler, for a release as helm and the API server report it.
  const releases = helmReleaseHandler(async () => undefined, {} as Helm);
  const observed: ObservedRelease = { release: { status: 'deployed', revision: 1 } as ObservedRelease['release'], notReady: ['Deployment istio-eastwestgateway'] };
  const phase = releases.phase(observed, { ...node, params: { addressOf: 'istio-eastwestgateway' } } as Parameters<typeof releases.phase>[1]);
  const { handler, deleteCalls } = stuckIn(phase);
  assert.deepEqual(await deleteWithin(handler, 2000), { state: 'deleted' }, `phase ${JSON.stringify(phase)}`);
  assert.equal(deleteCalls(), 1);
});

test('a resource with an operation in flight (busy) is not deleted while it lasts', async () => {
  const { handler, deleteCalls } = stuckIn({ is: 'busy', detail: 'pending-install' });
  assert.equal(await deleteWithin(handler, 500), undefined);
  assert.equal(deleteCalls(), 0);
});

test('two copies found by one identity (a create that ran twice) are both deleted, one after the other', async () => {
  const copies = [{ id: 'tgw-1', state: 'available' }, { id: 'tgw-2', state: 'available' }];
  const deletes: string[] = [];
  const handler: ResourceHandler<unknown, { id: string; state: string }> = {
    // Like an EC2 describe by tags: the first copy not yet gone.
    describe: async () => copies.find((c) => c.state !== 'deleted'),
    create: async () => {},
    phase: (c) => (c.state === 'deleting' ? { is: 'deleting' } : { is: 'ready' }),
    output: (c) => ({ cloudId: c.id, state: c.state }),
    delete: async (c) => {
      deletes.push(c.id);
      c.state = 'deleting';
      setTimeout(() => (c.state = 'deleted'), 30);
    },
  };
  const env = new MockActivityEnvironment();
  const result = await env.run(() => new ResourceEngine({ initialMs: 10, maxMs: 50, factor: 1.5 }).delete(handler, node));
  assert.deepEqual(result, { state: 'deleted' });
  assert.deepEqual(deletes, ['tgw-1', 'tgw-2']);
  assert.deepEqual(copies.map((c) => c.state), ['deleted', 'deleted']);
});

test('a Helm release left "uninstalling" by an uninstall that stopped part way is uninstalled again, not waited on', async () => {
  const releases = helmReleaseHandler(async () => undefined, {} as Helm);
  const observed: ObservedRelease = { release: { status: 'uninstalling', revision: 1 } as ObservedRelease['release'], notReady: [] };
  const phase = releases.phase(observed, { ...node, params: {} } as Parameters<typeof releases.phase>[1]);
  const { handler, deleteCalls } = stuckIn(phase);
  assert.deepEqual(await deleteWithin(handler, 2000), { state: 'deleted' }, `phase ${JSON.stringify(phase)}`);
  assert.equal(deleteCalls(), 1);
});

test('a Helm release left pending by a helm that is gone (pending longer than one helm command may run) is uninstalled, not waited on forever', async () => {
  // A lost answer to helm's write of the release's outcome leaves it pending-install, and no helm ever clears it.
  const releases = helmReleaseHandler(async () => undefined, { commandTimeoutMs: 60_000 } as Helm);
  const since = new Date(Date.now() - 61_000).toISOString();
  const observed: ObservedRelease = { release: { status: 'pending-install', revision: 1, lastDeployed: since }, notReady: [] };
  const phase = releases.phase(observed, { ...node, params: {} } as Parameters<typeof releases.phase>[1]);
  const { handler, deleteCalls } = stuckIn(phase);
  assert.deepEqual(await deleteWithin(handler, 2000), { state: 'deleted' }, `phase ${JSON.stringify(phase)}`);
  assert.equal(deleteCalls(), 1);
});

test('a Helm release a helm began moments ago (pending-upgrade) is busy: the delete waits for that helm', () => {
  const releases = helmReleaseHandler(async () => undefined, { commandTimeoutMs: 60_000 } as Helm);
  const observed: ObservedRelease = { release: { status: 'pending-upgrade', revision: 2, lastDeployed: new Date().toISOString() }, notReady: [] };
  assert.deepEqual(releases.phase(observed, { ...node, params: {} } as Parameters<typeof releases.phase>[1]), { is: 'busy', detail: 'pending-upgrade' });
});

test("a compensation's delete waits for a create of the same resource still running in this worker, and deletes what it made", async () => {
  // A create whose call is still on the wire when Temporal has given its attempt up (a starved worker): the resource appears only when it answers.
  let exists = false;
  let answer!: () => void;
  const onTheWire = new Promise<void>((resolve) => (answer = resolve));
  const handler: ResourceHandler<unknown, { name: string }> = {
    describe: async () => (exists ? { name: 'role' } : undefined),
    create: async () => {
      await onTheWire;
      exists = true;
    },
    phase: () => ({ is: 'ready' }),
    output: () => ({ cloudId: 'arn:aws:iam::123456789012:role/mesh-east-node', state: 'available' }),
    delete: async () => {
      exists = false;
    },
  };
  const role: ResourceNode = { id: 'aws/iam-role/east/node', kind: 'aws.iamRole', params: {}, dependsOn: [] };
  const engine = new ResourceEngine({ initialMs: 10, maxMs: 50, factor: 1.5 });
  const create = new MockActivityEnvironment({ activityId: '7' }).run(() => engine.ensure(handler, role, {}));
  const deletion = new MockActivityEnvironment({ activityId: '31' }).run(() => engine.delete(handler, role));
  setTimeout(answer, 200);
  await create;
  assert.deepEqual(await deletion, { state: 'deleted' }, 'the delete looked once the create had answered');
  assert.equal(exists, false, 'nothing left behind');
});
