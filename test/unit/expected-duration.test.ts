// How long the clouds take for a whole mesh, and for part of it (expected-duration.ts): tables over the examples' graphs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESOURCE_KINDS } from '../../domain/activity-names.ts';
import { cloudLatency } from '../../domain/cloud-latency.ts';
import { expectedSeconds } from '../../domain/expected-duration.ts';
import { meshGraph } from '../../domain/mesh-graph.ts';
import { CURRENT_NAMING } from '../../domain/names.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import { exampleSpec } from '../support/stack.ts';

function graphOf(example: 'minimal' | 'cells') {
  const result = validateSpec(exampleSpec(example, { name: `expected-${example}` }));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return meshGraph(result.spec, CURRENT_NAMING);
}

// Creates: resource group 2 → VNet 15 → GatewaySubnet 10 → VPN gateway 2700 → connection 90 (the gateway's 45 minutes dominate).
// Deletes: connection 60 → gateway 1200 → subnet 10 → VNet 15 → resource group 30.
const ROWS: ['minimal' | 'cells', 'create' | 'delete', number][] = [
  ['minimal', 'create', 2 + 15 + 10 + 2700 + 90],
  ['minimal', 'delete', 30 + 15 + 10 + 1200 + 60],
  ['cells', 'create', 2 + 15 + 10 + 2700 + 90],
  ['cells', 'delete', 30 + 15 + 10 + 1200 + 60],
];
for (const [example, work, seconds] of ROWS) {
  test(`the ${example} example takes the clouds ${seconds} s to ${work}: the Azure gateway's chain`, () => {
    assert.equal(expectedSeconds(graphOf(example), work), seconds);
  });
}

test('only the resources included count: without the VPN gateway, the longest chain is the cells\' (EKS cluster 600 → node group 180 …)', () => {
  const graph = graphOf('cells');
  const without = expectedSeconds(graph, 'create', (id) => !id.startsWith('azure/vpn-gateway') && !id.startsWith('azure/connection'));
  assert.ok(without < 2700 && without >= 600 + 180, `${without}`);
  assert.equal(expectedSeconds(graph, 'delete', () => false), 0, 'nothing left to delete takes no time');
});

test('every resource kind the engine makes has the clouds\' latency (a kind without one would stop a workflow entering a phase)', () => {
  for (const kind of RESOURCE_KINDS) assert.doesNotThrow(() => cloudLatency(kind), kind);
});
