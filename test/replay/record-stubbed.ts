/**
 * Records histories of workflow paths the proving ground cannot easily drive (a rotation
 * terminated while it holds the mesh, a cancelled mesh, continue-as-new after rotation
 * claims, teardownMesh deleting a schedule, drift reported and repaired, a cell's cluster replaced,
 * the tunnels made again for the Azure gateway's ASN, the transit gateway made again for its
 * ASN, the VPC made again for its range, the tunnels' inside CIDRs updated in place, a root rotation started after a
 * change of the root's key type, BGP's deadline after the rotation schedule was made beside the wait): the product's workflow code on a real
 * Temporal dev server, with the cloud and cluster activities stubbed at the activity
 * boundary (test/workflow/mesh-harness.ts). Replay checks commands against events, so
 * stubbed activity results do not make these histories any less a test of determinism.
 * Files that exist are kept, and a scenario whose files all exist is not run:
 * `npx tsx test/replay/record-stubbed.ts`.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { CURRENT_NAMING } from '../../domain/names.ts';
import { CHANGE_UPDATE, type ChangeAccepted, type ChangeRequest } from '../../domain/mesh-change.ts';
import { DRIFT_CHECK_UPDATE, type DriftCheckAccepted, type DriftReport } from '../../domain/drift.ts';
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { exampleSpec } from '../support/stack.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import { meshWorkflowId, type MeshStatus } from '../../domain/mesh-status.ts';
import { ROTATION_QUERY, type RotationProgress } from '../../domain/rotation.ts';
import { MeshLock } from '../../activities/rotation/mesh-lock.ts';
import { RotationSchedules } from '../../activities/rotation/schedule.ts';
import type { rotateCa } from '../../workflows/rotate-ca.ts';
import { historyToJson } from './history-json.ts';
import { FAST_SETTINGS, meshSpec, startHarness, startMesh, waitForPhase, type Harness } from '../workflow/mesh-harness.ts';

const OUT = new URL('./histories/', import.meta.url);

const TGW_ASN_FILE = 'stubbed-resumed-tgw-asn-remade-rolled-back-teardown.json';
const VPC_RANGE_FILE = 'stubbed-resumed-vpc-range-remade-rolled-back-teardown.json';
const INSIDE_CIDRS_FILE = 'stubbed-resumed-inside-cidrs-updated-rolled-back-teardown.json';
const ROOT_KEY_TYPE_FILE = 'stubbed-resumed-root-key-type-rotation-started-rolled-back-teardown.json';

const TRACED_FILES = ['stubbed-traced-start-provision.json', 'stubbed-traced-resumed-change-teardown.json', 'stubbed-untraced-start-on-tracing-worker-provision.json'];

/** One recorded path: the history files it writes, and how it drives the mesh there. */
interface Scenario {
  files: string[];
  run(h: Harness): Promise<void>;
}

const SCENARIOS: Scenario[] = [
  { files: ['stubbed-lease-of-terminated-rotation-dropped-teardown.json', 'stubbed-rotate-terminated-while-holding.json'], run: leaseDropped },
  { files: ['stubbed-cancel-while-up-teardown.json'], run: cancelledWhileUp },
  { files: ['stubbed-cancel-while-provisioning-rollback.json'], run: cancelledWhileProvisioning },
  { files: ['stubbed-provision-continue-as-new-once-up.json', 'stubbed-resumed-claims-continue-as-new.json', 'stubbed-resumed-verify-teardown.json'], run: claimsThenContinueAsNew },
  { files: ['stubbed-teardown-deletes-schedule.json'], run: teardownDeletesSchedule },
  { files: ['stubbed-resumed-change-applied-rolled-back-teardown.json'], run: changeAppliedThenRolledBack },
  { files: ['stubbed-resumed-replacement-applied-rolled-back-teardown.json'], run: replacementAppliedThenRolledBack },
  { files: ['stubbed-resumed-tunnels-remade-rolled-back-teardown.json'], run: tunnelsRemadeThenRolledBack },
  { files: ['stubbed-resumed-drift-reported-repaired-teardown.json'], run: driftReportedThenRepaired },
  { files: [TGW_ASN_FILE], run: transitGatewayRemadeThenRolledBack },
  { files: [VPC_RANGE_FILE], run: vpcRemadeThenRolledBack },
  { files: [INSIDE_CIDRS_FILE], run: insideCidrsUpdatedThenRolledBack },
  { files: [ROOT_KEY_TYPE_FILE], run: rootKeyTypeRotatedThenRolledBack },
  { files: ['stubbed-beside-bgp-schedule-made-bgp-deadline-rolled-back.json'], run: scheduleMadeThenBgpDeadline },
];

