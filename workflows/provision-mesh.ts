/**
 * The runbook of one mesh, as a durable workflow. Its ID is derived from the mesh
 * name, and it lives as long as the mesh: it provisions, waits in Ready, and tears
 * down when asked (a cancellation counts as asking). Until it is Ready, any failure,
 * a cancellation or a teardown request rolls back everything it created. Once up, it
 * continues as new (right away, then every N wake-ups) with its state in the input
 * (domain/mesh-carry.ts), so a mesh that lives for years keeps a bounded history.
 * While up, it applies changes sent as the `applyChange` Update (workflows/apply-change.ts),
 * and checks drift on a timer and when asked (the `requestDriftCheck` Update;
 * workflows/drift-check.ts), each never beside the other, a rotation or a teardown. A change of
 * the root's key type is taken in by a root rotation the mesh starts once the change stands.
 * docs/upgrading.md says how changes to this code stay replayable.
 */
import {
  allHandlersFinished, ApplicationFailure, CancellationScope, condition, defineQuery, defineSignal, defineUpdate, isCancellation, log, makeContinueAsNewFunc, patched, proxyActivities, setHandler, sleep, uuid4, workflowInfo,
} from '@temporalio/workflow';
import type { MeshActivities } from '../activities/index.ts';
import { MESH_UPDATE, newRotationId, type RotatedCacerts, type RotationLease } from '../domain/rotation.ts';
import { WRITTEN_INTERMEDIATE } from '../domain/cacerts-parameters.ts';
import { ISTIO_ID } from '../domain/istio-graph.ts';
import { meshScope } from '../domain/backbone-graph.ts';
import { meshGraph } from '../domain/mesh-graph.ts';
import { planChange } from '../domain/change-plan.ts';
import { CHANGE_UPDATE, refuseChange, refuseDriftCheck, type ChangeAccepted, type ChangeRequest } from '../domain/mesh-change.ts';
import { backboneNames, type NamingVersion } from '../domain/names.ts';
import { meshActivitySummary } from '../domain/activity-summary.ts';
import { planTunnels } from '../domain/apipa-plan.ts';
import { driftSettings, type MeshSpec } from '../domain/mesh-spec.ts';
import { MESH_QUERY, MESH_SIGNAL, type CleanupFailure, type MeshPhase, type MeshStatus } from '../domain/mesh-status.ts';
import { DEFAULT_WORKFLOW_SETTINGS, type MeshWorkflowInput } from '../domain/workflow-settings.ts';
import { awaitBgpEstablished } from './await-bgp.ts';
import { verifyClusterAccess } from './verify-clusters.ts';
import { verifyIstio } from './verify-istio.ts';
import { startBesideBgp, type BesideBgp } from './verify-beside-bgp.ts';
import { MeshState } from './mesh-state.ts';
import { resourceCalls } from './resource-activities.ts';
import { destroyGraph, errorMessage, Saga } from './saga.ts';
import { runGraph } from './run-graph.ts';
import { applyChange, type GraphChange } from './apply-change.ts';
import { DRIFT_CHECKS_PATCH, LIFELONG_MESH_PATCH, VERIFY_BESIDE_BGP_PATCH, VERIFY_TOLERATES_OBSERVATION_FAILURES_PATCH } from './patches.ts';
import { runDriftCheck } from './drift-check.ts';
import { DRIFT_CHECK_UPDATE, sameDriftSettings, type DriftCheckAccepted, type DriftTrigger } from '../domain/drift.ts';

export const statusQuery = defineQuery<MeshStatus>(MESH_QUERY.status);
export const specQuery = defineQuery<MeshSpec>(MESH_QUERY.spec);
export const teardownSignal = defineSignal(MESH_SIGNAL.teardown);
export const verifySignal = defineSignal(MESH_SIGNAL.verify);
export const beginRotationUpdate = defineUpdate<void, [string]>(MESH_UPDATE.beginRotation);
export const endRotationUpdate = defineUpdate<void, [string, RotatedCacerts?]>(MESH_UPDATE.endRotation);
export const applyChangeUpdate = defineUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE);
export const driftCheckUpdate = defineUpdate<DriftCheckAccepted, []>(DRIFT_CHECK_UPDATE);

