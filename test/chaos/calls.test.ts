// The fault matrix's rows and columns (calls.ts): which counted calls are writes, when each
// is played, which faults each surface gets, and a seeded draw that replays.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cellsOf, deriveCalls, faultsFor, groupsOf, isMutating, ruleFor, sample, type MatrixCall, type Surface } from './calls.ts';

const writes: [Surface, string, boolean][] = [
  ['aws', 'ec2.CreateVpc', true],
  ['aws', 'ec2.DeleteVpnConnection', true],
  ['aws', 'iam.AttachRolePolicy', true],
  ['aws', 'iam.DetachRolePolicy', true],
  ['aws', 'ec2.DescribeVpcs', false],
  ['aws', 'sts.GetCallerIdentity', false],
  ['aws', 'eks.ListAssociatedAccessPolicies', false],
  ['azure', 'virtualNetworkGateways.createOrUpdate', true],
  ['azure', 'resourceGroups.delete', true],
  ['azure', 'virtualNetworkGateways.getBgpPeerStatus', false],
  ['azure', 'managedClusters.listClusterAdminCredential', false],
  ['azure', 'operations.get', false],
  ['kube', 'patch.secrets', true],
  ['kube', 'create.deployments', true],
  ['kube', 'delete.namespaces', true],
  ['kube', 'list.pods', false],
  ['kube', 'watch.secrets', false],
];
for (const [surface, op, mutating] of writes) {
  test(`${surface} ${op} is ${mutating ? 'a write, in the matrix' : 'a read, not in the matrix'}`, () => {
    assert.equal(isMutating(surface, op), mutating);
  });
}

const none = { aws: {}, azure: {}, kube: {} };

test('rows come from the counted calls: writes only, backbone calls on the minimal example, the rest on cells', () => {
  const calls = deriveCalls({
    minimal: { provision: { aws: { 'ec2.CreateVpc': 1, 'ec2.DescribeVpcs': 9 }, azure: { 'virtualNetworks.createOrUpdate': 1 }, kube: {} }, teardown: none },
    cells: { provision: { aws: { 'ec2.CreateVpc': 1, 'eks.CreateCluster': 1 }, azure: {}, kube: { 'patch.secrets': 4, 'get.secrets': 3 } }, teardown: none },
  });
  assert.deepEqual(calls.map((c) => `${c.surface} ${c.operation} ${c.example}`), [
    'aws ec2.CreateVpc minimal', 'aws eks.CreateCluster cells', 'azure virtualNetworks.createOrUpdate minimal', 'kube patch.secrets cells',
  ]);
  assert.equal(cellsOf(calls).length, 4 + 4 + 5 + 4, 'ARM calls also get a failed long-running operation');
});

test('each call is played in the half of its example\'s run that made it: a detach made on the way down at teardown, a delete made while provisioning there', () => {
  const calls = deriveCalls({
    minimal: { provision: none, teardown: { aws: { 'ec2.DeleteVpc': 1 }, azure: {}, kube: {} } },
    cells: {
      provision: { aws: { 'iam.AttachRolePolicy': 1 }, azure: {}, kube: { 'delete.jobs': 1, 'create.secrets': 2 } },
      teardown: { aws: { 'iam.DetachRolePolicy': 1 }, azure: {}, kube: { 'delete.jobs': 1, 'delete.secrets': 2 } },
    },
  });
  assert.deepEqual(calls.map((c) => `${c.operation} ${c.stage}`), [
    'ec2.DeleteVpc teardown', 'iam.AttachRolePolicy provision', 'iam.DetachRolePolicy teardown', 'create.secrets provision', 'delete.jobs provision', 'delete.secrets teardown',
  ]);
});

test('faults: every surface gets throttle, 5xx, timeout and applied-but-lost; only ARM long-running operations get lro-failed; kube 5xx is a 503', () => {
  assert.deepEqual(faultsFor({ surface: 'aws', operation: 'ec2.CreateVpc', stage: 'provision', example: 'minimal' }), ['throttle', '5xx', 'timeout', 'applied-but-lost']);
  assert.ok(faultsFor({ surface: 'azure', operation: 'x.createOrUpdate', stage: 'provision', example: 'minimal' }).includes('lro-failed'));
  assert.ok(!faultsFor({ surface: 'azure', operation: 'resourceGroups.createOrUpdate', stage: 'provision', example: 'minimal' }).includes('lro-failed'), 'a resource group is made at once: no operation to fail');
  assert.ok(faultsFor({ surface: 'azure', operation: 'resourceGroups.delete', stage: 'teardown', example: 'minimal' }).includes('lro-failed'), 'its delete is a long-running operation');
  assert.deepEqual(ruleFor({ call: { surface: 'kube', operation: 'patch.gateways', stage: 'provision', example: 'cells' }, fault: 'applied-but-lost' }),
    { operation: 'patch.gateways', kind: 'applied-server-error', count: 1, status: 503 });
});

test('the same seed draws the same cells; another seed draws others', () => {
  const items = Array.from({ length: 200 }, (_, i) => i);
  assert.deepEqual(sample(items, 3, 42), sample(items, 3, 42));
  assert.notDeepEqual(sample(items, 3, 42), sample(items, 3, 43));
  assert.equal(new Set(sample(items, 50, 7)).size, 50, 'no cell twice');
});

test('groups share one example and stage, never hold one call twice, and cover every cell once', () => {
  const call = (surface: Surface, operation: string, stage: 'provision' | 'teardown', example: 'minimal' | 'cells'): MatrixCall => ({ surface, operation, stage, example });
  const calls = [
    call('aws', 'ec2.CreateVpc', 'provision', 'minimal'), call('azure', 'virtualNetworks.createOrUpdate', 'provision', 'minimal'),
    call('aws', 'ec2.DeleteVpc', 'teardown', 'minimal'), call('kube', 'patch.secrets', 'provision', 'cells'), call('aws', 'eks.CreateCluster', 'provision', 'cells'),
  ];
  const cells = cellsOf(calls);
  const groups = groupsOf(cells, 3);
  assert.deepEqual(groups.flat().length, cells.length);
  assert.equal(new Set(groups.flat()).size, cells.length, 'each cell in exactly one group');
  for (const group of groups) {
    assert.ok(group.length >= 1 && group.length <= 3);
    assert.equal(new Set(group.map((c) => `${c.call.example} ${c.call.stage}`)).size, 1, 'one example and stage per group');
    assert.equal(new Set(group.map((c) => `${c.call.surface} ${c.call.operation}`)).size, group.length, 'no call twice in a group');
  }
  assert.equal(groups.filter((g) => g[0]!.call.operation === 'ec2.DeleteVpc').length, 4, 'a lone teardown call: one group per fault');
  assert.deepEqual(groupsOf(cells, 1).map((g) => g.length), cells.map(() => 1), 'size 1 plays every cell alone');
});