async function main(): Promise<void> {
  // A scenario whose files all exist is not run again: its histories stand for versions that shipped.
  const pending = SCENARIOS.filter((s) => s.files.some((f) => !existsSync(new URL(f, OUT))));
  if (pending.length === 0) console.log('every stubbed history is recorded; nothing to do');
  if (pending.length > 0) {
    const h = await startHarness('cellbridge-record');
    try {
      for (const scenario of pending) await scenario.run(h);
    } finally {
      await h.stop();
    }
  }
  if (TRACED_FILES.some((f) => !existsSync(new URL(f, OUT)))) {
    const traced = await startHarness('cellbridge-record-traced', { traced: true });
    try {
      await startedWithAndWithoutTrace(traced);
    } finally {
      await traced.stop();
    }
  }
}

async function leaseDropped(h: Harness): Promise<void> {
  const spec = meshSpec('cells', 'rec-lease');
  await startMesh(h, spec);
  await waitForPhase(h, spec.name, ['Ready', 'Degraded']);
  const rotation = await h.client.workflow.start<typeof rotateCa>('rotateCa', { taskQueue: h.taskQueue, workflowId: 'rotation-rec-lease-intermediate-stuck', args: [{ spec, kind: 'intermediate', naming: CURRENT_NAMING }] });
  while ((await rotation.query<RotationProgress>(ROTATION_QUERY)).phase !== 'intermediates') await pause();
  await rotation.terminate('recording: a rotation that never lets go');
  await h.client.workflow.getHandle(meshWorkflowId(spec.name)).signal('teardown');
  await waitForPhase(h, spec.name, ['Deleted']);
  await save(h, 'stubbed-lease-of-terminated-rotation-dropped-teardown.json', meshWorkflowId(spec.name));
  await save(h, 'stubbed-rotate-terminated-while-holding.json', rotation.workflowId);
}

async function cancelledWhileUp(h: Harness): Promise<void> {
  const spec = meshSpec('cells', 'rec-cancel-up');
  await startMesh(h, spec);
  await waitForPhase(h, spec.name, ['Ready', 'Degraded']);
  await h.client.workflow.getHandle(meshWorkflowId(spec.name)).cancel();
  await waitForPhase(h, spec.name, ['Deleted']);
  await save(h, 'stubbed-cancel-while-up-teardown.json', meshWorkflowId(spec.name));
}

async function cancelledWhileProvisioning(h: Harness): Promise<void> {
  const spec = meshSpec('minimal', 'rec-cancel-early');
  h.faults.holdCreate.add('azure.vpnGateway');
  try {
    const handle = await startMesh(h, spec, { ...FAST_SETTINGS, heartbeatTimeoutMs: 1000 });
    for (;;) {
      const status = await handle.query<{ resources: { id: string; state: string }[] }>('status');
      if (status.resources.some((r) => r.id === 'azure/vpn-gateway' && r.state === 'creating')) break;
      await pause();
    }
    await handle.cancel();
    await handle.result();
  } finally {
    h.faults.holdCreate.clear();
  }
  await save(h, 'stubbed-cancel-while-provisioning-rollback.json', meshWorkflowId(spec.name));
}

/** Since verify-beside-bgp-v1: the cells inspected and the schedule made while BGP is awaited; BGP never comes up, so the rollback deletes the schedule first. */
async function scheduleMadeThenBgpDeadline(h: Harness): Promise<void> {
  const spec = meshSpec('cells', 'rec-beside-bgp');
  h.faults.tunnelsDown = true;
  try {
    const handle = await startMesh(h, { ...spec, backbone: { ...spec.backbone, bgpTimeoutSeconds: 2 } }, { ...FAST_SETTINGS, bgpPollInitialMs: 100, bgpPollMaxMs: 200 });
    await handle.result().catch(() => undefined);
  } finally {
    h.faults.tunnelsDown = false;
  }
  await save(h, 'stubbed-beside-bgp-schedule-made-bgp-deadline-rolled-back.json', meshWorkflowId(spec.name));
}

