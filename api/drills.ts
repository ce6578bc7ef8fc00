/**
 * Failover drills over HTTP: start one (`POST /v1/meshes/{name}/drills`, optional
 * `{"cell": "<name>"}`), read its progress and report, and find a mesh's latest drill for
 * its status and verification report. A drill holds its mesh as a rotation does (the mesh
 * workflow's lease, named by the drill's workflow ID): the API takes the hold before it
 * starts the drill, so a busy mesh is refused with 409 at once; the drill's own claim of
 * the same ID is then a no-op, and a drill that never starts loses the lease at the mesh's
 * next lease check.
 */
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import { DRILL_QUERY, drillPlan, type DrillInput, type DrillProgress } from '../domain/drill.ts';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import { MESH_QUERY, meshWorkflowId, type MeshStatus } from '../domain/mesh-status.ts';
import { drillIdOwner, drillWorkflowId, drillWorkflowIdPrefix } from '../domain/names.ts';
import { MESH_UPDATE } from '../domain/rotation.ts';
import { drillWorkflowSummary } from '../domain/workflow-summary.ts';
import type { runDrill } from '../workflows/run-drill.ts';
import { badRequest, HttpError } from './http.ts';
import type { Reply } from './meshes.ts';
import { StatusCache } from './status-cache.ts';
import { notFound, queryWorkflow } from './temporal-errors.ts';

/** What a mesh's status and verification report say of its latest drill. */
export interface DrillLink {
  drillId: string;
  workflowStatus: string;
  startedAt: string;
  href: string;
}

export class Drills {
  private readonly latestDrills: StatusCache<DrillLink | undefined>;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly image: string,
    /** How old a served latest drill may be: a mesh's GET carries it (api/status-cache.ts). */
    latestMaxAgeMs = 1000,
  ) {
    this.latestDrills = new StatusCache(latestMaxAgeMs);
  }

  async start(mesh: string, body: unknown): Promise<Reply> {
    const requested = (body as { cell?: unknown } | undefined)?.cell;
    if (requested !== undefined && typeof requested !== 'string') throw badRequest([{ path: '/cell', rule: 'schema.type', message: 'must be the name of one of the mesh\'s cells' }]);
    const handle = this.client.workflow.getHandle(meshWorkflowId(mesh));
    const run = { handle, description: await handle.describe().catch(notFound(`no mesh named ${mesh}`)) };
    const status = await queryWorkflow<MeshStatus>(run, MESH_QUERY.status);
    if (status.phase !== 'Ready' && status.phase !== 'Degraded') throw new HttpError(409, { error: 'NotUp', message: `mesh ${mesh} is ${status.phase}; drills run only when it is Ready or Degraded` });
    const spec = await queryWorkflow<MeshSpec>(run, MESH_QUERY.spec);
    const plan = drillPlan(spec, requested);
    if ('problem' in plan) throw badRequest([{ path: '/cell', rule: 'drill.cell', message: plan.problem }]);
    const drillId = drillWorkflowId(mesh, randomBytes(4).toString('hex'));
    try {
      await handle.executeUpdate(MESH_UPDATE.beginRotation, { args: [drillId] });
    } catch (error) {
      if (error instanceof WorkflowUpdateFailedError) throw new HttpError(409, { error: 'MeshBusy', message: `mesh ${mesh} refused the drill: ${error.cause?.message ?? error.message}` });
      throw error;
    }
    const input: DrillInput = { spec, naming: status.naming, cell: plan.cell, image: this.image };
    await this.client.workflow.start<typeof runDrill>('runDrill', { taskQueue: this.taskQueue, workflowId: drillId, args: [input], staticSummary: drillWorkflowSummary(spec, plan.cell) });
    this.latestDrills.forget(mesh);
    return { status: 202, body: { mesh, drillId, cell: plan.cell, href: href(mesh, drillId) } };
  }

  async progress(mesh: string, drillId: string): Promise<Reply> {
    const missing = new HttpError(404, { error: 'NotFound', message: `no drill ${drillId} of mesh ${mesh}` });
    if (drillIdOwner(drillId) !== mesh) throw missing;
    const handle = this.client.workflow.getHandle(drillId);
    const description = await handle.describe().catch(notFound(missing.message));
    const progress = await queryWorkflow<DrillProgress>({ handle, description }, DRILL_QUERY);
    if (progress.mesh !== mesh) throw missing;
    return { status: 200, body: { workflowStatus: description.status.name, ...progress } };
  }

  /** The newest drill of the mesh, if it ever had one (newest first is how Temporal lists). */
  async latest(mesh: string): Promise<DrillLink | undefined> {
    return this.latestDrills.get(mesh, () => this.findLatest(mesh));
  }

  private async findLatest(mesh: string): Promise<DrillLink | undefined> {
    for await (const run of this.client.workflow.list({ query: `WorkflowId STARTS_WITH "${drillWorkflowIdPrefix(mesh)}"` })) {
      if (drillIdOwner(run.workflowId) !== mesh) continue; // drill-abc-d-… belongs to mesh abc-d, not abc
      return { drillId: run.workflowId, workflowStatus: run.status.name, startedAt: run.startTime.toISOString(), href: href(mesh, run.workflowId) };
    }
    return undefined;
  }
}

function href(mesh: string, drillId: string): string {
  return `/v1/meshes/${mesh}/drills/${drillId}`;
}
