/**
 * Reads the engine no longer makes: a create that answers the resource (an Azure operation's
 * final GET) stands for the confirming describe, and a delete that returns only once its one
 * resource is gone (ARM) is not confirmed by a describe. A create that answers nothing is
 * still confirmed, and other deletes still look for what is left. Temporal's mock activity
 * context; the handler is a stand-in at the activity boundary that counts describes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ResourceEngine } from '../../activities/engine.ts';
import type { ResourceHandler } from '../../activities/resource-handler.ts';
import type { ResourceNode, ResourceOutput } from '../../domain/resource-graph.ts';

const node: ResourceNode = { id: 'azure/vnet', kind: 'azure.virtualNetwork', params: {}, dependsOn: [] };
const engine = new ResourceEngine({ initialMs: 5, maxMs: 20, factor: 1.5 });

function resource(options: { answersCreate: boolean; goneWhenDeleted: boolean; exists: boolean }) {
  let exists = options.exists;
  let describes = 0;
  const vnet = { id: '/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v', provisioningState: 'Succeeded' };
  const handler: ResourceHandler<unknown, typeof vnet> = {
    describe: async () => (describes++, exists ? vnet : undefined),
    create: async () => {
      exists = true;
      return options.answersCreate ? vnet : undefined;
    },
    phase: () => ({ is: 'ready' }),
    output: (o) => ({ cloudId: o.id, state: o.provisioningState }),
    delete: async () => void (exists = false),
    ...(options.goneWhenDeleted ? { goneWhenDeleted: true as const } : {}),
  };
  return { handler, describes: () => describes };
}

test('a create that answers the resource is not read again: one describe (the lookup) in all', async () => {
  const r = resource({ answersCreate: true, goneWhenDeleted: true, exists: false });
  const output = await new MockActivityEnvironment().run(() => engine.ensure(r.handler, node, {})) as ResourceOutput;
  assert.equal(output.state, 'Succeeded');
  assert.equal(r.describes(), 1);
});

test('a create that answers nothing is confirmed by a describe: two in all', async () => {
  const r = resource({ answersCreate: false, goneWhenDeleted: true, exists: false });
  await new MockActivityEnvironment().run(() => engine.ensure(r.handler, node, {}));
  assert.equal(r.describes(), 2);
});

test('a delete that returns once its one resource is gone is not confirmed: one describe (the lookup)', async () => {
  const r = resource({ answersCreate: true, goneWhenDeleted: true, exists: true });
  assert.deepEqual(await new MockActivityEnvironment().run(() => engine.delete(r.handler, node)), { state: 'deleted' });
  assert.equal(r.describes(), 1);
});

test('any other delete looks again for what is left: two describes', async () => {
  const r = resource({ answersCreate: true, goneWhenDeleted: false, exists: true });
  assert.deepEqual(await new MockActivityEnvironment().run(() => engine.delete(r.handler, node)), { state: 'deleted' });
  assert.equal(r.describes(), 2);
});