async function claimsThenContinueAsNew(h: Harness): Promise<void> {
  const spec = meshSpec('cells', 'rec-claims');
  await startMesh(h, spec, { ...FAST_SETTINGS, continueAsNewAfter: 3 });
  await waitForPhase(h, spec.name, ['Ready', 'Degraded']);
  const lock = new MeshLock(h.client);
  const id = meshWorkflowId(spec.name);
  for (let i = 0; i < 3; i++) {
    await lock.claim(id, `rotation-rec-claims-${i}`);
    await lock.release(id, `rotation-rec-claims-${i}`);
  }
  await h.client.workflow.getHandle(id).signal('verify');
  await waitForPhase(h, spec.name, ['Ready', 'Degraded']);
  await h.client.workflow.getHandle(id).signal('teardown');
  await waitForPhase(h, spec.name, ['Deleted']);
  // Runs in order: provision → continue-as-new, claims → continue-as-new, verify → teardown.
  let runs: string[] = [];
  // Visibility is eventually consistent: wait until it lists all three runs.
  while (runs.length < 3) {
    runs = [];
    for await (const run of h.client.workflow.list({ query: `WorkflowId = "${id}"` })) runs.push(run.runId);
    if (runs.length < 3) await pause();
  }
  const ordered = await orderByStart(h, id, runs);
  await save(h, 'stubbed-provision-continue-as-new-once-up.json', id, ordered[0]);
  await save(h, 'stubbed-resumed-claims-continue-as-new.json', id, ordered[1]);
  await save(h, 'stubbed-resumed-verify-teardown.json', id, ordered.at(-1));
}

async function teardownDeletesSchedule(h: Harness): Promise<void> {
  const spec = meshSpec('cells', 'rec-sweep');
  await new RotationSchedules(h.client, h.taskQueue).ensure(spec, CURRENT_NAMING);
  const sweep = await startMesh(h, spec, FAST_SETTINGS, 'teardownMesh');
  await sweep.result();
  await save(h, 'stubbed-teardown-deletes-schedule.json', meshWorkflowId(spec.name));
}

/** A resumed mesh takes a change (a cell added, a node group resized), then one that rolls back, then a teardown. */
async function changeAppliedThenRolledBack(h: Harness): Promise<void> {
  const spec = meshSpec('cells', 'rec-change');
  const id = meshWorkflowId(spec.name);
  await startMesh(h, spec);
  await waitForPhase(h, spec.name, ['Ready', 'Degraded']);
  const north = { name: 'north', cloud: 'aws', kubernetesVersion: '1.33', nodePool: { count: 2, instanceType: 'm6i.large' }, serviceCidr: '172.21.0.0/16' };
  const apply = async (edit: (raw: any) => void) => {
    const raw = exampleSpec('cells', { name: spec.name });
    edit(raw);
    await changeAndWait(h, id, raw, false);
  };
  const bigger = (raw: any) => (raw.cells.push(north), (raw.cells[0].nodePool.count = 3));
  await apply(bigger);
  h.faults.failCreate.add('kube.remoteSecret');
  try {
    await apply((raw) => (bigger(raw), raw.cells.push({ ...north, name: 'south', serviceCidr: '172.22.0.0/16' })));
  } finally {
    h.faults.failCreate.clear();
  }
  await h.client.workflow.getHandle(id).signal('teardown');
  await waitForPhase(h, spec.name, ['Deleted']);
  await saveResumedRun(h, 'stubbed-resumed-change-applied-rolled-back-teardown.json', id);
}

/** A resumed mesh has its east cluster replaced (a new service range), then a replacement that rolls back, then a teardown. */
async function replacementAppliedThenRolledBack(h: Harness): Promise<void> {
  const spec = meshSpec('cells', 'rec-replace');
  const id = meshWorkflowId(spec.name);
  await startMesh(h, spec);
  await waitForPhase(h, spec.name, ['Ready', 'Degraded']);
  const replace = async (serviceCidr: string) => {
    const raw = exampleSpec('cells', { name: spec.name });
    raw.cells[0].serviceCidr = serviceCidr;
    await changeAndWait(h, id, raw, true);
  };
  await replace('172.22.0.0/16');
  h.faults.failCreateOnce.add('kube.remoteSecret');
  try {
    await replace('172.23.0.0/16');
  } finally {
    h.faults.failCreateOnce.clear();
  }
  await h.client.workflow.getHandle(id).signal('teardown');
  await waitForPhase(h, spec.name, ['Deleted']);
  await saveResumedRun(h, 'stubbed-resumed-replacement-applied-rolled-back-teardown.json', id);
}

