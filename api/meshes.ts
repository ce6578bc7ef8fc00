/**
 * The mesh resource: each mesh is the Temporal workflow ID `mesh-<name>`, and its
 * latest run (provisionMesh, or teardownMesh after it) is the source of truth. No
 * database: status comes from the workflow's query.
 */
import { ApplicationFailure } from '@temporalio/common';
import { WorkflowExecutionAlreadyStartedError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { isDeepStrictEqual } from 'node:util';
import { planTunnels } from '../domain/apipa-plan.ts';
import { planChange } from '../domain/change-plan.ts';
import { driftSettings, type MeshSpec } from '../domain/mesh-spec.ts';
import { DRIFT_CHECK_UPDATE, type DriftCheckAccepted } from '../domain/drift.ts';
import { CHANGE_UPDATE, type ChangeAccepted, type ChangeRefusal, type ChangeRequest } from '../domain/mesh-change.ts';
import { CURRENT_NAMING, type NamingVersion } from '../domain/names.ts';
import { MESH_QUERY, MESH_SIGNAL, meshWorkflowId, SEARCH_ATTRIBUTE, type MeshStatus } from '../domain/mesh-status.ts';
import { validateSpec } from '../domain/validate-spec.ts';
import { meshWorkflowSummary } from '../domain/workflow-summary.ts';
import type { IstioSupport } from '../domain/istio-versions.ts';
import type * as workflows from '../workflows/index.ts';
import type { WorkflowSettings } from '../domain/workflow-settings.ts';
import { badRequest, HttpError } from './http.ts';
import { leftoversOf } from './leftovers.ts';
import { StatusCache } from './status-cache.ts';
import { notFound, queryWorkflow, type DescribedRun } from './temporal-errors.ts';

/** The workflows that run under a mesh's workflow ID; both take a MeshWorkflowInput. */
type MeshWorkflowType = keyof Pick<typeof workflows, 'provisionMesh' | 'teardownMesh'>;

const MESH_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTE.mesh, SearchAttributeType.KEYWORD);
const PHASE_KEY = defineSearchAttributeKey(SEARCH_ATTRIBUTE.phase, SearchAttributeType.KEYWORD);

export interface Reply {
  status: number;
  body: unknown;
}

