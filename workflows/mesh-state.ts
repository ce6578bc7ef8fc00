/** The workflow's view of its mesh, kept for the `status` query and the phase search attribute. */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { MeshScope } from '../domain/backbone-graph.ts';
import { clusterStatuses, type ClusterAccessSummary } from '../domain/cluster-status.ts';
import { expectedSeconds } from '../domain/expected-duration.ts';
import type { DriftReport, DriftStatus, DriftTrigger } from '../domain/drift.ts';
import { meshDetails } from '../domain/mesh-details.ts';
import type { MeshCarry } from '../domain/mesh-carry.ts';
import type { ChangeState, ChangeStatus, RootRotationStatus } from '../domain/mesh-change.ts';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import type { Outputs, ResourceGraph, ResourceOutput } from '../domain/resource-graph.ts';
import { SEARCH_ATTRIBUTE, type CleanupFailure, type MeshPhase, type MeshStatus, type ResourceState, type ResourceStatus } from '../domain/mesh-status.ts';
import type { RotationLease } from '../domain/rotation.ts';
import type { TunnelStatus } from '../domain/tunnel-status.ts';
import type { VerificationReport } from '../domain/verification.ts';

const PHASE_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTE.phase, SearchAttributeType.KEYWORD);

export class MeshState {
  private phase: MeshPhase = 'Provisioning';
  private readonly resources = new Map<string, ResourceStatus>();
  private tunnels: TunnelStatus[] = [];
  private readonly access: Record<string, ClusterAccessSummary> = {};
  private verification?: VerificationReport;
  private error?: string;
  private cleanupFailures: CleanupFailure[] = [];
  private rotation?: RotationLease;
  private continuedRuns = 0;
  private change?: ChangeStatus;
  /** The resources the running change touches, and those of them it is done with. */
  private changeIds = new Set<string>();
  private changeDone = new Set<string>();
  private drift: DriftStatus = {};
  private expected?: MeshStatus['expected'];

  constructor(
    private spec: MeshSpec,
    private scope: MeshScope,
    private graph: ResourceGraph,
  ) {
    for (const node of graph.nodes) this.resources.set(node.id, { id: node.id, kind: node.kind, state: 'pending' });
  }

  enter(phase: MeshPhase): void {
    this.phase = phase;
    this.expected = this.expectedFor(phase);
    upsertSearchAttributes([{ key: PHASE_KEY, value: phase }]);
    this.showDetails();
  }

  /**
   * The Web UI's current details follow the status (domain/mesh-details.ts). Setting them
   * records nothing in history: the UI reads them through a built-in query.
   */
  private showDetails(): void {
    setCurrentDetails(meshDetails(this.snapshot()));
  }

  /** Making the graph (then verifying it), or deleting what of it exists; a change's own estimate comes with beginChange. */
  private expectedFor(phase: MeshPhase): MeshStatus['expected'] {
    const since = new Date().toISOString();
    if (phase === 'Provisioning') return { seconds: expectedSeconds(this.graph, 'create'), since };
    if (phase === 'TearingDown' || phase === 'RollingBack') return { seconds: expectedSeconds(this.graph, 'delete', (id) => this.exists(id)), since };
    return phase === 'Verifying' || phase === 'Changing' ? this.expected : undefined;
  }

  private exists(id: string): boolean {
    const state = this.resources.get(id)?.state;
    return state !== undefined && state !== 'pending' && state !== 'deleted';
  }