/**
 * A resumed mesh has its Azure gateway's ASN changed (its tunnels made again, BGP awaited), then
 * another ASN whose tunnels never come up by the BGP deadline (rolled back, the old tunnels awaited), then a teardown.
 */
async function tunnelsRemadeThenRolledBack(h: Harness): Promise<void> {
  const spec = meshSpec('cells', 'rec-asn');
  const id = meshWorkflowId(spec.name);
  await startMesh(h, spec);
  await waitForPhase(h, spec.name, ['Ready', 'Degraded']);
  const asn = (gatewayAsn: number, bgpTimeoutSeconds: number) => {
    const raw = exampleSpec('cells', { name: spec.name });
    raw.azure.gatewayAsn = gatewayAsn;
    raw.backbone = { bgpTimeoutSeconds };
    return raw;
  };
  await changeAndWait(h, id, asn(65020, 1800), true);
  h.faults.tunnelsDown = true;
  const { changeId } = await h.client.workflow.getHandle(id).executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [{ spec: valid(asn(65030, 2)), allowReplace: true }] });
  try {
    const rollingBack = (status: MeshStatus) => status.change?.changeId === changeId && status.change.state === 'RollingBack';
    while (!rollingBack(await h.client.workflow.getHandle(id).query<MeshStatus>('status'))) await pause();
  } finally {
    h.faults.tunnelsDown = false;
  }
  const ended = (status: MeshStatus) => status.change?.changeId === changeId && status.phase !== 'Changing';
  while (!ended(await h.client.workflow.getHandle(id).query<MeshStatus>('status'))) await pause();
  await h.client.workflow.getHandle(id).signal('teardown');
  await waitForPhase(h, spec.name, ['Deleted']);
  await saveResumedRun(h, 'stubbed-resumed-tunnels-remade-rolled-back-teardown.json', id);
}

/** A resumed mesh reports drift when asked, is switched to repair (a change), repairs in two rounds, and is torn down. */
async function driftReportedThenRepaired(h: Harness): Promise<void> {
  const spec = meshSpec('cells', 'rec-drift');
  const id = meshWorkflowId(spec.name);
  await startMesh(h, spec);
  await waitForPhase(h, spec.name, ['Ready', 'Degraded']);
  const handle = () => h.client.workflow.getHandle(id);
  const reportOf = async (which: (r: DriftReport) => boolean) => {
    for (;;) {
      const drift = (await handle().query<MeshStatus>('status')).drift;
      if (drift?.last && !drift.running && which(drift.last)) return;
      await pause();
    }
  };
  const found = (id: string, kind: string, state: 'missing' | 'drifted', repairBy: 'create' | 'update') => ({ id, kind, name: id, state, repairBy, fields: [{ field: 'exists', expected: 'present', actual: 'absent' }] });
  h.faults.driftFindings.push({ checked: 60, drifts: [found('aws/vpn-connection/1', 'aws.vpnConnection', 'missing', 'create')] });
  const { checkId } = await handle().executeUpdate<DriftCheckAccepted, []>(DRIFT_CHECK_UPDATE, { args: [] });
  await reportOf((r) => r.checkId === checkId);
  h.faults.driftFindings.push(
    { checked: 60, drifts: [found('aws/vpn-connection/1', 'aws.vpnConnection', 'missing', 'create'), found('aws/eks-nodegroup/east', 'aws.eksNodegroup', 'drifted', 'update')] },
    { checked: 60, drifts: [found('azure/connection/2', 'azure.connection', 'drifted', 'update')] },
  );
  const raw = exampleSpec('cells', { name: spec.name });
  raw.drift = { mode: 'repair' };
  await handle().executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [{ spec: valid(raw), allowReplace: false }] });
  await reportOf((r) => r.trigger === 'spec-changed');
  await handle().signal('teardown');
  await waitForPhase(h, spec.name, ['Deleted']);
  await saveResumedRun(h, 'stubbed-resumed-drift-reported-repaired-teardown.json', id);
}

/**
 * A resumed mesh has its transit gateway's ASN changed (the transit gateway, its attachment, route
 * and tunnels made again, BGP awaited), then another ASN whose tunnels never come up by the BGP
 * deadline (rolled back), then a teardown.
 */
async function transitGatewayRemadeThenRolledBack(h: Harness): Promise<void> {
  const asn = (transitGatewayAsn: number) => (raw: any) => (raw.aws.transitGatewayAsn = transitGatewayAsn);
  await appliedThenRolledBack(h, 'rec-tgw-asn', TGW_ASN_FILE, asn(64600), asn(64700), true);
}

