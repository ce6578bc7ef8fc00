/**
 * A change to a live mesh inside its workflow (the applyChange Update), on a real Temporal
 * dev server with the cloud side stubbed at the activity boundary (test/workflow/mesh-harness.ts):
 * which activities a change schedules (a replacement: the cell's part taken down, then made
 * again; the Azure gateway's ASN: the tunnels made again and BGP awaited), that its rollback
 * leaves the old spec, that a refusal names its rule, that rotations and teardown never overlap
 * a change, and that the teardown after a change deletes the changed graph.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { CHANGE_UPDATE, type ChangeAccepted, type ChangeRefusal, type ChangeRequest } from '../../domain/mesh-change.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { scheduledActivities } from '../support/history.ts';
import { editedSpec, meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

const MESH = 'wf-change';
const NORTH = { name: 'north', cloud: 'aws', kubernetesVersion: '1.33', nodePool: { count: 2, instanceType: 'm6i.large' }, serviceCidr: '172.21.0.0/16' };

let h: Harness;
before(async () => {
  h = await startHarness('cellbridge-mesh-change');
});
after(async () => {
  await h?.stop();
});

const edited = (edit: (raw: any) => void): MeshSpec => editedSpec(MESH, edit);

const send = (spec: MeshSpec, allowReplace = false, mesh = MESH) => h.client.workflow.getHandle(meshWorkflowId(mesh)).executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [{ spec, allowReplace }] });

async function ended(changeId: string, mesh = MESH): Promise<any> {
  for (;;) {
    const status = (await waitForPhase(h, mesh, ['Ready', 'Degraded'])) as any;
    if (status.change?.changeId === changeId) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Resource activity types the mesh scheduled, over every run, in order. */
async function scheduled(): Promise<string[]> {
  return (await scheduledCalls()).map((c) => c.type);
}

/** The same, each with its first argument (no payload codec in this harness: plain JSON). */
async function scheduledCalls(mesh = MESH): Promise<{ type: string; input: any }[]> {
  return scheduledActivities(h.client, meshWorkflowId(mesh));
}

/** A mesh of its own: the example's east cell with another service range, north added. */
const REPLACING = 'wf-replace';
const EAST_SERVICE_RANGE = (serviceCidr: string) => editedSpec(REPLACING, (s) => (s.cells.push(NORTH), (s.cells[0].serviceCidr = serviceCidr)));

describe('a change applied inside the mesh workflow', () => {
  test('adding a cell and resizing a node group: creates for the cell, an update for the group, the new spec and graph kept', async () => {
    await startMesh(h, meshSpec('cells', MESH));
    await waitForPhase(h, MESH, ['Ready', 'Degraded']);
    const before = await scheduled();
    const next = edited((s) => (s.cells.push(NORTH), (s.cells[0].nodePool.count = 3)));
    const accepted = await send(next);
    assert.deepEqual([accepted.plan.summary.create, accepted.plan.summary.update, accepted.plan.summary.delete], [16, 1, 0]);
    const status = await ended(accepted.changeId);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    assert.deepEqual(status.change.progress, { done: 17, total: 17 });
    const added = (await scheduled()).slice(before.length);
    assert.equal(added.filter((t) => t === 'updateAwsEksNodegroup').length, 1);
    assert.equal(added.filter((t) => t === 'createAwsEksCluster').length, 1, 'only the new cell\'s cluster is created');
    assert.equal(added.filter((t) => t.startsWith('delete')).length, 0);
    assert.equal(added.filter((t) => t === 'createKubeRemoteSecret').length, 4, 'remote secrets to and from both existing cells');
    const running = await h.client.workflow.getHandle(meshWorkflowId(MESH)).query<MeshSpec>('spec');
    assert.deepEqual(running.cells.map((c) => c.name), ['east', 'west', 'north']);
  });

  test('a create that fails rolls back: what it created is deleted, the spec and resources are the old ones', async () => {
    const resources = ((await waitForPhase(h, MESH, ['Ready', 'Degraded'])) as any).resources.map((r: any) => r.id).sort();
    h.faults.failCreate.add('kube.remoteSecret');
    try {
      const accepted = await send(edited((s) => (s.cells.push(NORTH, { ...NORTH, name: 'south', serviceCidr: '172.22.0.0/16' }), (s.cells[0].nodePool.count = 3))));
      const status = await ended(accepted.changeId);
      assert.equal(status.change.state, 'RolledBack', JSON.stringify(status.change));
      assert.match(status.change.error, /injected create failure of istio\/\w+\/remote-secret/);
      assert.deepEqual(status.resources.map((r: any) => r.id).sort(), resources, 'the resources are those of the old spec');
      assert.deepEqual(status.resources.filter((r: any) => r.state !== 'ready').map((r: any) => r.id), []);
    } finally {
      h.faults.failCreate.clear();
    }
    const running = await h.client.workflow.getHandle(meshWorkflowId(MESH)).query<MeshSpec>('spec');
    assert.deepEqual(running.cells.map((c) => c.name), ['east', 'west', 'north']);
  });

  test('a spec naming another mesh is refused by the validator with its rule, and nothing starts', async () => {
    const before = (await scheduled()).length;
    const error = await send(edited((s) => (s.name = 'someone-else'))).catch((e: unknown) => e);
    assert.ok(error instanceof WorkflowUpdateFailedError, String(error));
    const refusal = (error.cause as ApplicationFailure).details?.[0] as ChangeRefusal;
    assert.deepEqual([refusal.status, refusal.problems.map((p) => p.rule)], [400, ['change.same-mesh']]);
    assert.equal((await scheduled()).length, before);
  });

  test('while a change runs, a rotation claim and another change are refused, and a teardown waits for it to end', async () => {
    const before = (await scheduled()).length;
    h.faults.holdCreate.add('aws.eksCluster');
    const handle = h.client.workflow.getHandle(meshWorkflowId(MESH));
    let accepted: ChangeAccepted | undefined;
    try {
      accepted = await send(edited((s) => (s.cells.push(NORTH, { ...NORTH, name: 'south', serviceCidr: '172.22.0.0/16' }), (s.cells[0].nodePool.count = 3))));
      while (!(await handle.query<any>('status')).resources.some((r: any) => r.id === 'aws/eks-cluster/south' && r.state === 'creating')) await new Promise((r) => setTimeout(r, 100));
      const claim = await handle.executeUpdate('beginRotation', { args: ['rotation-wf-change-1'] }).catch((e: unknown) => e);
      assert.ok(claim instanceof WorkflowUpdateFailedError && /mesh wf-change is Changing; rotations run only when it is Ready or Degraded/.test(claim.cause?.message ?? ''), String(claim));
      const second = await send(edited((s) => s.cells.push(NORTH))).catch((e: unknown) => e);
      assert.ok(second instanceof WorkflowUpdateFailedError, String(second));
      assert.deepEqual(((second.cause as ApplicationFailure).details?.[0] as ChangeRefusal).problems.map((p) => p.rule), ['change.in-progress']);
      await handle.signal('teardown');
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await handle.query<any>('status')).phase, 'Changing', 'the teardown waits');
    } finally {
      h.faults.holdCreate.clear();
    }
    const status = (await waitForPhase(h, MESH, ['Deleted', 'TeardownIncomplete'])) as any;
    assert.equal(status.phase, 'Deleted');
    assert.deepEqual([status.change.changeId, status.change.state], [accepted.changeId, 'Applied'], 'the change ended before the teardown');
    const after = (await scheduled()).slice(before);
    assert.equal(after.filter((t) => t === 'deleteAwsEksCluster').length, 3, 'the teardown deleted the changed graph: east, north and south');
  });
});

