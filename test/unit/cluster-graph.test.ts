import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ID } from '../../domain/backbone-graph.ts';
import { CLUSTER_ID } from '../../domain/cluster-graph.ts';
import { meshGraph } from '../../domain/mesh-graph.ts';
import { CURRENT_NAMING } from '../../domain/names.ts';
import { assertAcyclic, criticalPath, dependentsOf, nodeById } from '../../domain/resource-graph.ts';
import { validateSpec } from '../../domain/validate-spec.ts';

function graphOf(example: string) {
  const result = validateSpec(JSON.parse(readFileSync(new URL(`../../examples/${example}.json`, import.meta.url), 'utf8')));
  assert.ok(result.ok);
  return { graph: meshGraph(result.spec, CURRENT_NAMING), spec: result.spec };
}

test('a mesh without cells is exactly its backbone (old runs replay unchanged)', () => {
  const { graph } = graphOf('minimal');
  assert.equal(graph.nodes.some((n) => n.id.includes('eks') || n.id.includes('aks') || n.id.includes('iam-role')), false);
  const { spec } = graphOf('minimal');
  const withoutCellsField = { ...spec } as Partial<typeof spec>;
  delete withoutCellsField.cells;
  assert.deepEqual(meshGraph(withoutCellsField as typeof spec, CURRENT_NAMING), graph, 'a spec recorded before cells existed gives the same graph');
});

test('one EKS and one AKS cell add roles, cluster, access entry, node group, AKS subnet and cluster, without cycles', () => {
  const { graph } = graphOf('cells');
  assertAcyclic(graph);
  assert.deepEqual(
    graph.nodes.filter((n) => n.id.startsWith('aws/iam') || n.id.startsWith('aws/eks') || n.id.startsWith('azure/aks')).map((n) => `${n.id} ${n.kind}`),
    [
      'aws/iam-role/east/cluster aws.iamRole',
      'aws/iam-role/east/node aws.iamRole',
      'aws/eks-cluster/east aws.eksCluster',
      'aws/eks-access-entry/east aws.eksAccessEntry',
      'aws/eks-nodegroup/east aws.eksNodegroup',
      'azure/aks-subnet/west azure.subnet',
      'azure/aks-cluster/west azure.aksCluster',
    ],
  );
});

test('no cluster waits for the backbone beyond its network, so clusters build beside the VPN gateway', () => {
  const { graph } = graphOf('cells');
  assert.deepEqual(nodeById(graph, CLUSTER_ID.eksCluster('east')).dependsOn, [CLUSTER_ID.clusterRole('east'), ID.subnet(0), ID.subnet(1)]);
  assert.deepEqual(nodeById(graph, CLUSTER_ID.aksSubnet('west')).dependsOn, [ID.vnet]);
  assert.deepEqual(nodeById(graph, CLUSTER_ID.aksCluster('west')).dependsOn, [CLUSTER_ID.aksSubnet('west'), ID.resourceGroup]);
  const minutes: Record<string, number> = { 'azure.vpnGateway': 45, 'aws.eksCluster': 10, 'aws.eksNodegroup': 3, 'azure.aksCluster': 7 };
  const path = criticalPath(graph, (n) => minutes[n.kind] ?? 0.25);
  assert.ok(path.chain.includes(ID.vpnGateway), 'the gateway stays the critical path');
});

test('teardown order follows the edges: node group before cluster, cluster before its roles and subnets', () => {
  const { graph } = graphOf('cells');
  const dependents = (id: string) => dependentsOf(graph, id).map((n) => n.id);
  assert.deepEqual(dependents(CLUSTER_ID.eksCluster('east')).sort(), [CLUSTER_ID.accessEntry('east'), CLUSTER_ID.nodegroup('east')].sort());
  assert.deepEqual(dependents(CLUSTER_ID.clusterRole('east')), [CLUSTER_ID.eksCluster('east')]);
  assert.deepEqual(dependents(CLUSTER_ID.nodeRole('east')), [CLUSTER_ID.nodegroup('east')]);
  assert.ok(dependents(ID.subnet(0)).includes(CLUSTER_ID.eksCluster('east')));
  assert.deepEqual(dependents(CLUSTER_ID.aksSubnet('west')), [CLUSTER_ID.aksCluster('west')]);
});
