/**
 * CA rotation over HTTP: the mesh's rotation schedule (show, change the interval, pause
 * with a note, resume), rotations on demand, and their progress.
 */
import type { Client } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import { MESH_QUERY, meshWorkflowId, type MeshStatus } from '../domain/mesh-status.ts';
import type { rotateCa } from '../workflows/rotate-ca.ts';
import { rotationWorkflowSummary } from '../domain/workflow-summary.ts';
import { newRotationId, ROTATION_QUERY, rotationScheduleId, type RotationKind, type RotationProgress } from '../domain/rotation.ts';
import { badRequest, HttpError } from './http.ts';
import type { Reply } from './meshes.ts';
import { rotationIdOwner } from './path-params.ts';
import { notFound, queryWorkflow } from './temporal-errors.ts';

export class Rotations {
  constructor(private readonly client: Client, private readonly taskQueue: string) {}

  async schedule(mesh: string): Promise<Reply> {
    const description = await this.scheduleHandle(mesh).describe().catch(notFound(`mesh ${mesh} has no rotation schedule (it has none until it is up with cells)`));
    const interval = description.spec.intervals?.[0];
    return {
      status: 200,
      body: {
        mesh,
        scheduleId: rotationScheduleId(mesh),
        intervalHours: interval ? Math.round(Number(interval.every) / 3_600_000) : undefined,
        jitterMinutes: description.spec.jitter ? Math.round(Number(description.spec.jitter) / 60_000) : 0,
        paused: description.state.paused,
        note: description.state.note,
        nextRuns: description.info.nextActionTimes.slice(0, 3),
        recentRuns: description.info.recentActions.map((a) => ({ at: a.takenAt, workflowId: a.action.workflow.workflowId })),
      },
    };
  }

  async updateSchedule(mesh: string, body: unknown): Promise<Reply> {
    const patch = (body ?? {}) as { intervalHours?: unknown; paused?: unknown; note?: unknown };
    const problems = [
      patch.intervalHours !== undefined && (!Number.isInteger(patch.intervalHours) || (patch.intervalHours as number) < 1) && { path: '/intervalHours', rule: 'rotation.interval', message: 'must be a whole number of hours, at least 1' },
      patch.paused !== undefined && typeof patch.paused !== 'boolean' && { path: '/paused', rule: 'schema.type', message: 'must be true or false' },
      patch.note !== undefined && typeof patch.note !== 'string' && { path: '/note', rule: 'schema.type', message: 'must be a string' },
    ].filter((p): p is { path: string; rule: string; message: string } => typeof p === 'object');
    if (problems.length > 0) throw badRequest(problems);
    const handle = this.scheduleHandle(mesh);
    await handle.describe().catch(notFound(`mesh ${mesh} has no rotation schedule`));
    // One update, not an update plus a pause/unpause: the schedule applies a pending
    // pause before a pending update, and an update carries the whole state, so a
    // "resume and change the interval" sent as two calls could end paused again.
    await handle.update((current) => ({
      ...current,
      spec: patch.intervalHours === undefined ? current.spec : { ...current.spec, intervals: [{ every: `${patch.intervalHours}h` }] },
      state: patch.paused === undefined ? current.state : { ...current.state, paused: patch.paused, note: typeof patch.note === 'string' ? patch.note : patch.paused ? 'paused through the cellbridge API' : 'resumed through the cellbridge API' },
    }));
    return this.schedule(mesh);
  }

  async start(mesh: string, body: unknown): Promise<Reply> {
    const kind = (body as { kind?: unknown } | undefined)?.kind;
    if (kind !== 'intermediate' && kind !== 'root') throw badRequest([{ path: '/kind', rule: 'rotation.kind', message: 'must be "intermediate" or "root"' }]);
    const handle = this.client.workflow.getHandle(meshWorkflowId(mesh));
    const meshRun = { handle, description: await handle.describe().catch(notFound(`no mesh named ${mesh}`)) };
    const status = await queryWorkflow<MeshStatus>(meshRun, MESH_QUERY.status);
    if (status.phase !== 'Ready' && status.phase !== 'Degraded') throw new HttpError(409, { error: 'NotUp', message: `mesh ${mesh} is ${status.phase}; rotations run only when it is Ready or Degraded` });
    const spec = await queryWorkflow<MeshSpec>(meshRun, MESH_QUERY.spec);
    const workflowId = newRotationId(mesh, kind, randomUUID().slice(0, 8));
    await this.client.workflow.start<typeof rotateCa>('rotateCa', {
      taskQueue: this.taskQueue,
      workflowId,
      args: [{ spec, kind: kind as RotationKind, naming: status.naming }],
      staticSummary: rotationWorkflowSummary(kind as RotationKind, spec, 'api'),
    });
    return { status: 202, body: { mesh, kind, rotationId: workflowId } };
  }

  async progress(mesh: string, rotationId: string): Promise<Reply> {
    const owner = rotationIdOwner(rotationId);
    if ('problems' in owner) throw badRequest(owner.problems);
    const missing = new HttpError(404, { error: 'NotFound', message: `no rotation ${rotationId} of mesh ${mesh}` });
    if (owner.mesh !== mesh) throw missing;
    const handle = this.client.workflow.getHandle(rotationId);
    const description = await handle.describe().catch(notFound(missing.message));
    const progress = await queryWorkflow<RotationProgress>({ handle, description }, ROTATION_QUERY);
    // The ID says which mesh; the workflow's own report must agree (its input names the mesh).
    if (progress.mesh !== mesh) throw missing;
    return { status: 200, body: { rotationId, workflowStatus: description.status.name, ...progress } };
  }

  private scheduleHandle(mesh: string) {
    return this.client.schedule.getHandle(rotationScheduleId(mesh));
  }
}