describe('a replacement applied inside the mesh workflow', () => {
  test("an allowed replacement of a cluster's service range: the cell's part taken down (remote secrets both ways first), then made again from the new spec", async () => {
    await startMesh(h, EAST_SERVICE_RANGE('172.20.0.0/16'));
    await waitForPhase(h, REPLACING, ['Ready', 'Degraded']);
    const before = (await scheduledCalls(REPLACING)).length;
    const accepted = await send(EAST_SERVICE_RANGE('172.22.0.0/16'), true, REPLACING);
    assert.equal(accepted.plan.summary.replace, 14, 'the east cell (12) and the remote secrets between it and north');
    const status = await ended(accepted.changeId, REPLACING);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    assert.deepEqual(status.change.progress, { done: 28, total: 28 }, 'each replaced resource taken down and made again');
    const calls = (await scheduledCalls(REPLACING)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(calls.filter((c) => c.type === 'createAwsEksCluster').map((c) => c.input.params.serviceCidr), ['172.22.0.0/16']);
    assert.ok(types.indexOf('deleteAwsEksCluster') >= 0 && types.indexOf('deleteAwsEksCluster') < types.indexOf('createAwsEksCluster'), 'the old cluster is gone before the new one is made');
    assert.ok(types.lastIndexOf('deleteKubeRemoteSecret') < types.indexOf('deleteAwsEksCluster'), "the other cells' remote secrets for it go first");
    assert.equal(types.filter((t) => t === 'deleteKubeRemoteSecret').length, 4);
    assert.equal(types.filter((t) => t === 'createKubeRemoteSecret').length, 4, 'remote secrets to and from both other cells, for the new cluster');
    assert.ok(types.indexOf('createKubeRemoteSecret') > types.indexOf('createAwsEksCluster'));
    assert.equal(types.filter((t) => t.startsWith('createAzure')).length, 0, 'the other cells and the backbone are left alone');
    const running = await h.client.workflow.getHandle(meshWorkflowId(REPLACING)).query<MeshSpec>('spec');
    assert.equal(running.cells[0]!.serviceCidr, '172.22.0.0/16');
    assert.deepEqual(status.resources.filter((r: any) => r.state !== 'ready').map((r: any) => r.id), []);
  });

  test('a replacement that fails part way rolls back: the new cluster is deleted, then the old one is made again from the old spec', async () => {
    const resources = ((await waitForPhase(h, REPLACING, ['Ready', 'Degraded'])) as any).resources.map((r: any) => r.id).sort();
    const before = (await scheduledCalls(REPLACING)).length;
    h.faults.failCreateOnce.add('kube.remoteSecret');
    try {
      const accepted = await send(EAST_SERVICE_RANGE('172.23.0.0/16'), true, REPLACING);
      const status = await ended(accepted.changeId, REPLACING);
      assert.equal(status.change.state, 'RolledBack', JSON.stringify(status.change));
      assert.match(status.change.error, /injected create failure of istio\/\w+\/remote-secret/);
      assert.deepEqual(status.resources.map((r: any) => r.id).sort(), resources, 'the resources are those of the old spec');
      assert.deepEqual(status.resources.filter((r: any) => r.state !== 'ready').map((r: any) => r.id), [], 'every one of them made again');
    } finally {
      h.faults.failCreateOnce.clear();
    }
    const calls = (await scheduledCalls(REPLACING)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(calls.filter((c) => c.type === 'createAwsEksCluster').map((c) => c.input.params.serviceCidr), ['172.23.0.0/16', '172.22.0.0/16'], 'the new cluster, then the old one again');
    const deletes = types.flatMap((t, i) => (t === 'deleteAwsEksCluster' ? [i] : []));
    assert.equal(deletes.length, 2, 'the old cluster taken down, the new one compensated');
    assert.ok(deletes[1]! < types.lastIndexOf('createAwsEksCluster'), 'the new cluster is deleted before the old one is made again (same name)');
    const running = await h.client.workflow.getHandle(meshWorkflowId(REPLACING)).query<MeshSpec>('spec');
    assert.equal(running.cells[0]!.serviceCidr, '172.22.0.0/16');
  });
});

/** A mesh of its own, with the Azure gateway's ASN (and the BGP deadline, in seconds) as given. */
const ASN_MESH = 'wf-asn';
const GATEWAY_ASN = (asn: number, bgpTimeoutSeconds = 1800) => editedSpec(ASN_MESH, (s) => ((s.azure.gatewayAsn = asn), (s.backbone = { bgpTimeoutSeconds })));
const TUNNEL_CREATES = ['createAwsCustomerGateway', 'createAwsVpnConnection', 'createAzureLocalNetworkGateway', 'createAzureConnection'];

describe("the Azure gateway's ASN changed inside the mesh workflow", () => {
  test("allowed: the connections and local gateways taken down before the VPN connections and customer gateways, all made again with the new ASN, the VPN gateway updated, BGP awaited on all four tunnels before the change stands", async () => {
    await startMesh(h, GATEWAY_ASN(65010));
    await waitForPhase(h, ASN_MESH, ['Ready', 'Degraded']);
    const before = (await scheduledCalls(ASN_MESH)).length;
    const accepted = await send(GATEWAY_ASN(65020), true, ASN_MESH);
    assert.deepEqual([accepted.plan.summary.replace, accepted.plan.summary.update, accepted.plan.refused.length, accepted.plan.interruptsTraffic], [12, 1, 0, true]);
    const status = await ended(accepted.changeId, ASN_MESH);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    assert.deepEqual(status.change.progress, { done: 25, total: 25 }, 'twelve taken down and made again, one update');
    const calls = (await scheduledCalls(ASN_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(calls.filter((c) => c.type === 'createAwsCustomerGateway').map((c) => c.input.params.bgpAsn), [65020, 65020]);
    assert.deepEqual(calls.filter((c) => c.type === 'updateAzureVpnGateway').map((c) => c.input.params.asn), [65020]);
    assert.equal(types.filter((t) => TUNNEL_CREATES.includes(t)).length, 12);
    assert.ok(types.lastIndexOf('deleteAzureConnection') < types.indexOf('deleteAwsVpnConnection'), "Azure's connections go before the VPN connections they describe");
    assert.ok(types.lastIndexOf('deleteAwsVpnConnection') < types.indexOf('deleteAwsCustomerGateway'));
    assert.ok(types.lastIndexOf('deleteAwsCustomerGateway') < types.indexOf('createAwsCustomerGateway'), 'the old ones are gone before the new ones (same names) are made');
    const observed = types.lastIndexOf('observeTunnels');
    assert.ok(observed > types.indexOf('updateAzureVpnGateway') && observed > types.lastIndexOf('createAzureConnection'), 'BGP is awaited once the tunnels and the gateway are in place');
    assert.equal(types.filter((t) => t.startsWith('createAws') || t.startsWith('createAzure')).length, 12, 'nothing else of the backbone or the cells is made again');
    const running = await h.client.workflow.getHandle(meshWorkflowId(ASN_MESH)).query<MeshSpec>('spec');
    assert.equal(running.azure.gatewayAsn, 65020);
  });

  test('BGP not established on the new tunnels by the deadline: the change rolls back, the new tunnels deleted, the old ones made again with the old ASN, the gateway given its old ASN back, and BGP awaited on them', async () => {
    const before = (await scheduledCalls(ASN_MESH)).length;
    const handle = h.client.workflow.getHandle(meshWorkflowId(ASN_MESH));
    const status = await rolledBackWithTunnelsDown(GATEWAY_ASN(65030, 2));
    const calls = (await scheduledCalls(ASN_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(calls.filter((c) => c.type === 'createAwsCustomerGateway').map((c) => c.input.params.bgpAsn), [65030, 65030, 65020, 65020], 'the new ones, then the old ones again');
    assert.deepEqual(calls.filter((c) => c.type === 'updateAzureVpnGateway').map((c) => c.input.params.asn), [65030, 65020], 'the gateway updated, then put back');
    const creates = types.flatMap((t, i) => (t === 'createAwsCustomerGateway' ? [i] : []));
    assert.ok(types.lastIndexOf('deleteAwsCustomerGateway') < creates[2]!, 'the new customer gateways are deleted before the old ones are made again (same names)');
    assert.ok(types.lastIndexOf('observeTunnels') > types.lastIndexOf('updateAzureVpnGateway'), 'the old tunnels are awaited after the rollback');
    const running = await handle.query<MeshSpec>('spec');
    assert.equal(running.azure.gatewayAsn, 65020);
    assert.deepEqual(status.resources.filter((r: any) => r.state !== 'ready').map((r: any) => r.id), []);
  });
});

/** Sends a change while no tunnel comes up, and lets them up again once it has moved past applying. */
async function sendWithTunnelsDown(spec: MeshSpec, allowReplace: boolean, mesh: string): Promise<ChangeAccepted> {
  const handle = h.client.workflow.getHandle(meshWorkflowId(mesh));
  h.faults.tunnelsDown = true;
  try {
    const accepted = await send(spec, allowReplace, mesh);
    const past = (change: any) => change?.changeId === accepted.changeId && ['RollingBack', 'Applied', 'RolledBack', 'RollbackIncomplete'].includes(change.state);
    while (!past((await handle.query<any>('status')).change)) await new Promise((r) => setTimeout(r, 50));
    return accepted;
  } finally {
    h.faults.tunnelsDown = false;
  }
}

/**
 * Sends an allowed change to the ASN mesh while no tunnel comes up, lets the tunnels up again
 * once the change has moved past applying (a change that ends without a rollback is judged
 * here), and returns the status it ended with: rolled back at the BGP deadline, the old
 * tunnels established again.
 */
async function rolledBackWithTunnelsDown(spec: MeshSpec, mesh = ASN_MESH): Promise<any> {
  const accepted = await sendWithTunnelsDown(spec, true, mesh);
  const status = await ended(accepted.changeId, mesh);
  assert.equal(status.change.state, 'RolledBack', JSON.stringify(status.change));
  assert.match(status.change.error, /BGP not established on 4 of 4 tunnels within 2s/);
  assert.deepEqual(status.tunnels.map((t: any) => t.established), [true, true, true, true], 'the old tunnels are up again');
  return status;
}

/** The ASN mesh with the transit gateway's ASN (and the BGP deadline, in seconds) as given; the Azure gateway's stays at 65020. */
const TGW_ASN = (asn: number, bgpTimeoutSeconds = 1800) => editedSpec(ASN_MESH, (s) => ((s.azure.gatewayAsn = 65020), (s.aws.transitGatewayAsn = asn), (s.backbone = { bgpTimeoutSeconds })));
const TGW_REMADE = ['createAwsTransitGateway', 'createAwsTransitGatewayVpcAttachment', 'createAwsVpcRoute', 'createAwsVpnConnection', 'createAzureLocalNetworkGateway', 'createAzureConnection'];

describe("the transit gateway's ASN changed inside the mesh workflow", () => {
  test('allowed: the tunnels, the route and the attachment taken down before the transit gateway, all made again on a transit gateway with the new ASN, the customer gateways kept, BGP awaited on all four tunnels before the change stands', async () => {
    await waitForPhase(h, ASN_MESH, ['Ready', 'Degraded']);
    const before = (await scheduledCalls(ASN_MESH)).length;
    const accepted = await send(TGW_ASN(64600), true, ASN_MESH);
    assert.deepEqual([accepted.plan.summary.replace, accepted.plan.summary.update, accepted.plan.refused.length, accepted.plan.interruptsTraffic], [13, 0, 0, true]);
    const status = await ended(accepted.changeId, ASN_MESH);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    assert.deepEqual(status.change.progress, { done: 26, total: 26 }, 'thirteen taken down and made again');
    const calls = (await scheduledCalls(ASN_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(calls.filter((c) => c.type === 'createAwsTransitGateway').map((c) => c.input.params.amazonSideAsn), [64600]);
    assert.deepEqual(calls.filter((c) => c.type === 'createAzureLocalNetworkGateway').map((c) => c.input.params.awsAsn), [64600, 64600, 64600, 64600]);
    assert.deepEqual(types.filter((t) => TGW_REMADE.includes(t)).length, 13);
    assert.ok(types.lastIndexOf('deleteAwsVpnConnection') < types.indexOf('deleteAwsTransitGateway'), 'the VPN connections go before the transit gateway they end on');
    assert.ok(types.indexOf('deleteAwsTransitGatewayVpcAttachment') < types.indexOf('deleteAwsTransitGateway'));
    assert.ok(types.indexOf('deleteAwsTransitGateway') < types.indexOf('createAwsTransitGateway'), 'the old one is gone before the new one (same name) is made');
    assert.ok(types.indexOf('createAwsTransitGateway') < types.indexOf('createAwsVpnConnection'));
    assert.ok(types.lastIndexOf('observeTunnels') > types.lastIndexOf('createAzureConnection'), 'BGP is awaited once the tunnels are in place');
    assert.equal(types.filter((t) => t.startsWith('createAws') || t.startsWith('createAzure')).length, 13, 'the customer gateways, the VPC, the Azure gateway and the cells are left alone');
    assert.equal(types.filter((t) => t.startsWith('update')).length, 0);
    const running = await h.client.workflow.getHandle(meshWorkflowId(ASN_MESH)).query<MeshSpec>('spec');
    assert.equal(running.aws.transitGatewayAsn, 64600);
  });

  test('BGP not established on the new tunnels by the deadline: the change rolls back, the new transit gateway and tunnels deleted, the old ones made again with the old ASN, and BGP awaited on them', async () => {
    const before = (await scheduledCalls(ASN_MESH)).length;
    const handle = h.client.workflow.getHandle(meshWorkflowId(ASN_MESH));
    const status = await rolledBackWithTunnelsDown(TGW_ASN(64700, 2));
    const calls = (await scheduledCalls(ASN_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(calls.filter((c) => c.type === 'createAwsTransitGateway').map((c) => c.input.params.amazonSideAsn), [64700, 64600], 'the new one, then the old one again');
    const creates = types.flatMap((t, i) => (t === 'createAwsTransitGateway' ? [i] : []));
    assert.ok(types.lastIndexOf('deleteAwsTransitGateway') < creates[1]!, 'the new transit gateway is deleted before the old one is made again (same name)');
    assert.ok(types.lastIndexOf('observeTunnels') > types.lastIndexOf('createAzureConnection'), 'the old tunnels are awaited after the rollback');
    const running = await handle.query<MeshSpec>('spec');
    assert.equal(running.aws.transitGatewayAsn, 64600);
    assert.deepEqual(status.resources.filter((r: any) => r.state !== 'ready').map((r: any) => r.id), []);
  });
});

/** A mesh of its own with the VPC's range (and its two subnets') as given. */
const VPC_MESH = 'wf-vpc';
const VPC_RANGE = (second: number) => editedSpec(VPC_MESH, (s) => ((s.aws.vpc.cidr = `10.${second}.0.0/16`), (s.aws.vpc.subnets = [{ cidr: `10.${second}.0.0/24` }, { cidr: `10.${second}.1.0/24` }])));

describe("the VPC's range changed inside the mesh workflow", () => {
  test('allowed: the AWS cell, the route and the attachment taken down before the subnets and the VPC, all made again in a VPC with the new range, the tunnels kept, BGP awaited on all four tunnels before the change stands', async () => {
    await startMesh(h, VPC_RANGE(10));
    await waitForPhase(h, VPC_MESH, ['Ready', 'Degraded']);
    const before = (await scheduledCalls(VPC_MESH)).length;
    const accepted = await send(VPC_RANGE(11), true, VPC_MESH);
    assert.deepEqual([accepted.plan.summary.replace, accepted.plan.refused.length, accepted.plan.interruptsTraffic], [17, 0, true]);
    const status = await ended(accepted.changeId, VPC_MESH);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    assert.deepEqual(status.change.progress, { done: 34, total: 34 }, 'seventeen taken down and made again');
    const calls = (await scheduledCalls(VPC_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(calls.filter((c) => c.type === 'createAwsVpc').map((c) => c.input.params.cidr), ['10.11.0.0/16']);
    assert.deepEqual(calls.filter((c) => c.type === 'createAwsSubnet').map((c) => c.input.params.cidr).sort(), ['10.11.0.0/24', '10.11.1.0/24']);
    assert.ok(types.indexOf('deleteAwsEksCluster') < types.indexOf('deleteAwsSubnet'), 'the cluster is gone before its subnets');
    assert.ok(types.indexOf('deleteAwsTransitGatewayVpcAttachment') < types.indexOf('deleteAwsSubnet'));
    assert.ok(types.lastIndexOf('deleteAwsSubnet') < types.indexOf('deleteAwsVpc'));
    assert.ok(types.indexOf('deleteAwsVpc') < types.indexOf('createAwsVpc'), 'the old VPC is gone before the new one (same name) is made');
    assert.ok(types.lastIndexOf('createAwsSubnet') < types.indexOf('createAwsEksCluster'), 'the new cluster is made in the new subnets');
    assert.equal(types.filter((t) => t === 'createKubeRemoteSecret').length, 2, 'remote secrets to and from the other cell, for the new cluster');
    const observed = types.lastIndexOf('observeTunnels');
    assert.ok(observed > types.indexOf('createAwsTransitGatewayVpcAttachment'), 'BGP is awaited once the new VPC is attached: AWS advertises its range over the tunnels');
    assert.equal(types.filter((t) => /^(create|delete)(AwsVpnConnection|AwsCustomerGateway|AwsTransitGateway$|Azure)/.test(t)).length, 0, 'the tunnels, the transit gateway and Azure are left alone');
    const running = await h.client.workflow.getHandle(meshWorkflowId(VPC_MESH)).query<MeshSpec>('spec');
    assert.equal(running.aws.vpc.cidr, '10.11.0.0/16');
    assert.deepEqual(status.resources.filter((r: any) => r.state !== 'ready').map((r: any) => r.id), []);
  });
});

/** A mesh of its own with the GatewaySubnet's prefix (its third octet), the VNet's range and the BGP deadline (in seconds) as given. */
const GW_MESH = 'wf-gateway';
const GATEWAY_SUBNET = (third: number, bgpTimeoutSeconds = 1800, vnet = '10.20.0.0/16') =>
  editedSpec(GW_MESH, (s) => ((s.azure.vnet = { cidr: vnet, gatewaySubnetCidr: `10.20.${third}.0/27` }), (s.backbone = { bgpTimeoutSeconds })));

describe("the GatewaySubnet's prefix and the VNet's range changed inside the mesh workflow", () => {
  test('allowed: the four connections taken down before the VPN gateway, the gateway before its subnet, all made again in the new subnet on the same public IPs, AWS left alone, BGP awaited on all four tunnels before the change stands', async () => {
    await startMesh(h, GATEWAY_SUBNET(255));
    await waitForPhase(h, GW_MESH, ['Ready', 'Degraded']);
    const before = (await scheduledCalls(GW_MESH)).length;
    const accepted = await send(GATEWAY_SUBNET(254), true, GW_MESH);
    assert.deepEqual([accepted.plan.summary.replace, accepted.plan.summary.update, accepted.plan.refused.length, accepted.plan.interruptsTraffic, accepted.plan.expectedSeconds], [6, 0, 0, true, 4070]);
    const status = await ended(accepted.changeId, GW_MESH);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    assert.deepEqual(status.change.progress, { done: 12, total: 12 }, 'six taken down and made again');
    const calls = (await scheduledCalls(GW_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(
      types.filter((t) => /^(create|delete)/.test(t)),
      [
        'deleteAzureConnection', 'deleteAzureConnection', 'deleteAzureConnection', 'deleteAzureConnection', 'deleteAzureVpnGateway', 'deleteAzureSubnet',
        'createAzureSubnet', 'createAzureVpnGateway', 'createAzureConnection', 'createAzureConnection', 'createAzureConnection', 'createAzureConnection',
      ],
      'connections, gateway, subnet down; subnet, gateway, connections up; nothing else (public IPs, local gateways, AWS) touched',
    );
    assert.deepEqual(calls.filter((c) => c.type === 'createAzureSubnet').map((c) => c.input.params.cidr), ['10.20.254.0/27']);
    assert.deepEqual(calls.find((c) => c.type === 'createAzureVpnGateway')!.input.params.publicIpNodes, ['azure/public-ip/0', 'azure/public-ip/1']);
    assert.ok(types.lastIndexOf('observeTunnels') > types.lastIndexOf('createAzureConnection'), 'BGP is awaited once the new connections are in place');
    const running = await h.client.workflow.getHandle(meshWorkflowId(GW_MESH)).query<MeshSpec>('spec');
    assert.equal(running.azure.vnet.gatewaySubnetCidr, '10.20.254.0/27');
    assert.deepEqual(status.resources.filter((r: any) => r.state !== 'ready').map((r: any) => r.id), []);
  });

  test('BGP not established on the new gateway\'s tunnels by the deadline: the change rolls back, the new connections, gateway and subnet deleted, the old ones made again in the old prefix, and BGP awaited on them', async () => {
    const before = (await scheduledCalls(GW_MESH)).length;
    const status = await rolledBackWithTunnelsDown(GATEWAY_SUBNET(253, 2), GW_MESH);
    const calls = (await scheduledCalls(GW_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(calls.filter((c) => c.type === 'createAzureSubnet').map((c) => c.input.params.cidr), ['10.20.253.0/27', '10.20.254.0/27'], 'the new one, then the old one again');
    const gatewayCreates = types.flatMap((t, i) => (t === 'createAzureVpnGateway' ? [i] : []));
    assert.equal(gatewayCreates.length, 2);
    assert.ok(types.lastIndexOf('deleteAzureVpnGateway') < gatewayCreates[1]! && types.lastIndexOf('deleteAzureSubnet') < gatewayCreates[1]!, 'the new gateway and subnet are deleted before the old ones are made again (same names)');
    assert.ok(types.lastIndexOf('observeTunnels') > types.lastIndexOf('createAzureConnection'), 'the old tunnels are awaited after the rollback');
    const running = await h.client.workflow.getHandle(meshWorkflowId(GW_MESH)).query<MeshSpec>('spec');
    assert.equal(running.azure.vnet.gatewaySubnetCidr, '10.20.254.0/27');
    assert.deepEqual(status.resources.filter((r: any) => r.state !== 'ready').map((r: any) => r.id), []);
  });

  test("allowed, the VNet's range: AWS's route to Azure deleted and made again for the new range back to back, then the VNet updated in place; nothing else, no BGP wait", async () => {
    await waitForPhase(h, GW_MESH, ['Ready', 'Degraded']);
    const before = (await scheduledCalls(GW_MESH)).length;
    const accepted = await send(GATEWAY_SUBNET(254, 1800, '10.20.0.0/15'), true, GW_MESH);
    assert.deepEqual([accepted.plan.summary.replace, accepted.plan.summary.update, accepted.plan.refused.length], [1, 1, 0]);
    const status = await ended(accepted.changeId, GW_MESH);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    const calls = (await scheduledCalls(GW_MESH)).slice(before);
    const changing = calls.filter((c) => /^(create|delete|update)/.test(c.type));
    assert.deepEqual(changing.map((c) => c.type), ['deleteAwsVpcRoute', 'createAwsVpcRoute', 'updateAzureVirtualNetwork']);
    assert.deepEqual(changing.map((c) => c.input.params.destinationCidr ?? c.input.params.cidr), ['10.20.0.0/16', '10.20.0.0/15', '10.20.0.0/15']);
    assert.equal(calls.filter((c) => c.type === 'observeTunnels').length, 0, 'no tunnel changes: BGP is not awaited');
    const running = await h.client.workflow.getHandle(meshWorkflowId(GW_MESH)).query<MeshSpec>('spec');
    assert.equal(running.azure.vnet.cidr, '10.20.0.0/15');
  });
});

/** A mesh of its own with the tunnels' inside CIDRs (and the BGP deadline, in seconds) as given. */
const APIPA_MESH = 'wf-apipa';
const OLD_CIDRS = ['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30'];
const INSIDE_CIDRS = (tunnelInsideCidrs: string[], bgpTimeoutSeconds = 1800) => editedSpec(APIPA_MESH, (s) => (s.backbone = { tunnelInsideCidrs, bgpTimeoutSeconds }));
const TUNNEL_UPDATES = ['updateAzureVpnGateway', 'updateAwsVpnConnection', 'updateAzureLocalNetworkGateway', 'updateAzureConnection'];

describe("the tunnels' inside CIDRs changed inside the mesh workflow", () => {
  test('without allowReplace: the VPN gateway, VPN connections, local gateways and connections updated in place, nothing made again, BGP awaited on the new tunnels before the change stands', async () => {
    await startMesh(h, INSIDE_CIDRS(OLD_CIDRS));
    await waitForPhase(h, APIPA_MESH, ['Ready', 'Degraded']);
    const before = (await scheduledCalls(APIPA_MESH)).length;
    const cidrs = ['169.254.22.16/30', '169.254.22.20/30', '169.254.22.24/30', '169.254.22.28/30'];
    const accepted = await send(INSIDE_CIDRS(cidrs), false, APIPA_MESH);
    assert.deepEqual([accepted.plan.summary.replace, accepted.plan.summary.update, accepted.plan.refused.length], [0, 11, 0]);
    const status = await ended(accepted.changeId, APIPA_MESH);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    const calls = (await scheduledCalls(APIPA_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(TUNNEL_UPDATES.map((t) => types.filter((x) => x === t).length), [1, 2, 4, 4]);
    assert.equal(types.filter((t) => t.startsWith('create') || t.startsWith('delete')).length, 0, 'nothing made again or deleted');
    const observed = types.lastIndexOf('observeTunnels');
    assert.ok(observed > types.lastIndexOf('updateAzureConnection'), 'BGP is awaited once every tunnel resource is updated');
    assert.deepEqual(calls[observed]!.input.tunnels.map((t: any) => t.insideCidr), cidrs, 'on the new tunnels');
  });

  test('BGP not established on the new tunnels by the deadline: every update is undone (the old CIDRs sent again) and BGP awaited on the old tunnels', async () => {
    const before = (await scheduledCalls(APIPA_MESH)).length;
    const accepted = await sendWithTunnelsDown(INSIDE_CIDRS(OLD_CIDRS, 2), false, APIPA_MESH);
    const status = await ended(accepted.changeId, APIPA_MESH);
    assert.equal(status.change.state, 'RolledBack', JSON.stringify(status.change));
    assert.match(status.change.error, /BGP not established on 4 of 4 tunnels within 2s/);
    const calls = (await scheduledCalls(APIPA_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(calls.filter((c) => c.type === 'updateAwsVpnConnection').map((c) => c.input.params.tunnels.map((t: any) => t.insideCidr).join()), [
      '169.254.21.0/30,169.254.22.0/30', '169.254.21.4/30,169.254.22.4/30', '169.254.22.24/30,169.254.22.28/30', '169.254.22.16/30,169.254.22.20/30',
    ], 'updated to the old CIDRs, then back to the ones the mesh had, newest first');
    const observed = types.lastIndexOf('observeTunnels');
    assert.ok(observed > types.lastIndexOf('updateAzureVpnGateway'), 'the old tunnels are awaited after the rollback');
    assert.deepEqual(calls[observed]!.input.tunnels.map((t: any) => t.insideCidr), ['169.254.22.16/30', '169.254.22.20/30', '169.254.22.24/30', '169.254.22.28/30'], "on the mesh's tunnels as they were");
    assert.deepEqual(status.tunnels.map((t: any) => t.established), [true, true, true, true]);
  });
});

/** A mesh of its own in the operator's VPC (its ID's last digit, the range's second octet), or the resource group as given. */
const OPERATOR_MESH = 'wf-operator-vpc';
const OPERATORS_VPC = (digit: number, second: number) =>
  editedSpec(OPERATOR_MESH, (s) => (s.aws.vpc = { cidr: `10.${second}.0.0/16`, existingVpcId: `vpc-0123456789abcdef${digit}`, existingSubnetIds: [`subnet-0123456789abcde${digit}0`, `subnet-0123456789abcde${digit}1`] }));
const GROUP_MESH = 'wf-resource-group';
const RESOURCE_GROUP = (name: string) => editedSpec(GROUP_MESH, (s) => (s.azure.resourceGroup = name));

describe("the operator's VPC and the resource group changed inside the mesh workflow", () => {
  test("allowed, another of the operator's VPCs: the AWS cell, the route and the attachment taken down before the mesh lets go of the old VPC and subnets (their own kinds' activities, never a VPC or subnet delete), all made again on the new VPC, BGP awaited", async () => {
    await startMesh(h, OPERATORS_VPC(0, 10));
    await waitForPhase(h, OPERATOR_MESH, ['Ready', 'Degraded']);
    const before = (await scheduledCalls(OPERATOR_MESH)).length;
    const accepted = await send(OPERATORS_VPC(1, 11), true, OPERATOR_MESH);
    assert.deepEqual([accepted.plan.summary.replace, accepted.plan.refused.length, accepted.plan.interruptsTraffic], [17, 0, true]);
    const status = await ended(accepted.changeId, OPERATOR_MESH);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    const calls = (await scheduledCalls(OPERATOR_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    assert.deepEqual(types.filter((t) => /^(create|delete)Aws(Vpc|Subnet)$/.test(t)), [], 'the mesh makes or deletes no VPC or subnet of its own');
    assert.deepEqual(calls.filter((c) => c.type === 'deleteAwsExistingVpc').map((c) => c.input.params.vpcId), ['vpc-0123456789abcdef0'], 'the old VPC is let go of by the handler that keeps it');
    assert.deepEqual(calls.filter((c) => c.type === 'deleteAwsExistingSubnet').map((c) => c.input.params.subnetId).sort(), ['subnet-0123456789abcde00', 'subnet-0123456789abcde01']);
    assert.ok(types.indexOf('deleteAwsEksCluster') < types.indexOf('deleteAwsExistingSubnet'), 'the cluster stops using the subnets first');
    assert.ok(types.indexOf('deleteAwsTransitGatewayVpcAttachment') < types.indexOf('deleteAwsExistingSubnet'));
    assert.ok(types.indexOf('deleteAwsVpcRoute') < types.indexOf('deleteAwsTransitGatewayVpcAttachment'));
    assert.ok(types.lastIndexOf('deleteAwsExistingSubnet') < types.indexOf('deleteAwsExistingVpc'));
    assert.ok(types.indexOf('deleteAwsExistingVpc') < types.indexOf('createAwsExistingVpc'));
    assert.deepEqual(calls.filter((c) => c.type === 'createAwsExistingVpc').map((c) => c.input.params.vpcId), ['vpc-0123456789abcdef1']);
    assert.deepEqual(calls.find((c) => c.type === 'createAwsVpcRoute')!.input.params.vpc, { vpcId: 'vpc-0123456789abcdef1', subnetIds: ['subnet-0123456789abcde10', 'subnet-0123456789abcde11'] });
    assert.ok(types.lastIndexOf('createAwsExistingSubnet') < types.indexOf('createAwsEksCluster'), 'the new cluster is made in the new subnets');
    assert.ok(types.lastIndexOf('observeTunnels') > types.indexOf('createAwsTransitGatewayVpcAttachment'), 'BGP is awaited once the new VPC is attached');
    assert.equal(types.filter((t) => /^(create|delete)(AwsVpnConnection|AwsCustomerGateway|AwsTransitGateway$|Azure)/.test(t)).length, 0, 'the tunnels, the transit gateway and Azure are left alone');
    const running = await h.client.workflow.getHandle(meshWorkflowId(OPERATOR_MESH)).query<MeshSpec>('spec');
    assert.equal(running.aws.vpc.mode === 'existing' && running.aws.vpc.vpcId, 'vpc-0123456789abcdef1');
  });

  test("allowed, a new resource group: everything of the mesh in Azure and the tunnels taken down, the old group last; the new group made first and everything again in it; the EKS cell's Istio and AWS's network left alone; BGP awaited", async () => {
    await startMesh(h, RESOURCE_GROUP('cells-rg-1'));
    await waitForPhase(h, GROUP_MESH, ['Ready', 'Degraded']);
    const before = (await scheduledCalls(GROUP_MESH)).length;
    const accepted = await send(RESOURCE_GROUP('cells-rg-2'), true, GROUP_MESH);
    assert.deepEqual([accepted.plan.summary.replace, accepted.plan.refused.length, accepted.plan.interruptsTraffic], [29, 0, true]);
    const status = await ended(accepted.changeId, GROUP_MESH);
    assert.equal(status.change.state, 'Applied', JSON.stringify(status.change));
    assert.deepEqual(status.change.progress, { done: 58, total: 58 });
    const calls = (await scheduledCalls(GROUP_MESH)).slice(before);
    const types = calls.map((c) => c.type);
    const deletes = calls.filter((c) => c.type.startsWith('delete'));
    assert.equal(deletes.at(-1)!.type, 'deleteAzureResourceGroup', 'the old group goes last, once everything in it is gone');
    assert.deepEqual(calls.filter((c) => c.type === 'deleteAzureResourceGroup').map((c) => c.input.params.name), ['cells-rg-1']);
    assert.equal(calls.filter((c) => c.type.startsWith('create'))[0]!.type, 'createAzureResourceGroup');
    assert.deepEqual(calls.filter((c) => c.type === 'createAzureResourceGroup').map((c) => c.input.params.name), ['cells-rg-2']);
    assert.deepEqual([...new Set(calls.filter((c) => /^createAzure/.test(c.type)).map((c) => c.input.params.scope.azure.resourceGroup))], ['cells-rg-2'], 'everything in Azure made in the new group');
    assert.ok(types.indexOf('deleteAzureAksCluster') < types.indexOf('deleteAzureResourceGroup'));
    assert.ok(types.lastIndexOf('deleteAwsVpnConnection') < types.indexOf('deleteAwsCustomerGateway'), "AWS's end of the tunnels follows the new public IPs");
    assert.ok(types.lastIndexOf('observeTunnels') > types.lastIndexOf('createAzureConnection'), 'BGP is awaited once the new connections are in place');
    const oldGroupAfterward = calls.slice(types.indexOf('createAzureResourceGroup')).filter((c) => !c.type.startsWith('delete') && JSON.stringify(c.input).includes('"cells-rg-1"'));
    assert.deepEqual(oldGroupAfterward.map((c) => c.type), [], 'once the new group is made, only deletes look in the old one (BGP observed, cells verified in the new)');
    const touched = calls.filter((c) => /^(create|delete)Kube/.test(c.type)).map((c) => c.input.id as string);
    assert.deepEqual([...new Set(touched.filter((id) => id.startsWith('istio/east/')))], ['istio/east/remote-secret/west'], "the EKS cell's Istio stays; only its secret for the AKS cell is made again");
    assert.equal(types.filter((t) => /^(create|delete)Aws(Vpc|Subnet|TransitGateway|TransitGatewayVpcAttachment|VpcRoute|EksCluster)$/.test(t)).length, 0, "AWS's network and cell are left alone");
    const running = await h.client.workflow.getHandle(meshWorkflowId(GROUP_MESH)).query<MeshSpec>('spec');
    assert.equal(running.azure.resourceGroup, 'cells-rg-2');
    assert.deepEqual(status.resources.filter((r: any) => r.state !== 'ready').map((r: any) => r.id), []);
  });
});
