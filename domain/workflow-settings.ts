/**
 * How a mesh workflow paces itself; set by whoever starts it (the API, from its
 * configuration), so the proving ground can run an hour of cloud time in seconds.
 */
export interface WorkflowSettings {
  /** An activity that stops heartbeating this long is presumed dead and retried elsewhere. */
  heartbeatTimeoutMs: number;
  /** Upper bound on one create or delete, including Azure's 45-minute gateway. */
  resourceTimeoutMs: number;
  /** Attempts per create or delete before the failure triggers rollback. */
  resourceMaxAttempts: number;
  bgpPollInitialMs: number;
  bgpPollMaxMs: number;
  /** Once up, the mesh workflow continues as new after this many wake-ups (verifications, rotation claims, lease checks); absent in older inputs. */
  continueAsNewAfter?: number;
  /** While a rotation holds the mesh, how often the mesh checks that the rotation still runs; absent in older inputs. */
  rotationLeaseCheckMs?: number;
}

export const DEFAULT_WORKFLOW_SETTINGS: Required<WorkflowSettings> = {
  heartbeatTimeoutMs: 60_000,
  resourceTimeoutMs: 2 * 60 * 60_000,
  resourceMaxAttempts: 10,
  bgpPollInitialMs: 5_000,
  bgpPollMaxMs: 60_000,
  continueAsNewAfter: 50,
  rotationLeaseCheckMs: 10 * 60_000,
};

export interface MeshWorkflowInput {
  spec: import('./mesh-spec.ts').MeshSpec;
  settings: WorkflowSettings;
  /**
   * The names the mesh's resources have (names.ts); absent in runs started before it existed, which used version 1.
   * With the spec it is also the mesh's graph version: meshGraph(spec, naming) is the graph the mesh is built with.
   */
  naming?: import('./names.ts').NamingVersion;
  /** Set only by the mesh workflow's own continue-as-new: the new run resumes up with this state. */
  resumed?: import('./mesh-carry.ts').MeshCarry;
}

export function workflowSettingsFromEnv(env: Record<string, string | undefined>, read: (env: Record<string, string | undefined>, name: string, fallback: number) => number): WorkflowSettings {
  const d = DEFAULT_WORKFLOW_SETTINGS;
  return {
    heartbeatTimeoutMs: read(env, 'CELLBRIDGE_HEARTBEAT_TIMEOUT_MS', d.heartbeatTimeoutMs),
    resourceTimeoutMs: read(env, 'CELLBRIDGE_RESOURCE_TIMEOUT_MS', d.resourceTimeoutMs),
    resourceMaxAttempts: read(env, 'CELLBRIDGE_RESOURCE_MAX_ATTEMPTS', d.resourceMaxAttempts),
    bgpPollInitialMs: read(env, 'CELLBRIDGE_BGP_POLL_INITIAL_MS', d.bgpPollInitialMs),
    bgpPollMaxMs: read(env, 'CELLBRIDGE_BGP_POLL_MAX_MS', d.bgpPollMaxMs),
    continueAsNewAfter: read(env, 'CELLBRIDGE_CONTINUE_AS_NEW_AFTER', d.continueAsNewAfter),
    rotationLeaseCheckMs: read(env, 'CELLBRIDGE_ROTATION_LEASE_CHECK_MS', d.rotationLeaseCheckMs),
  };
}
