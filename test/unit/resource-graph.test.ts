import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { backboneGraph, ID, meshScope } from '../../domain/backbone-graph.ts';
import { CURRENT_NAMING } from '../../domain/names.ts';
import { assertAcyclic, criticalPath, dependentsOf, nodeById } from '../../domain/resource-graph.ts';
import { validateSpec } from '../../domain/validate-spec.ts';

function graphOf(example: string) {
  const result = validateSpec(JSON.parse(readFileSync(new URL(`../../examples/${example}.json`, import.meta.url), 'utf8')));
  assert.ok(result.ok);
  return backboneGraph(result.spec, meshScope(result.spec, CURRENT_NAMING));
}

test('the backbone graph has the four-tunnel topology and no cycles', () => {
  const graph = graphOf('minimal');
  assertAcyclic(graph);
  const count = (kind: string) => graph.nodes.filter((n) => n.kind === kind).length;
  assert.deepEqual(
    [count('aws.transitGateway'), count('aws.customerGateway'), count('aws.vpnConnection'), count('azure.vpnGateway'), count('azure.publicIp'), count('azure.localNetworkGateway'), count('azure.connection')],
    [1, 2, 2, 1, 2, 4, 4],
  );
});

test('the Azure gateway depends only on its subnet and public IPs, so it starts first', () => {
  const graph = graphOf('minimal');
  assert.deepEqual(nodeById(graph, ID.vpnGateway).dependsOn.sort(), [ID.gatewaySubnet, ID.publicIp(0), ID.publicIp(1)].sort());
  // Nothing on the AWS side waits for the gateway; only the Azure connections do.
  assert.deepEqual(dependentsOf(graph, ID.vpnGateway).map((n) => n.kind), ['azure.connection', 'azure.connection', 'azure.connection', 'azure.connection']);
  assert.deepEqual(nodeById(graph, ID.customerGateway(1)).dependsOn, [ID.publicIp(1)]);
});

test('each local network gateway peers with the AWS .1 of its own tunnel and the Transit Gateway ASN', () => {
  const graph = graphOf('explicit');
  const lngs = graph.nodes.filter((n) => n.kind === 'azure.localNetworkGateway');
  assert.deepEqual(
    lngs.map((n) => n.kind === 'azure.localNetworkGateway' && [n.params.tunnel.awsBgpAddress, n.params.awsAsn, n.params.vpnConnectionNode]),
    [
      ['169.254.21.9', 64600, ID.vpnConnection(0)],
      ['169.254.22.9', 64600, ID.vpnConnection(0)],
      ['169.254.21.13', 64600, ID.vpnConnection(1)],
      ['169.254.22.13', 64600, ID.vpnConnection(1)],
    ],
  );
});

test('the critical path of the backbone runs through the Azure gateway', () => {
  const graph = graphOf('minimal');
  const minutes: Record<string, number> = { 'azure.vpnGateway': 45, 'aws.vpnConnection': 5, 'aws.transitGateway': 3, 'azure.connection': 1.5 };
  const path = criticalPath(graph, (n) => minutes[n.kind] ?? 0.25);
  assert.ok(path.chain.includes(ID.vpnGateway), path.chain.join(' → '));
  assert.equal(path.chain.at(-1)?.startsWith('azure/connection/'), true);
  assert.equal(path.total, 0.25 * 3 + 45 + 1.5);
});

test('a graph with a cycle or an unknown dependency is refused', () => {
  assert.throws(() => assertAcyclic({ nodes: [{ id: 'a', kind: 'k', params: {}, dependsOn: ['b'] }, { id: 'b', kind: 'k', params: {}, dependsOn: ['a'] }] }), /cycle/);
  assert.throws(() => assertAcyclic({ nodes: [{ id: 'a', kind: 'k', params: {}, dependsOn: ['ghost'] }] }), /unknown node ghost/);
});