export class Meshes {
  private readonly statuses: StatusCache<unknown>;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly settings: WorkflowSettings,
    /** The Istio releases the workers install (CELLBRIDGE_ISTIO_RELEASES): specs naming another are refused. */
    private readonly istioReleases: readonly IstioSupport[],
    /** How old a served GET of one mesh may be (api/status-cache.ts). */
    statusMaxAgeMs = 1000,
  ) {
    this.statuses = new StatusCache(statusMaxAgeMs);
  }

  async create(body: unknown, dryRun: boolean): Promise<Reply> {
    const validation = validateSpec(body, this.istioReleases);
    if (!validation.ok) throw badRequest(validation.problems);
    const { spec } = validation;
    if (dryRun) return { status: 200, body: { valid: true, spec, tunnels: planTunnels(spec.backbone.tunnelInsideCidrs) } };
    const workflowId = meshWorkflowId(spec.name);
    await this.refuseOrphaning(spec);
    try {
      const handle = await this.start('provisionMesh', spec, CURRENT_NAMING);
      this.statuses.forget(spec.name);
      return { status: 202, body: { mesh: spec.name, workflowId, runId: handle.firstExecutionRunId, created: true } };
    } catch (error) {
      if (!(error instanceof WorkflowExecutionAlreadyStartedError)) throw error;
      return this.existing(spec);
    }
  }

  /**
   * A whole new spec for a live mesh. The plan (domain/change-plan.ts) compares it with the
   * spec the mesh runs with, under the names its resources were built with. Without dryRun
   * the mesh's workflow takes it as an Update: its validator accepts the change (202, the
   * plan) or refuses it (400 naming the field and rule, 409 for what the mesh is doing), and
   * the workflow applies it; GET shows its progress under `change`.
   */
  async change(name: string, body: unknown, options: { dryRun: boolean; allowReplace: boolean }): Promise<Reply> {
    const validation = validateSpec(body, this.istioReleases);
    if (!validation.ok) throw badRequest(validation.problems);
    const { spec } = validation;
    if (spec.name !== name) throw badRequest([{ path: '/name', rule: 'change.same-mesh', message: `the spec names mesh ${spec.name}, not ${name}: a mesh cannot be renamed` }]);
    const run = await this.latest(name);
    if (run.description.status.name !== 'RUNNING' || run.description.type !== 'provisionMesh') {
      throw new HttpError(409, { error: 'NotRunning', message: `mesh ${name} is not up (its last run is ${run.description.type}, ${run.description.status.name}): only a live mesh is changed; POST a spec to create one` });
    }
    const [current, status] = await Promise.all([queryWorkflow<MeshSpec>(run, MESH_QUERY.spec), queryWorkflow<MeshStatus>(run, MESH_QUERY.status)]);
    const plan = planChange(current, spec, { naming: status.naming, allowReplace: options.allowReplace });
    if (options.dryRun) return { status: 200, body: { mesh: name, dryRun: true, plan } };
    const request: ChangeRequest = { spec, allowReplace: options.allowReplace };
    try {
      const accepted = await run.handle.executeUpdate<ChangeAccepted, [ChangeRequest]>(CHANGE_UPDATE, { args: [request] });
      this.statuses.forget(name);
      return { status: 202, body: { mesh: name, accepted: true, changeId: accepted.changeId, plan: accepted.plan } };
    } catch (error) {
      throw refused(error) ?? error;
    }
  }

  /**
   * Asks the mesh's workflow for a drift check now, as an Update: acceptance is synchronous (the
   * check's ID, or 409 naming what the mesh is doing), the report is not. A check reads every
   * resource of both clouds and every cluster, and under `repair` converges what drifted, which
   * can take as long as a change: no HTTP request is held that long. GET …/drift serves it.
   */
  async requestDriftCheck(name: string): Promise<Reply> {
    const run = await this.latest(name);
    if (run.description.status.name !== 'RUNNING' || run.description.type !== 'provisionMesh') {
      throw new HttpError(409, { error: 'NotRunning', message: `mesh ${name} is not up (its last run is ${run.description.type}, ${run.description.status.name}): drift is checked only on a live mesh` });
    }
    try {
      const accepted = await run.handle.executeUpdate<DriftCheckAccepted, []>(DRIFT_CHECK_UPDATE, { args: [] });
      this.statuses.forget(name);
      return { status: 202, body: { mesh: name, accepted: true, checkId: accepted.checkId, report: `/v1/meshes/${name}/drift` } };
    } catch (error) {
      throw refused(error) ?? error;
    }
  }

  /** The drift check running, the last report (secrets as fingerprints only) and when the next is due. */
  async drift(name: string): Promise<Reply> {
    const status = await queryWorkflow<MeshStatus>(await this.latest(name), MESH_QUERY.status);
    return { status: 200, body: { mesh: name, phase: status.phase, ...status.drift } };
  }

  async get(name: string): Promise<Reply> {
    return { status: 200, body: await this.statuses.get(name, () => this.currentStatus(name)) };
  }

  private async currentStatus(name: string): Promise<unknown> {
    const run = await this.latest(name);
    const { handle, description } = run;
    const status = await queryWorkflow<MeshStatus>(run, MESH_QUERY.status);
    return { ...status, workflow: { id: handle.workflowId, runId: description.runId, type: description.type, status: description.status.name } };
  }

  /** The latest verification report; 409 while the mesh has none (not yet up, or no cells). */
  async verification(name: string): Promise<Reply> {
    const status = await queryWorkflow<MeshStatus>(await this.latest(name), MESH_QUERY.status);
    if (!status.verification) throw new HttpError(409, { error: 'NotVerified', message: `mesh ${name} has no verification yet (phase ${status.phase}); meshes with cells are verified once they are up` });
    return { status: 200, body: { mesh: name, phase: status.phase, ...status.verification } };
  }

  /** Asks a running mesh to verify itself again; poll GET …/verification for the new checkedAt. */
  async reverify(name: string): Promise<Reply> {
    const { handle, description } = await this.latest(name);
    if (description.status.name !== 'RUNNING' || description.type !== 'provisionMesh') {
      throw new HttpError(409, { error: 'NotRunning', message: `mesh ${name} is not up (its last run is ${description.type}, ${description.status.name})` });
    }
    await handle.signal(MESH_SIGNAL.verify);
    this.statuses.forget(name);
    return { status: 202, body: { mesh: name, action: 'verify' } };
  }

  async delete(name: string): Promise<Reply> {
    const run = await this.latest(name);
    const { handle, description } = run;
    if (description.status.name === 'RUNNING') {
      if (description.type === 'provisionMesh') await handle.signal(MESH_SIGNAL.teardown);
      this.statuses.forget(name);
      return { status: 202, body: { mesh: name, action: 'teardown', workflowId: handle.workflowId } };
    }
    const status = await queryWorkflow<MeshStatus>(run, MESH_QUERY.status);
    if (status.phase === 'Deleted') return { status: 200, body: { mesh: name, phase: 'Deleted' } };
    // The last run ended with resources left over (rollback or teardown incomplete): sweep again.
    const spec = await queryWorkflow<MeshSpec>(run, MESH_QUERY.spec);
    // The names its resources were built with, whatever new meshes use now.
    const teardown = await this.start('teardownMesh', spec, status.naming);
    this.statuses.forget(name);
    return { status: 202, body: { mesh: name, action: 'teardown', workflowId: handle.workflowId, runId: teardown.firstExecutionRunId } };
  }

  async list(): Promise<Reply> {
    const meshes = new Map<string, { mesh: string; phase: string | undefined; workflowStatus: string; type: string }>();
    for await (const run of this.client.workflow.list({ query: `WorkflowId STARTS_WITH "mesh-"` })) {
      const mesh = run.typedSearchAttributes.get(MESH_KEY);
      if (!mesh || meshes.has(mesh)) continue; // newest run first
      meshes.set(mesh, { mesh, phase: run.typedSearchAttributes.get(PHASE_KEY), workflowStatus: run.status.name, type: run.type });
    }
    return { status: 200, body: { meshes: [...meshes.values()] } };
  }

  /** Typed against the workflow functions: a misspelt type or a wrong input does not compile. */
  private start(workflowType: MeshWorkflowType, spec: MeshSpec, naming: NamingVersion) {
    return this.client.workflow.start<(typeof workflows)[MeshWorkflowType]>(workflowType, {
      taskQueue: this.taskQueue,
      workflowId: meshWorkflowId(spec.name),
      args: [{ spec, settings: this.settings, naming }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      workflowIdConflictPolicy: 'FAIL',
      // The Web UI's line under the workflow's name; a run continued as new has none (the SDK cannot pass it on).
      staticSummary: meshWorkflowSummary(workflowType, spec),
      typedSearchAttributes: [
        { key: MESH_KEY, value: spec.name },
        { key: PHASE_KEY, value: workflowType === 'provisionMesh' ? 'Provisioning' : 'TearingDown' },
      ],
    });
  }

  /**
   * A finished run that left resources behind knows them only through its own spec: a
   * new run with another spec (another resource group, region or cells) would never
   * look for them again. Such a POST is refused until a DELETE has swept them; the same
   * spec again is allowed (its run finds and adopts what is there by name and tag).
   */
  private async refuseOrphaning(spec: MeshSpec): Promise<void> {
    const latest = await this.latest(spec.name).catch((error: unknown) => {
      if (error instanceof HttpError && error.status === 404) return undefined;
      throw error;
    });
    if (!latest || latest.description.status.name === 'RUNNING') return;
    const status = await queryWorkflow<MeshStatus>(latest, MESH_QUERY.status);
    const leftovers = leftoversOf(status);
    if (!leftovers) return;
    const previous = await queryWorkflow<MeshSpec>(latest, MESH_QUERY.spec);
    if (sameSpec(previous, spec)) return;
    throw new HttpError(409, {
      error: 'LeftoversExist',
      message: `mesh ${spec.name}'s last run ended ${status.phase} and left ${leftovers.length} resource(s) behind (${leftovers.join(', ')}); a different spec would orphan them. DELETE /v1/meshes/${spec.name} first to sweep them (with the spec that created them), then send the new spec; or send the same spec again`,
      phase: status.phase,
      leftovers,
    });
  }

  /** A repeated POST of the same spec is idempotent; a different spec for a live mesh is a conflict. */
  private async existing(spec: MeshSpec): Promise<Reply> {
    const run = await this.latest(spec.name);
    const { handle, description } = run;
    if (description.type === 'teardownMesh') throw new HttpError(409, { error: 'Conflict', message: `mesh ${spec.name} is being torn down; retry when it is Deleted` });
    const current = await queryWorkflow<MeshSpec>(run, MESH_QUERY.spec);
    if (!sameSpec(current, spec)) {
      throw new HttpError(409, { error: 'Conflict', message: `mesh ${spec.name} exists with a different spec; DELETE it first, or send the same spec` });
    }
    return { status: 202, body: { mesh: spec.name, workflowId: handle.workflowId, runId: description.runId, created: false } };
  }

  private async latest(name: string): Promise<DescribedRun> {
    // The latest run, whichever continue-as-new or teardown it came from: no run ID pinned.
    const handle = this.client.workflow.getHandle<typeof workflows.provisionMesh>(meshWorkflowId(name));
    return { handle, description: await handle.describe().catch(notFound(`no mesh named ${name}`)) };
  }
}

/** The same spec, whether or not it was normalized before specs had drift settings (a mesh running since then has none). */
function sameSpec(running: MeshSpec, sent: MeshSpec): boolean {
  return isDeepStrictEqual({ ...running, drift: driftSettings(running) }, sent);
}

/** The workflow's validator refused the change or drift check: its refusal names the status, the fields and the rules. */
function refused(error: unknown): HttpError | undefined {
  if (!(error instanceof WorkflowUpdateFailedError)) return undefined;
  const cause = error.cause;
  const refusal = cause instanceof ApplicationFailure && (cause.type === 'ChangeRefused' || cause.type === 'DriftCheckRefused') ? (cause.details?.[0] as ChangeRefusal | undefined) : undefined;
  if (!refusal) return new HttpError(409, { error: 'ChangeConflict', message: cause?.message ?? error.message });
  return new HttpError(refusal.status, { error: refusal.error, message: refusal.message, problems: refusal.problems });
}
