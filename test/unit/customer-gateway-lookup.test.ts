/**
 * How a customer gateway is looked up (activities/aws/vpn.ts): by the mesh's tags, and by the
 * recorded ID only when the tag listing does not show that gateway (its tags removed by hand).
 * A delete's confirming read finds the recorded gateway deleted under our tags: no second read
 * by ID. The EC2 client is a stand-in that keeps gateways (EC2 lists deleted ones for a while,
 * as Moto does) and records every describe it is asked; the engine runs in Temporal's mock
 * activity context.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DeleteCustomerGatewayCommand, DescribeCustomerGatewaysCommand, type CustomerGateway, type Filter } from '@aws-sdk/client-ec2';
import { MockActivityEnvironment } from '@temporalio/testing';
import { MESH_TAG, NODE_TAG } from '../../activities/aws/tags.ts';
import { customerGatewayHandler } from '../../activities/aws/vpn.ts';
import type { CloudClients } from '../../activities/cloud-clients.ts';
import { ResourceEngine } from '../../activities/engine.ts';
import type { BackboneParams, MeshScope } from '../../domain/backbone-graph.ts';
import type { ResourceNode } from '../../domain/resource-graph.ts';

const scope: MeshScope = { mesh: 'lookup', aws: { region: 'us-east-1' }, azure: { subscriptionId: 's', resourceGroup: 'g', location: 'eastus' } };
const node: ResourceNode<'aws.customerGateway', BackboneParams['aws.customerGateway']> = {
  id: 'aws/customer-gateway/0', kind: 'aws.customerGateway', dependsOn: [], params: { scope, name: 'lookup-cgw-0', bgpAsn: 65515, publicIpNode: 'azure/public-ip/0' },
};
const engine = new ResourceEngine({ initialMs: 5, maxMs: 20, factor: 1.5 });
const ourTags = [{ Key: MESH_TAG, Value: scope.mesh }, { Key: NODE_TAG, Value: node.id }];

function ec2(gateways: CustomerGateway[]) {
  const describes: string[] = [];
  const matches = (cgw: CustomerGateway, filters: Filter[]) =>
    filters.every((f) => f.Values!.includes(cgw.Tags?.find((t) => `tag:${t.Key}` === f.Name)?.Value ?? ''));
  const send = async (command: unknown) => {
    if (command instanceof DescribeCustomerGatewaysCommand) {
      const { Filters, CustomerGatewayIds } = command.input;
      describes.push(CustomerGatewayIds ? 'by id' : 'by tags');
      return { CustomerGateways: gateways.filter((g) => (CustomerGatewayIds ? CustomerGatewayIds.includes(g.CustomerGatewayId!) : matches(g, Filters ?? []))) };
    }
    if (command instanceof DeleteCustomerGatewayCommand) {
      gateways.find((g) => g.CustomerGatewayId === command.input.CustomerGatewayId)!.State = 'deleted';
      return {};
    }
    throw new Error(`unexpected ${(command as object).constructor.name}`);
  };
  const clients = { ec2: () => ({ send }) } as unknown as CloudClients;
  return { handler: customerGatewayHandler(clients), describes };
}

const deleted = (handler: ReturnType<typeof ec2>['handler'], cloudId: string) =>
  new MockActivityEnvironment().run(() => engine.delete(handler, node, { cloudId, state: 'available' }));

test('a delete of the recorded gateway, tagged: found by its tags, and its deletion seen under them; no read by ID', async () => {
  const cloud = ec2([{ CustomerGatewayId: 'cgw-1', State: 'available', Tags: ourTags }]);
  assert.deepEqual(await deleted(cloud.handler, 'cgw-1'), { state: 'deleted' });
  assert.deepEqual(cloud.describes, ['by tags', 'by tags']);
});

test('a delete of the recorded gateway whose tags were removed: found by its ID, and its deletion confirmed by it', async () => {
  const cloud = ec2([{ CustomerGatewayId: 'cgw-1', State: 'available', Tags: [] }]);
  assert.deepEqual(await deleted(cloud.handler, 'cgw-1'), { state: 'deleted' });
  assert.deepEqual(cloud.describes, ['by tags', 'by id', 'by tags', 'by id']);
});

test('our tags list another, deleted gateway than the recorded one: the recorded one is still asked for by ID', async () => {
  const cloud = ec2([
    { CustomerGatewayId: 'cgw-0', State: 'deleted', Tags: ourTags },
    { CustomerGatewayId: 'cgw-1', State: 'available', Tags: [] },
  ]);
  const observed = await cloud.handler.describe(node, { cloudId: 'cgw-1', state: 'available' });
  assert.equal(observed?.CustomerGatewayId, 'cgw-1');
  assert.deepEqual(cloud.describes, ['by tags', 'by id']);
});