const schedules = proxyActivities<Pick<MeshActivities, 'ensureRotationSchedule' | 'deleteRotationSchedule'>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumAttempts: 10 },
});

/** Labelled in the Web UI like every activity of the mesh (domain/activity-summary.ts). */
const ensureRotationSchedule = (spec: MeshSpec, naming: NamingVersion) =>
  schedules.ensureRotationSchedule.executeWithOptions({ summary: meshActivitySummary.rotationSchedule(spec.name) }, [spec, naming]);
const deleteRotationSchedule = (mesh: string) => schedules.deleteRotationSchedule.executeWithOptions({ summary: meshActivitySummary.deleteRotationSchedule(mesh) }, [mesh]);

const rotations = proxyActivities<Pick<MeshActivities, 'startRootRotation'>>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumAttempts: 10 },
});

const leases = proxyActivities<Pick<MeshActivities, 'rotationRunning'>>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 },
});

export interface MeshResult {
  phase: MeshPhase;
  cleanupFailures: CleanupFailure[];
}

export async function provisionMesh(input: MeshWorkflowInput): Promise<MeshResult> {
  const { settings, naming = 1, resumed } = input;
  // A change applied replaces both; the next run continues with them.
  let spec = input.spec;
  // Runs started before meshes lived for years (no marker in their history) keep their old commands: no
  // continue-as-new, no lease checks. A resumed run only exists since then. See docs/upgrading.md.
  const lifelong = resumed !== undefined || patched(LIFELONG_MESH_PATCH);
  const continueAsNewAfter = settings.continueAsNewAfter ?? DEFAULT_WORKFLOW_SETTINGS.continueAsNewAfter;
  const leaseCheckMs = settings.rotationLeaseCheckMs ?? DEFAULT_WORKFLOW_SETTINGS.rotationLeaseCheckMs;
  // Where the mesh's resources are found; a change may move them to another resource group or VPC.
  let scope = meshScope(spec, naming);
  let graph = resumed?.graph ?? meshGraph(spec, naming);
  const state = new MeshState(spec, scope, graph);
  if (resumed) state.resume(resumed);
  const calls = resourceCalls(settings);
  const saga = new Saga();
  const provisioning = new CancellationScope();
  let teardownRequested = false;
  let verifyRequested = false;
  // Accepted by the Update, applied by the main loop; a change is running from acceptance to its end.
  let pendingChange: (GraphChange & { spec: MeshSpec }) | undefined;
  let changeRunning = false;
  // A drift check asked for (by the API, the drift clock or a changed drift setting) waits for the main loop.
  let driftRequested: { checkId: string; trigger: DriftTrigger } | undefined;
  let driftClocks = 0;
  // Verifications, rotation claims, lease checks and drift checks since this run started: what makes its history grow.
  let wakeups = 0;
  setHandler(statusQuery, () => state.snapshot());
  setHandler(specQuery, () => spec);
  setHandler(teardownSignal, () => {
    teardownRequested = true;
    // A change finishes (or rolls back) before the teardown; only provisioning is cancelled.
    if (state.currentPhase !== 'Ready' && state.currentPhase !== 'Degraded' && !changeRunning) provisioning.cancel();
  });
  setHandler(verifySignal, () => {
    verifyRequested = true;
  });
  // A rotation holds the mesh: only when it is up, one at a time, and teardown waits for it.
  let rotation: RotationLease | undefined = resumed?.rotation;
  const hold = (lease: RotationLease | undefined) => {
    rotation = lease;
    state.setRotation(lease);
  };
  setHandler(
    beginRotationUpdate,
    (id) => {
      if (rotation?.rotationId === id) return;
      hold({ rotationId: id, claimedAt: new Date().toISOString() });
      wakeups++;
    },
    {
      validator: (id) => {
        const phase = state.currentPhase;
        if (phase !== 'Ready' && phase !== 'Degraded') throw new Error(`mesh ${spec.name} is ${phase}; rotations run only when it is Ready or Degraded`);
        if (teardownRequested) throw new Error(`mesh ${spec.name} is about to be torn down`);
        if (rotation !== undefined && rotation.rotationId !== id) throw new Error(`rotation ${rotation.rotationId} is already running on mesh ${spec.name}`);
        const drift = state.driftCheckRunning;
        if (drift !== undefined) throw new Error(`drift check ${drift} is running on mesh ${spec.name}; the rotation's next attempt finds it done`);
      },
    },
  );
  setHandler(endRotationUpdate, (id, cacerts) => {
    if (rotation?.rotationId === id) hold(undefined);
    state.rotationEnded(id);
    // What the rotation wrote is what cacerts should hold now: the drift check compares with it (docs/drift.md).
    const known = state.outputs();
    for (const [cell, written] of Object.entries(cacerts ?? {})) {
      const node = ISTIO_ID.cacerts(cell);
      const before = known[node];
      if (before) state.mark(node, 'ready', { output: { ...before, attributes: { ...before.attributes, [WRITTEN_INTERMEDIATE]: written.intermediateFingerprint, notAfter: written.notAfter } } });
    }
  });
  // The caller learns synchronously whether the change is accepted (the plan) or refused (field and rule).
  const planFor = (request: ChangeRequest) => planChange(spec, request.spec, { naming, allowReplace: request.allowReplace });
  setHandler(
    applyChangeUpdate,
    (request) => {
      const plan = planFor(request);
      const changeId = uuid4();
      pendingChange = { changeId, plan, before: graph, after: meshGraph(request.spec, naming), spec: request.spec };
      changeRunning = true;
      state.enter('Changing');
      return { changeId, plan };
    },
    {
      validator: (request) => {
        const refusal = refuseChange(request, planFor(request), { mesh: spec.name, phase: state.currentPhase, rotationId: rotation?.rotationId, teardownRequested, changeRunning, driftCheckId: state.driftCheckRunning });
        if (refusal) throw ApplicationFailure.create({ type: 'ChangeRefused', message: refusal.message, nonRetryable: true, details: [refusal] });
      },
    },
  );

  // Accepted at once with the check's ID (the report follows in the status); one asked for while another waits or runs is that one.
  setHandler(
    driftCheckUpdate,
    () => {
      const running = state.driftCheckRunning;
      if (running !== undefined) return { checkId: running };
      driftRequested ??= { checkId: uuid4(), trigger: 'request' };
      return { checkId: driftRequested.checkId };
    },
    {
      validator: () => {
        const refusal = refuseDriftCheck({ mesh: spec.name, phase: state.currentPhase, rotationId: rotation?.rotationId, teardownRequested, changeRunning });
        if (refusal) throw ApplicationFailure.create({ type: 'DriftCheckRefused', message: refusal.message, nonRetryable: true, details: [refusal] });
      },
    },
  );

  const withCells = () => (spec.cells ?? []).length > 0;
  // Runs recorded before VERIFY_BESIDE_BGP_PATCH verify, and make the schedule, after BGP.
  let besideBgp: BesideBgp | undefined;
  if (!resumed) {
    try {
      await provisioning.run(async () => {
        state.enter('Provisioning');
        await runGraph(graph, calls, saga, state);
        state.enter('Verifying');
        const tolerant = patched(VERIFY_TOLERATES_OBSERVATION_FAILURES_PATCH);
        const deadlineMs = Date.now() + spec.backbone.bgpTimeoutSeconds * 1000;
        const accessPatience = tolerant ? { deadlineMs, pollMs: settings.bgpPollMaxMs } : undefined;
        if (patched(VERIFY_BESIDE_BGP_PATCH)) {
          // Istio's inspection and the rotation schedule do not wait for BGP (workflows/verify-beside-bgp.ts).
          const accessed = verifyClusterAccess(spec, scope, calls, state, accessPatience);
          besideBgp = startBesideBgp(spec, scope, calls, accessed, withCells() ? () => ensureRotationSchedule(spec, naming) : undefined);
          await Promise.all([awaitTunnels(spec, tolerant), accessed]);
        } else {
          await Promise.all([awaitTunnels(spec, tolerant), verifyClusterAccess(spec, scope, calls, state, accessPatience)]);
        }
      });
    } catch (error) {
      // Cancelling the workflow asks for what DELETE asks for: nothing it created stays behind (and the run
      // ends Deleted rather than failed: a different last command, so only in runs that have the patch).
      if (lifelong && isCancellation(error)) teardownRequested = true;
      return rollBack(error);
    }
  }

  try {
    await upUntilTeardown();
  } catch (error) {
    if (!isCancellation(error)) throw error;
    // A cancelled mesh is torn down (schedule included), not left running and billed.
    log.warn('mesh workflow cancelled while up: tearing the mesh down', { mesh: spec.name });
    teardownRequested = true;
  }
  return CancellationScope.nonCancellable(tearDown);

  /** Up: verified, then re-verified on request, until someone asks for teardown; continues as new along the way. */
  async function upUntilTeardown(): Promise<void> {
    if (!resumed) {
      const verified = besideBgp ? await besideBgp.verdict(state) : await verifyIstio(spec, scope, calls, state);
      // The schedule exists by the time anyone sees the mesh up.
      if (besideBgp) await besideBgp.scheduled();
      else if (withCells()) await ensureRotationSchedule(spec, naming);
      state.enter(verified ? 'Ready' : 'Degraded');
    }
    // The first run continues as new as soon as it is up, so its provisioning history is left behind.
    let due = lifelong && !resumed;
    // Runs recorded before drift checks had no drift clock (docs/upgrading.md); asked-for checks need no patch: old histories hold no such Update.
    const scheduledDrift = lifelong && patched(DRIFT_CHECKS_PATCH);
    if (scheduledDrift) {
      if (state.driftNextCheckAt === undefined) scheduleDriftCheck();
      startDriftClock();
    }
    for (;;) {
      if (lifelong && (due || workflowInfo().continueAsNewSuggested)) await continueAsNewUnlessAsked();
      const asked = () => teardownRequested || verifyRequested || pendingChange !== undefined;
      if (lifelong && rotation) {
        // Held: wake on a release too, and check the holder every leaseCheckMs meanwhile. A drift check asked for waits for the release.
        const held = rotation.rotationId;
        const woke = await condition(() => asked() || wakeups >= continueAsNewAfter || rotation?.rotationId !== held, leaseCheckMs);
        if (!woke) {
          wakeups++;
          await dropLeaseOfStoppedRotation();
        }
      } else {
        // A claim wakes the loop too, so the lease checks start with it.
        await condition(() => asked() || driftRequested !== undefined || (lifelong && (wakeups >= continueAsNewAfter || rotation !== undefined)));
      }
      // An accepted change runs before a teardown asked for meanwhile: teardown waits for it.
      if (pendingChange) await runChange(pendingChange);
      if (teardownRequested) return;
      if (driftRequested && !rotation) await checkDrift(driftRequested);
      due = lifelong && wakeups >= continueAsNewAfter;
      if (!verifyRequested) continue;
      verifyRequested = false;
      wakeups++;
      state.enter((await verifyIstio(spec, scope, calls, state)) ? 'Ready' : 'Degraded');
      due = lifelong && wakeups >= continueAsNewAfter;
    }

    function scheduleDriftCheck(): void {
      state.nextDriftCheckAt(new Date(Date.now() + driftSettings(spec).intervalMinutes * 60_000).toISOString());
    }

    /**
     * Asks for a check when the next one is due, beside the loop. Its timers are never cancelled:
     * one that fires early (the due time moved on) sleeps again for the rest. A timeout on the
     * loop's wait instead would start and cancel a timer on every wake (each Update, signal and
     * claim), two more events each in a history kept bounded by counting wake-ups. A shorter
     * interval from a change takes effect at once: the change starts a check, and a new clock
     * (`driftClocks`) for the new due time; the old one ends when it wakes.
     */
    function startDriftClock(): void {
      // A cancelled mesh stops its clock with everything else; that is no failure.
      driftClock().catch((error: unknown) => {
        if (!isCancellation(error)) log.error('the drift clock stopped', { mesh: spec.name, error: errorMessage(error) });
      });
    }

    async function driftClock(): Promise<void> {
      const generation = ++driftClocks;
      while (generation === driftClocks) {
        const wait = Date.parse(state.driftNextCheckAt ?? '') - Date.now();
        if (wait > 0) {
          await sleep(wait);
          continue;
        }
        driftRequested ??= { checkId: uuid4(), trigger: 'schedule' };
        // Until the check has run and set the next due time.
        await condition(() => Date.parse(state.driftNextCheckAt ?? '') > Date.now());
      }
    }

    /** Reads every resource, reports, repairs under `repair`; the next scheduled check counts from its end. */
    async function checkDrift(request: { checkId: string; trigger: DriftTrigger }): Promise<void> {
      driftRequested = undefined;
      wakeups++;
      state.driftCheckStarts(request.checkId, request.trigger);
      const report = await runDriftCheck({ ...request, mode: driftSettings(spec).mode, graph }, calls, state);
      state.driftCheckEnds(report);
      if (scheduledDrift) {
        const shorter = Date.parse(state.driftNextCheckAt ?? '') > Date.now() + driftSettings(spec).intervalMinutes * 60_000;
        scheduleDriftCheck();
        // The clock sleeps until the old due time: a sooner one needs a clock of its own.
        if (shorter) startDriftClock();
      }
      // What a repair changed is verified as a change is.
      if ((report.repair?.repaired.length ?? 0) > 0) state.enter((await verifyIstio(spec, scope, calls, state)) ? 'Ready' : 'Degraded');
    }
  }

  /**
   * Applies an accepted change; the mesh comes back up with the new spec and graph, or with
   * the old ones when it rolled back. Its rotation schedule starts rotations with the spec,
   * so it is brought to the new one (interval, cells).
   */
  async function runChange(change: GraphChange & { spec: MeshSpec }): Promise<void> {
    pendingChange = undefined;
    wakeups++;
    const hadCells = withCells();
    const driftBefore = driftSettings(spec);
    // Until the change stands, `spec` is the old one: what a rollback's tunnels are awaited with.
    const stood = await applyChange(change, calls, state, (of) => awaitTunnels(of === 'after' ? change.spec : spec, true));
    if (stood) {
      // New drift settings take effect at once: a mesh switched to repair repairs now, not at its next scheduled check.
      if (!sameDriftSettings(driftBefore, driftSettings(change.spec))) driftRequested ??= { checkId: uuid4(), trigger: 'spec-changed' };
      spec = change.spec;
      scope = meshScope(spec, naming);
      graph = change.after;
      state.respec(spec, scope);
      await bringScheduleToSpec(hadCells);
    }
    changeRunning = false;
    state.enter((await verifyIstio(spec, scope, calls, state)) ? 'Ready' : 'Degraded');
    // The rotation claims the mesh only once it is up again, with the spec that names the new key type.
    if (stood && change.plan.rootRotation && !teardownRequested) await startRootRotation();
  }

  /**
   * Starts the root rotation that takes the mesh to a root of the new key type: the API's own
   * rotation (workflows/rotate-ca.ts), given the spec the mesh now runs with. The mesh holds
   * itself for it first, so no drift check, change or other rotation comes between; the
   * rotation's claim under that ID is the holder's. If it cannot be started, the hold goes and
   * the status says why; the mesh runs on with its current root until a root rotation is asked
   * for through the API (POST /v1/meshes/{name}/rotations), which takes the same spec.
   */
  async function startRootRotation(): Promise<void> {
    const rotationId = newRotationId(spec.name, 'root', uuid4().slice(0, 8));
    hold({ rotationId, claimedAt: new Date().toISOString() });
    wakeups++;
    state.rootRotationChosen(rotationId);
    try {
      await rotations.startRootRotation.executeWithOptions({ summary: meshActivitySummary.startRootRotation(rotationId, spec.pki.keyType) }, [{ spec, naming, rotationId }]);
      state.rootRotationRuns(rotationId);
    } catch (error) {
      if (rotation?.rotationId === rotationId) hold(undefined);
      state.rootRotationNotStarted(rotationId, errorMessage(error));
      log.error('the root rotation after the change was not started', { mesh: spec.name, rotationId, error: errorMessage(error) });
    }
  }

  /** BGP Established on all four tunnels of `of`, within its deadline. */
  function awaitTunnels(of: MeshSpec, tolerateFailedObservations: boolean): Promise<void> {
    return awaitBgpEstablished(
      calls,
      { scope: meshScope(of, naming), gatewayName: backboneNames(of.name).vpnGateway, tunnels: planTunnels(of.backbone.tunnelInsideCidrs) },
      { deadlineSeconds: of.backbone.bgpTimeoutSeconds, pollInitialMs: settings.bgpPollInitialMs, pollMaxMs: settings.bgpPollMaxMs, tolerateFailedObservations },
      (tunnels) => state.setTunnels(tunnels),
    );
  }

  async function bringScheduleToSpec(hadCells: boolean): Promise<void> {
    try {
      if (withCells()) await ensureRotationSchedule(spec, naming);
      else if (hadCells) await deleteRotationSchedule(spec.name);
    } catch (error) {
      log.error('the rotation schedule was not brought to the changed spec', { mesh: spec.name, error: errorMessage(error) });
    }
  }

  /** Hands the mesh to a fresh run, once no message is being handled and none waits to be. */
  async function continueAsNewUnlessAsked(): Promise<void> {
    if (teardownRequested || verifyRequested || pendingChange || driftRequested) return;
    await condition(allHandlersFinished);
    if (teardownRequested || verifyRequested || pendingChange || driftRequested) return;
    const next = makeContinueAsNewFunc<typeof provisionMesh>({ typedSearchAttributes: workflowInfo().typedSearchAttributes });
    await next({ spec, settings, naming, resumed: state.carry(graph) });
  }

  async function tearDown(): Promise<MeshResult> {
    await awaitRotationEnd();
    if (withCells()) await deleteRotationSchedule(spec.name);
    state.enter('TearingDown');
    const failures = await destroyGraph(graph, new Set(graph.nodes.map((n) => n.id)), calls, state);
    state.addCleanupFailures(failures);
    state.enter(failures.length > 0 ? 'TeardownIncomplete' : 'Deleted');
    return { phase: state.currentPhase, cleanupFailures: failures };
  }

  /** Teardown waits for the rotation that holds the mesh, but not for one that no longer runs. */
  async function awaitRotationEnd(): Promise<void> {
    if (!lifelong) return condition(() => rotation === undefined);
    while (rotation) {
      const held = rotation.rotationId;
      await dropLeaseOfStoppedRotation();
      if (rotation?.rotationId === held) await condition(() => rotation?.rotationId !== held, leaseCheckMs);
    }
  }

  async function dropLeaseOfStoppedRotation(): Promise<void> {
    const held = rotation?.rotationId;
    if (held === undefined || (await leases.rotationRunning.executeWithOptions({ summary: meshActivitySummary.holderRunning(held) }, [{ rotationId: held }]))) return;
    if (rotation?.rotationId !== held) return;
    log.warn('rotation no longer runs and never let go of the mesh: its lease is dropped', { mesh: spec.name, rotationId: held });
    hold(undefined);
    state.rotationEnded(held, 'it stopped without letting go of the mesh');
  }

  async function rollBack(error: unknown): Promise<MeshResult> {
    const reason = teardownRequested ? 'teardown requested during provisioning' : errorMessage(error);
    state.fail(reason);
    state.enter('RollingBack');
    // A schedule made beside the BGP wait goes first, as in a teardown.
    const unscheduled = besideBgp ? await besideBgp.unschedule(() => deleteRotationSchedule(spec.name)) : [];
    const failures = [...unscheduled, ...(await saga.compensate(graph, calls, state))];
    state.addCleanupFailures(failures);
    state.enter(failures.length > 0 ? 'RollbackIncomplete' : 'RolledBack');
    if (teardownRequested && failures.length === 0) {
      state.enter('Deleted');
      return { phase: 'Deleted', cleanupFailures: [] };
    }
    const outcome = failures.length > 0 ? `rollback left ${failures.length} resources: ${failures.map((f) => `${f.resource} (${f.error})`).join('; ')}` : 'everything it created was deleted';
    throw ApplicationFailure.nonRetryable(`mesh ${spec.name} was not provisioned: ${reason}; ${outcome}`, 'ProvisioningFailed', { cleanupFailures: failures });
  }
}