  mark(id: string, state: ResourceState, extra: { output?: ResourceOutput; detail?: string } = {}): void {
    const current = this.resources.get(id);
    if (!current) return;
    const now = new Date().toISOString();
    if (this.change?.state === 'Applying' && this.changeIds.has(id) && (state === 'ready' || state === 'deleted' || state === 'kept')) {
      // A replaced resource is two steps of the change: taken down, then made again.
      this.changeDone.add(`${id} ${state === 'ready' ? 'made' : 'gone'}`);
      this.change = { ...this.change, progress: { ...this.change.progress, done: this.changeDone.size } };
    }
    // Ready again (an update, or one undone by a rollback): an earlier failure's detail no longer applies.
    const { detail: _earlier, ...rest } = current;
    this.resources.set(id, {
      ...(state === 'ready' ? rest : current),
      state,
      ...(state === 'creating' ? { createStartedAt: now } : {}),
      ...(state === 'ready' ? { createdAt: now } : {}),
      ...(extra.output ? { cloudId: extra.output.cloudId, cloudState: extra.output.state, ...(extra.output.attributes ? { attributes: extra.output.attributes } : {}) } : {}),
      ...(extra.detail !== undefined ? { detail: extra.detail } : {}),
    });
    this.showDetails();
  }

  setTunnels(tunnels: TunnelStatus[]): void {
    this.tunnels = tunnels;
    this.showDetails();
  }

  setClusterAccess(cell: string, access: ClusterAccessSummary): void {
    this.access[cell] = access;
    this.showDetails();
  }

  setVerification(report: VerificationReport): void {
    this.verification = report;
    this.showDetails();
  }

  fail(error: string): void {
    this.error = error;
    this.showDetails();
  }

  addCleanupFailures(failures: CleanupFailure[]): void {
    this.cleanupFailures = [...this.cleanupFailures, ...failures];
    this.showDetails();
  }

  /** Shown, not decided on: the workflow owns the lease. */
  setRotation(lease: RotationLease | undefined): void {
    this.rotation = lease;
  }

  /** A change starts: its new resources are listed (pending) beside the existing ones. */
  beginChange(change: ChangeStatus, touched: string[], next: ResourceGraph): void {
    this.change = change;
    this.graph = next;
    if (change.expectedSeconds !== undefined) this.expected = { seconds: change.expectedSeconds, since: change.startedAt };
    this.changeIds = new Set(touched);
    this.changeDone = new Set();
    for (const node of next.nodes) if (!this.resources.has(node.id)) this.resources.set(node.id, { id: node.id, kind: node.kind, state: 'pending' });
    this.showDetails();
  }

  changeEnds(state: Exclude<ChangeState, 'Applying' | 'RollingBack'>, error?: string): void {
    if (!this.change) return;
    // A change that did not stand starts no root rotation.
    const { rootRotation, ...change } = this.change;
    this.change = { ...change, ...(rootRotation && state === 'Applied' ? { rootRotation } : {}), state, finishedAt: new Date().toISOString(), ...(error !== undefined ? { error } : {}) };
    this.showDetails();
  }

  /** The mesh chose the root rotation's ID and holds the mesh for it; it is started next. */
  rootRotationChosen(rotationId: string): void {
    this.rootRotation((r) => ({ ...r, rotationId }));
  }

  /** Started; a rotation that already let go (a fast one) stays ended. */
  rootRotationRuns(rotationId: string): void {
    this.rootRotation((r) => (r.rotationId === rotationId && r.state === 'pending' ? { ...r, state: 'running', startedAt: new Date().toISOString() } : r));
  }

  rootRotationNotStarted(rotationId: string, error: string): void {
    this.rootRotation((r) => (r.rotationId === rotationId ? { ...r, state: 'not-started', error } : r));
  }

  /** A rotation let go of the mesh, or its lease was dropped (`error`): if it is the change's root rotation, that ended. */
  rotationEnded(rotationId: string, error?: string): void {
    this.rootRotation((r) =>
      r.rotationId === rotationId && (r.state === 'pending' || r.state === 'running') ? { ...r, state: 'ended', endedAt: new Date().toISOString(), ...(error !== undefined ? { error } : {}) } : r,
    );
  }

  private rootRotation(update: (r: RootRotationStatus) => RootRotationStatus): void {
    if (!this.change?.rootRotation) return;
    this.change = { ...this.change, rootRotation: update(this.change.rootRotation) };
    this.showDetails();
  }

  changeRollsBack(error: string): void {
    if (this.change) this.change = { ...this.change, state: 'RollingBack', error };
    this.showDetails();
  }

