/**
 * Drift checks inside the mesh workflow (the requestDriftCheck Update, workflows/drift-check.ts),
 * on a real Temporal dev server with the cloud side stubbed at the activity boundary
 * (test/workflow/mesh-harness.ts; checkDrift answers what each test scripts): a report changes
 * nothing, a repair converges through the engine's create and update in rounds until a check
 * finds nothing (a customer gateway by replacement), a spec switched to repair checks at once, and
 * checks never overlap a change.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { DRIFT_CHECK_UPDATE, type DriftCheckAccepted, type ResourceDrift } from '../../domain/drift.ts';
import { CHANGE_UPDATE, type ChangeAccepted, type ChangeRefusal, type ChangeRequest } from '../../domain/mesh-change.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { meshWorkflowId } from '../../domain/mesh-status.ts';
import { DRIFT_CHECKS_PATCH, TRACING_PATCH } from '../../workflows/patches.ts';
import { historyChain, patchIds } from '../support/history.ts';
import { replayAsWorkers } from '../support/replay.ts';
import { meshSpec, startHarness, startMesh, waitForPhase, type Harness } from './mesh-harness.ts';

const MESH = 'wf-drift';

let h: Harness;
before(async () => {
  // Traced as production workers are: the Updates here wake a loop whose run carries the tracing marker.
  h = await startHarness('cellbridge-mesh-drift', { traced: true });
});
after(async () => {
  await h?.stop();
});

const handle = () => h.client.workflow.getHandle(meshWorkflowId(MESH));
const requestCheck = () => handle().executeUpdate<DriftCheckAccepted, []>(DRIFT_CHECK_UPDATE, { args: [] });
const change = (spec: MeshSpec) => handle().executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [{ spec, allowReplace: false }] });

async function report(which: (r: any) => boolean): Promise<any> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const status = await handle().query<any>('status');
    if (status.drift?.last && which(status.drift.last) && !status.drift.running) return status.drift.last;
    if (Date.now() > deadline) throw new Error(`no such drift report: ${JSON.stringify(status.drift)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function scheduled(): Promise<string[]> {
  const runs = await historyChain(h.client, meshWorkflowId(MESH));
  return runs.flatMap((run) => (run.events ?? []).flatMap((e) => (e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name!] : [])));
}

function refusalOf(error: unknown): ChangeRefusal | undefined {
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
  return cause instanceof ApplicationFailure ? (cause.details?.[0] as ChangeRefusal) : undefined;
}

const drift = (id: string, kind: string, state: ResourceDrift['state'], repairBy: ResourceDrift['repairBy'], field = 'exists'): ResourceDrift => ({ id, kind, name: id, state, repairBy, fields: [{ field, expected: 'e', actual: 'a' }] });

describe('drift checks inside the mesh workflow', () => {
  test('report mode: a requested check lists what drifted in the status and current details, schedules no create or update, and sets the next scheduled check an interval later', async () => {
    const spec = meshSpec('cells', MESH);
    await startMesh(h, spec);
    await waitForPhase(h, MESH, ['Ready', 'Degraded']);
    const before = await scheduled();
    h.faults.driftFindings.push({ checked: 60, drifts: [drift('aws/vpn-connection/1', 'aws.vpnConnection', 'missing', 'create'), drift('aws/eks-nodegroup/east', 'aws.eksNodegroup', 'drifted', 'update', 'scalingConfig.desiredSize')] });
    const { checkId } = await requestCheck();
    const last = await report((r) => r.checkId === checkId);
    assert.deepEqual([last.trigger, last.mode, last.checked, last.drifts.map((d: any) => d.id)], ['request', 'report', 60, ['aws/vpn-connection/1', 'aws/eks-nodegroup/east']]);
    assert.equal(last.repair, undefined);
    assert.deepEqual((await scheduled()).slice(before.length).filter((t) => /^(checkDrift|create|update)/.test(t)), ['checkDrift']);
    const status = await handle().query<any>('status');
    const next = Date.parse(status.drift.nextCheckAt) - Date.parse(last.finishedAt);
    assert.ok(Math.abs(next - 60 * 60_000) < 5_000, `the next scheduled check is an hour after this one (${next} ms)`);
    // What the Web UI shows as the workflow's current details.
    const { currentDetails } = await handle().query<{ currentDetails: string }>('__temporal_workflow_metadata');
    assert.match(currentDetails, new RegExp(`Drift check ${checkId}.*2 drifted`));
    assert.match(currentDetails, /aws\/eks-nodegroup\/east .* drifted: scalingConfig.desiredSize expected e, actual a/);
  });

  test('switched to repair by a change: a check runs at once and converges in rounds (made again, then what is built on it updated) until a check finds nothing', async () => {
    const before = await scheduled();
    h.faults.driftFindings.push(
      { checked: 60, drifts: [drift('aws/vpn-connection/1', 'aws.vpnConnection', 'missing', 'create'), drift('aws/eks-nodegroup/east', 'aws.eksNodegroup', 'drifted', 'update'), drift('azure/connection/2', 'azure.connection', 'unchecked', 'update')] },
      { checked: 60, drifts: [drift('azure/connection/2', 'azure.connection', 'drifted', 'update', 'sharedKey')] },
      { checked: 60, drifts: [] },
    );
    const spec = { ...meshSpec('cells', MESH), drift: { mode: 'repair' as const, intervalMinutes: 60 } };
    await change(spec);
    const last = await report((r) => r.trigger === 'spec-changed');
    assert.equal(last.mode, 'repair');
    assert.deepEqual(last.repair, { state: 'Repaired', rounds: 2, repaired: ['aws/vpn-connection/1', 'aws/eks-nodegroup/east', 'azure/connection/2'], remaining: [] });
    assert.deepEqual((await scheduled()).slice(before.length).filter((t) => /^(checkDrift|create|update)/.test(t)), ['checkDrift', 'createAwsVpnConnection', 'updateAwsEksNodegroup', 'checkDrift', 'updateAzureConnection', 'checkDrift']);
  });

  test('repair by replacement: a drifted customer gateway is taken down with its VPN connection (newest first), both made again, before the other connection is updated in place; what is built on them follows in the next round', async () => {
    const before = await scheduled();
    h.faults.driftFindings.push(
      { checked: 60, drifts: [drift('aws/customer-gateway/0', 'aws.customerGateway', 'drifted', 'replace', 'BgpAsn'), drift('aws/vpn-connection/0', 'aws.vpnConnection', 'drifted', 'update', 'CustomerGatewayId'), drift('aws/vpn-connection/1', 'aws.vpnConnection', 'drifted', 'update', 'tunnel 169.254.21.4/30 IkeVersions')] },
      { checked: 60, drifts: [drift('azure/local-gateway/0', 'azure.localNetworkGateway', 'drifted', 'update', 'gatewayIpAddress')] },
      { checked: 60, drifts: [] },
    );
    const { checkId } = await requestCheck();
    const last = await report((r) => r.checkId === checkId);
    assert.deepEqual(last.repair, { state: 'Repaired', rounds: 2, repaired: ['aws/customer-gateway/0', 'aws/vpn-connection/0', 'aws/vpn-connection/1', 'azure/local-gateway/0'], remaining: [] });
    assert.deepEqual((await scheduled()).slice(before.length).filter((t) => /^(checkDrift|create|update|delete)/.test(t)), [
      'checkDrift', 'deleteAwsVpnConnection', 'deleteAwsCustomerGateway', 'createAwsCustomerGateway', 'createAwsVpnConnection', 'updateAwsVpnConnection', 'checkDrift', 'updateAzureLocalNetworkGateway', 'checkDrift',
    ]);
  });

  test('never beside a change: a check is refused while a change runs, and a change while a check runs (409 with the rule)', async () => {
    h.faults.holdDrift = true;
    await requestCheck();
    const again = await requestCheck();
    const refused = await change({ ...meshSpec('cells', MESH), drift: { mode: 'report', intervalMinutes: 30 } }).catch((e: unknown) => e);
    assert.deepEqual([refusalOf(refused)?.status, refusalOf(refused)?.problems.map((p) => p.rule)], [409, ['change.drift-check-running']]);
    assert.ok(again.checkId, 'a second request while one runs gets the running check');
    h.faults.holdDrift = false;
    await report((r) => r.checkId === again.checkId);

    h.faults.holdCreate.add('aws.eksCluster');
    const north = meshSpec('cells', MESH);
    north.cells.push({ ...north.cells[0]!, name: 'north', serviceCidr: '172.21.0.0/16' } as any);
    const accepted = await change({ ...north, drift: { mode: 'repair', intervalMinutes: 60 } });
    const during = await requestCheck().catch((e: unknown) => e);
    assert.deepEqual(refusalOf(during)?.problems.map((p) => p.rule), ['drift.change-in-progress']);
    h.faults.holdCreate.delete('aws.eksCluster');
    assert.ok(accepted.changeId);
    await waitForPhase(h, MESH, ['Ready', 'Degraded']);
    await handle().signal('teardown');
    await waitForPhase(h, MESH, ['Deleted']);
  });

  test('every run of the mesh, traced, with its drift Updates, changes and clock, replays against the workflow code without nondeterminism', async () => {
    const runs = await historyChain(h.client, meshWorkflowId(MESH));
    assert.ok(runs.length >= 2, 'the first run and at least one resumed run');
    const patches = runs.flatMap(patchIds);
    assert.ok(patches.includes(TRACING_PATCH) && patches.includes(DRIFT_CHECKS_PATCH), `traced runs with drift checks: ${patches.join(', ')}`);
    const results = replayAsWorkers(runs.map((history, i) => ({ workflowId: `run-${i}`, history })));
    for await (const result of results) assert.equal(result.error, undefined, `${result.workflowId}: ${result.error}`);
  });
});
