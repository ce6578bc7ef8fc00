/**
 * A drift repair round's steps (domain/drift-repair.ts), from the drifts and the graph alone:
 * what is made again, what is changed in place, and what a replacement takes down with it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceDrift } from '../../domain/drift.ts';
import { driftRepairSteps, type DriftRepairSteps } from '../../domain/drift-repair.ts';
import type { ResourceGraph } from '../../domain/resource-graph.ts';

// One tunnel pair of the backbone, as the mesh graph builds it, and a node group beside it.
const node = (id: string, kind: string, dependsOn: string[] = []) => ({ id, kind, params: {}, dependsOn });
const graph: ResourceGraph = {
  nodes: [
    node('azure/public-ip/0', 'azure.publicIp'),
    node('aws/transit-gateway', 'aws.transitGateway'),
    node('aws/customer-gateway/0', 'aws.customerGateway', ['azure/public-ip/0']),
    node('aws/vpn-connection/0', 'aws.vpnConnection', ['aws/customer-gateway/0', 'aws/transit-gateway']),
    node('azure/local-gateway/0', 'azure.localNetworkGateway', ['aws/vpn-connection/0']),
    node('azure/connection/0', 'azure.connection', ['azure/local-gateway/0', 'aws/vpn-connection/0']),
    node('aws/eks-nodegroup/east', 'aws.eksNodegroup'),
  ],
};

const drift = (id: string, state: ResourceDrift['state'], repairBy: ResourceDrift['repairBy']): ResourceDrift => ({ id, kind: graph.nodes.find((n) => n.id === id)!.kind, name: id, state, repairBy, fields: [] });

const rows: [string, ResourceDrift[], DriftRepairSteps][] = [
  ['nothing drifted: nothing to do', [], { takenDown: [], creates: [], updates: [] }],
  ['a missing VPN connection is made again; a scaled node group is updated', [drift('aws/vpn-connection/0', 'missing', 'create'), drift('aws/eks-nodegroup/east', 'drifted', 'update')], { takenDown: [], creates: ['aws/vpn-connection/0'], updates: ['aws/eks-nodegroup/east'] }],
  ['a VPN connection whose tunnel policy was changed by hand is updated in place, before the Azure connection that follows its key', [drift('azure/connection/0', 'drifted', 'update'), drift('aws/vpn-connection/0', 'drifted', 'update')], { takenDown: [], creates: [], updates: ['aws/vpn-connection/0', 'azure/connection/0'] }],
  ['a drifted customer gateway is replaced with the VPN connection built on it (newest first down, then made again in order); what is built further on waits for the next round', [drift('aws/customer-gateway/0', 'drifted', 'replace')], { takenDown: ['aws/vpn-connection/0', 'aws/customer-gateway/0'], creates: ['aws/customer-gateway/0', 'aws/vpn-connection/0'], updates: [] }],
  ['the VPN connection of a replaced customer gateway drifted too (moved to the hand-made one): made again, not also updated', [drift('aws/customer-gateway/0', 'drifted', 'replace'), drift('aws/vpn-connection/0', 'drifted', 'update'), drift('aws/eks-nodegroup/east', 'drifted', 'update')], { takenDown: ['aws/vpn-connection/0', 'aws/customer-gateway/0'], creates: ['aws/customer-gateway/0', 'aws/vpn-connection/0'], updates: ['aws/eks-nodegroup/east'] }],
  ['unchecked resources (built on a missing one) wait for the next round', [drift('aws/vpn-connection/0', 'missing', 'create'), drift('azure/local-gateway/0', 'unchecked', 'update'), drift('azure/connection/0', 'unchecked', 'update')], { takenDown: [], creates: ['aws/vpn-connection/0'], updates: [] }],
];

for (const [what, drifts, expected] of rows) {
  test(`drift repair steps: ${what}`, () => {
    assert.deepEqual(driftRepairSteps(graph, drifts), expected);
  });
}