  driftCheckStarts(checkId: string, trigger: DriftTrigger): void {
    this.drift = { ...this.drift, running: { checkId, trigger, startedAt: new Date().toISOString() } };
  }

  /** The report is kept for the query and shown in the Web UI's current details (no secret in it: fingerprints only). */
  driftCheckEnds(report: DriftReport): void {
    const { running: _done, ...rest } = this.drift;
    this.drift = { ...rest, last: report };
    this.showDetails();
  }

  nextDriftCheckAt(at: string): void {
    this.drift = { ...this.drift, nextCheckAt: at };
  }

  get driftCheckRunning(): string | undefined {
    return this.drift.running?.checkId;
  }

  get driftNextCheckAt(): string | undefined {
    return this.drift.nextCheckAt;
  }

  /** The mesh now runs with this spec (a change applied), its resources found in this scope. */
  respec(spec: MeshSpec, scope: MeshScope): void {
    this.spec = spec;
    this.scope = scope;
  }

  /** Resources no longer part of the mesh: deleted by a change, or created by one that rolled back. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.resources.delete(id);
  }

  /** What the existing resources reported when they were last made ready: the inputs of what a change builds on them. */
  outputs(): Outputs {
    const known: Outputs = {};
    for (const r of this.resources.values()) {
      if (r.state === 'ready' && r.cloudId !== undefined) known[r.id] = { cloudId: r.cloudId, state: r.cloudState ?? '', ...(r.attributes ? { attributes: r.attributes } : {}) };
    }
    return known;
  }

  /** A run resumed by continue-as-new takes up where the last one stopped (no search attribute write: it is unchanged). */
  resume(carry: MeshCarry): void {
    this.phase = carry.phase;
    for (const r of carry.resources) this.resources.set(r.id, r);
    this.tunnels = carry.tunnels;
    Object.assign(this.access, carry.access);
    this.verification = carry.verification;
    this.cleanupFailures = carry.cleanupFailures;
    this.rotation = carry.rotation;
    this.continuedRuns = carry.continuedRuns;
    this.change = carry.change;
    if (carry.drift) this.drift = carry.drift;
    this.showDetails();
  }

  /** What the next run needs; only called when the mesh is up. */
  carry(graph: ResourceGraph): MeshCarry {
    if (this.phase !== 'Ready' && this.phase !== 'Degraded') throw new Error(`mesh ${this.spec.name} continues as new only when up, not ${this.phase}`);
    return {
      phase: this.phase,
      graph,
      resources: [...this.resources.values()],
      tunnels: this.tunnels,
      access: { ...this.access },
      ...(this.verification ? { verification: this.verification } : {}),
      cleanupFailures: this.cleanupFailures,
      ...(this.rotation ? { rotation: this.rotation } : {}),
      continuedRuns: this.continuedRuns + 1,
      ...(this.change ? { change: this.change } : {}),
      ...(this.drift.last || this.drift.nextCheckAt ? { drift: { ...(this.drift.last ? { last: this.drift.last } : {}), ...(this.drift.nextCheckAt ? { nextCheckAt: this.drift.nextCheckAt } : {}) } } : {}),
    };
  }

  get currentPhase(): MeshPhase {
    return this.phase;
  }

  snapshot(): MeshStatus {
    return {
      mesh: this.spec.name,
      naming: this.scope.naming ?? 1,
      phase: this.phase,
      resources: [...this.resources.values()],
      tunnels: this.tunnels,
      ...(this.verification ? { verification: this.verification } : {}),
      clusters: clusterStatuses(this.scope, this.spec.cells ?? [], (id) => this.resources.get(id), this.access),
      ...(this.error !== undefined ? { error: this.error } : {}),
      cleanupFailures: this.cleanupFailures,
      ...(this.rotation ? { rotation: this.rotation } : {}),
      ...(this.continuedRuns > 0 ? { continuedRuns: this.continuedRuns } : {}),
      ...(this.change ? { change: this.change } : {}),
      ...(this.expected ? { expected: this.expected } : {}),
      ...(this.drift.running || this.drift.last || this.drift.nextCheckAt ? { drift: this.drift } : {}),
    };
  }
}
