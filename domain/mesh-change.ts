/**
 * A change applied to a live mesh (PUT /v1/meshes/{name}): the Update the API sends its
 * workflow, when the workflow refuses it, and what the status shows while and after it runs.
 * A drift check asked for (POST /v1/meshes/{name}/drift-checks) is refused by the same rules.
 */
import type { ChangePlan, PlannedChange } from './change-plan.ts';
import type { MeshPhase } from './mesh-status.ts';
import type { MeshSpec } from './mesh-spec.ts';
import type { Problem } from './problems.ts';

export const CHANGE_UPDATE = 'applyChange';

/** The spec is validated and normalized by the API before it is sent. */
export interface ChangeRequest {
  spec: MeshSpec;
  allowReplace: boolean;
}

export interface ChangeAccepted {
  changeId: string;
  plan: ChangePlan;
}

export type ChangeState = 'Applying' | 'RollingBack' | 'Applied' | 'RolledBack' | 'RollbackIncomplete';

export interface ChangeStatus {
  changeId: string;
  state: ChangeState;
  /** The plan's summary and every change that is not `unchanged`. */
  summary: ChangePlan['summary'];
  changes: PlannedChange[];
  /** Resources created, updated or deleted so far, of all the plan touches. */
  progress: { done: number; total: number };
  startedAt: string;
  /** The plan's estimate: its longest chain of changes at the clouds' latencies (absent in changes started before it existed). */
  expectedSeconds?: number;
  finishedAt?: string;
  /** Why it was rolled back. */
  error?: string;
  /** A change of the root's key type: the root rotation the mesh starts once the change stands (dropped when it rolls back). */
  rootRotation?: RootRotationStatus;
}

/**
 * The root rotation a change of the root's key type is applied by. `pending` until the change
 * stands and the mesh is up; `running` once started (the mesh holds it, as any rotation's);
 * `ended` once it let go of the mesh, or stopped without doing so: its phases and outcome are
 * the rotation's own (GET /v1/meshes/{name}/rotations/{rotationId}); `not-started` if starting
 * it failed, with the error.
 */
export interface RootRotationStatus {
  /** The new root's key type. */
  keyType: string;
  state: 'pending' | 'running' | 'ended' | 'not-started';
  /** The plan's estimate of the rotation alone, after the change. */
  expectedSeconds: number;
  /** Its workflow ID, once the mesh has chosen it. */
  rotationId?: string;
  startedAt?: string;
  endedAt?: string;
  error?: string;
}

/** A refusal the API answers with: 400 for what is wrong with the request, 409 for what the mesh is doing. */
export interface ChangeRefusal {
  status: 400 | 409;
  error: string;
  message: string;
  problems: Problem[];
}

export interface MeshActivity {
  mesh: string;
  phase: MeshPhase;
  rotationId?: string;
  teardownRequested: boolean;
  changeRunning: boolean;
  /** The drift check running, if one is. */
  driftCheckId?: string;
}

export function refuseChange(request: ChangeRequest, plan: ChangePlan, mesh: MeshActivity): ChangeRefusal | undefined {
  const invalid = (problems: Problem[]): ChangeRefusal => ({ status: 400, error: 'ChangeRefused', message: problems.map((p) => p.message).join('; '), problems });
  const busy = (rule: string, message: string): ChangeRefusal => ({ status: 409, error: 'ChangeConflict', message, problems: [{ path: '/', rule, message }] });
  if (request.spec.name !== mesh.mesh) {
    return invalid([{ path: '/name', rule: 'change.same-mesh', message: `the spec names mesh ${request.spec.name}, not ${mesh.mesh}: a mesh cannot be renamed` }]);
  }
  // Replacements not allowed, or not applied to a live mesh (the backbone, the root CA), are the plan's refusals.
  if (plan.refused.length > 0) return invalid(plan.refused);
  if (mesh.changeRunning) return busy('change.in-progress', `another change is being applied to mesh ${mesh.mesh}; send this one when it is done`);
  if (mesh.teardownRequested) return busy('change.teardown-requested', `mesh ${mesh.mesh} is about to be torn down`);
  if (mesh.phase !== 'Ready' && mesh.phase !== 'Degraded') return busy('change.mesh-not-up', `mesh ${mesh.mesh} is ${mesh.phase}; a change is applied only when it is Ready or Degraded`);
  if (mesh.rotationId !== undefined) return busy('change.rotation-running', `rotation ${mesh.rotationId} holds mesh ${mesh.mesh}; send the change when it is done`);
  if (mesh.driftCheckId !== undefined) return busy('change.drift-check-running', `drift check ${mesh.driftCheckId} is running on mesh ${mesh.mesh}; send the change when it is done (GET /v1/meshes/${mesh.mesh}/drift)`);
  return undefined;
}

/** A drift check is asked for only of a mesh that is up and not being changed, rotated or torn down: it never overlaps them. */
export function refuseDriftCheck(mesh: MeshActivity): ChangeRefusal | undefined {
  const busy = (rule: string, message: string): ChangeRefusal => ({ status: 409, error: 'DriftCheckConflict', message, problems: [{ path: '/', rule, message }] });
  if (mesh.teardownRequested) return busy('drift.teardown-requested', `mesh ${mesh.mesh} is about to be torn down`);
  if (mesh.changeRunning) return busy('drift.change-in-progress', `a change is being applied to mesh ${mesh.mesh}; ask for a drift check when it is done`);
  if (mesh.phase !== 'Ready' && mesh.phase !== 'Degraded') return busy('drift.mesh-not-up', `mesh ${mesh.mesh} is ${mesh.phase}; drift is checked only when it is Ready or Degraded`);
  if (mesh.rotationId !== undefined) return busy('drift.rotation-running', `rotation ${mesh.rotationId} holds mesh ${mesh.mesh}; ask for a drift check when it is done`);
  return undefined;
}