/**
 * A resumed mesh has its VPC's range changed (the AWS cell, route, attachment, subnets and VPC
 * made again, BGP awaited), then another range whose tunnels never come up by the BGP deadline
 * (rolled back), then a teardown.
 */
async function vpcRemadeThenRolledBack(h: Harness): Promise<void> {
  const range = (second: number) => (raw: any) => ((raw.aws.vpc.cidr = `10.${second}.0.0/16`), (raw.aws.vpc.subnets = [{ cidr: `10.${second}.0.0/24` }, { cidr: `10.${second}.1.0/24` }]));
  await appliedThenRolledBack(h, 'rec-vpc', VPC_RANGE_FILE, range(11), range(12), true);
}

/**
 * A resumed mesh has its tunnels' inside CIDRs changed in place (the VPN gateway, VPN connections,
 * local gateways and connections updated, BGP awaited), then the old CIDRs again while no tunnel
 * comes up (every update undone), then a teardown.
 */
async function insideCidrsUpdatedThenRolledBack(h: Harness): Promise<void> {
  const cidrs = (tunnelInsideCidrs: string[]) => (raw: any) => (raw.backbone = { tunnelInsideCidrs });
  await appliedThenRolledBack(
    h, 'rec-apipa', INSIDE_CIDRS_FILE,
    cidrs(['169.254.22.16/30', '169.254.22.20/30', '169.254.22.24/30', '169.254.22.28/30']),
    cidrs(['169.254.21.0/30', '169.254.22.0/30', '169.254.21.4/30', '169.254.22.4/30']),
    false,
  );
}

/**
 * A cells mesh whose root key type is changed: the change stands, the mesh starts the root rotation
 * (the harness starts no workflow under its ID, so the mesh's lease check drops the hold); then the
 * key type changed back together with a cell whose cluster is refused, which rolls back and starts
 * none; then teardown.
 */
async function rootKeyTypeRotatedThenRolledBack(h: Harness): Promise<void> {
  const name = 'rec-root';
  const id = meshWorkflowId(name);
  await startMesh(h, meshSpec('cells', name));
  await waitForPhase(h, name, ['Ready', 'Degraded']);
  const rsa = exampleSpec('cells', { name });
  rsa.pki = { keyType: 'RSA_4096' };
  await changeAndWait(h, id, rsa, true);
  const released = (status: MeshStatus) => status.change?.rootRotation?.state === 'ended' && status.rotation === undefined;
  while (!released(await h.client.workflow.getHandle(id).query<MeshStatus>('status'))) await pause();
  const back = exampleSpec('cells', { name });
  back.cells.push({ name: 'north', cloud: 'aws', kubernetesVersion: '1.33', nodePool: { count: 2, instanceType: 'm6i.large' }, serviceCidr: '172.21.0.0/16' });
  h.faults.failCreate.add('aws.eksCluster');
  try {
    await changeAndWait(h, id, back, true);
  } finally {
    h.faults.failCreate.delete('aws.eksCluster');
  }
  const status = await h.client.workflow.getHandle(id).query<MeshStatus>('status');
  if (status.change?.state !== 'RolledBack' || status.change.rootRotation) throw new Error(`${name}: the second change ended ${status.change?.state}, rootRotation ${JSON.stringify(status.change?.rootRotation)}`);
  await h.client.workflow.getHandle(id).signal('teardown');
  await waitForPhase(h, name, ['Deleted']);
  await saveResumedRun(h, ROOT_KEY_TYPE_FILE, id);
}

/**
 * Provisions a cells mesh, applies `first` (BGP comes up), sends `second` with a 2 s BGP deadline
 * while every tunnel answers down (so it rolls back and the old tunnels are awaited), tears the
 * mesh down, and saves the resumed run that took both changes.
 */
async function appliedThenRolledBack(h: Harness, name: string, file: string, first: (raw: any) => void, second: (raw: any) => void, allowReplace: boolean): Promise<void> {
  const id = meshWorkflowId(name);
  await startMesh(h, meshSpec('cells', name));
  await waitForPhase(h, name, ['Ready', 'Degraded']);
  const edited = (edit: (raw: any) => void, bgpTimeoutSeconds: number) => {
    const raw = exampleSpec('cells', { name });
    edit(raw);
    raw.backbone = { ...raw.backbone, bgpTimeoutSeconds };
    return raw;
  };
  await changeAndWait(h, id, edited(first, 1800), allowReplace);
  h.faults.tunnelsDown = true;
  const { changeId } = await h.client.workflow.getHandle(id).executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [{ spec: valid(edited(second, 2)), allowReplace }] });
  try {
    const rollingBack = (status: MeshStatus) => status.change?.changeId === changeId && status.change.state === 'RollingBack';
    while (!rollingBack(await h.client.workflow.getHandle(id).query<MeshStatus>('status'))) await pause();
  } finally {
    h.faults.tunnelsDown = false;
  }
  const ended = (status: MeshStatus) => status.change?.changeId === changeId && status.phase !== 'Changing';
  let status = await h.client.workflow.getHandle(id).query<MeshStatus>('status');
  for (; !ended(status); status = await h.client.workflow.getHandle(id).query<MeshStatus>('status')) await pause();
  if (status.change?.state !== 'RolledBack') throw new Error(`${name}: the second change ended ${status.change?.state}, not RolledBack`);
  await h.client.workflow.getHandle(id).signal('teardown');
  await waitForPhase(h, name, ['Deleted']);
  await saveResumedRun(h, file, id);
}

/**
 * A worker bundling the tracing interceptors (as production workers do): a mesh started with
 * the trace header (traced: changed, then torn down) and one started without (untraced).
 */
async function startedWithAndWithoutTrace(h: Harness): Promise<void> {
  const traced = meshSpec('cells', 'rec-traced');
  const untraced = meshSpec('cells', 'rec-untraced');
  await startMesh(h, traced);
  await startMesh({ ...h, client: h.env.client }, untraced);
  await waitForPhase(h, traced.name, ['Ready', 'Degraded']);
  await waitForPhase(h, untraced.name, ['Ready', 'Degraded']);
  const id = meshWorkflowId(traced.name);
  const raw = exampleSpec('cells', { name: traced.name });
  raw.cells[0].nodePool.count = 3;
  await changeAndWait(h, id, raw, false);
  await h.client.workflow.getHandle(id).signal('teardown');
  await waitForPhase(h, traced.name, ['Deleted']);
  await saveResumedRun(h, 'stubbed-traced-start-provision.json', id, 'first');
  await saveResumedRun(h, 'stubbed-traced-resumed-change-teardown.json', id);
  await saveResumedRun(h, 'stubbed-untraced-start-on-tracing-worker-provision.json', meshWorkflowId(untraced.name), 'first');
}

/** Sends a whole new spec to the mesh's workflow and waits until that change was applied or rolled back. */
async function changeAndWait(h: Harness, id: string, raw: unknown, allowReplace: boolean): Promise<void> {
  const { changeId } = await h.client.workflow.getHandle(id).executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [{ spec: valid(raw), allowReplace }] });
  const ended = (status: MeshStatus) => status.change?.changeId === changeId && status.phase !== 'Changing';
  while (!ended(await h.client.workflow.getHandle(id).query<MeshStatus>('status'))) await pause();
}

/** Saves the latest (or the first) run of a mesh that has continued as new at least once. */
async function saveResumedRun(h: Harness, file: string, id: string, which: 'first' | 'latest' = 'latest'): Promise<void> {
  let runs: string[] = [];
  while (runs.length < 2) {
    runs = [];
    for await (const run of h.client.workflow.list({ query: `WorkflowId = "${id}"` })) runs.push(run.runId);
    if (runs.length < 2) await pause();
  }
  const ordered = await orderByStart(h, id, runs);
  await save(h, file, id, which === 'first' ? ordered[0] : ordered.at(-1));
}

function valid(raw: unknown): MeshSpec {
  const result = validateSpec(raw);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.spec;
}

async function orderByStart(h: Harness, workflowId: string, runIds: string[]): Promise<string[]> {
  const described = await Promise.all(runIds.map(async (runId) => ({ runId, start: (await h.client.workflow.getHandle(workflowId, runId).describe()).startTime.getTime() })));
  return described.sort((a, b) => a.start - b.start).map((d) => d.runId);
}

async function save(h: Harness, file: string, workflowId: string, runId?: string): Promise<void> {
  const path = new URL(file, OUT);
  if (existsSync(path)) {
    console.log(`kept ${file}`);
    return;
  }
  const history = await h.client.workflow.getHandle(workflowId, runId).fetchHistory();
  writeFileSync(path, `${historyToJson(history)}\n`);
  console.log(`recorded ${file}: ${history.events?.length} events`);
}

const pause = () => new Promise((r) => setTimeout(r, 100));

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
