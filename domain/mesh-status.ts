/**
 * What a mesh's workflow reports through its `status` query, and so through
 * GET /v1/meshes/{name}: the phase, each resource, each tunnel, and what went wrong.
 */
import type { ClusterStatus } from './cluster-status.ts';
import type { NamingVersion } from './names.ts';
import type { TunnelStatus } from './tunnel-status.ts';
import type { VerificationReport } from './verification.ts';

export type MeshPhase =
  /** Creating the backbone and the clusters, in parallel. */
  | 'Provisioning'
  /** BGP Established on every tunnel, and every cluster's API server reachable. */
  | 'Verifying'
  /** Up, but a verification check fails: see `verification`. Resources are kept. */
  | 'Degraded'
  | 'Ready'
  /** A change to the live mesh is being applied, or rolled back (`change` says which). */
  | 'Changing'
  | 'RollingBack'
  | 'RolledBack'
  | 'RollbackIncomplete'
  | 'TearingDown'
  | 'Deleted'
  | 'TeardownIncomplete';

export type ResourceState = 'pending' | 'creating' | 'updating' | 'ready' | 'failed' | 'deleting' | 'deleted' | 'kept' | 'delete-failed' | 'blocked';

export interface ResourceStatus {
  id: string;
  kind: string;
  state: ResourceState;
  cloudId?: string;
  cloudState?: string;
  /** What the cloud reports that a user needs (endpoints, sizes): never secrets. */
  attributes?: Record<string, string>;
  detail?: string;
  /** Workflow time (ISO) when its create started and finished: the run's recorded timeline. */
  createStartedAt?: string;
  createdAt?: string;
}

export interface CleanupFailure {
  resource: string;
  error: string;
}

export interface MeshStatus {
  mesh: string;
  /** The naming version its resources were built with (names.ts): what a later teardown or rotation must use. */
  naming: NamingVersion;
  phase: MeshPhase;
  resources: ResourceStatus[];
  tunnels: TunnelStatus[];
  clusters: ClusterStatus[];
  /** The latest verification of the Istio mesh (meshes with cells). */
  verification?: VerificationReport;
  /** Why provisioning failed, if it did. */
  error?: string;
  /** Resources a rollback or teardown could not delete: never swallowed, always listed. */
  cleanupFailures: CleanupFailure[];
  /** The rotation that holds the mesh now (no teardown, no other rotation until it lets go or stops running). */
  rotation?: import('./rotation.ts').RotationLease;
  /** How many times the mesh's workflow has continued as new (its history is kept bounded). */
  continuedRuns?: number;
  /** The change being applied, or the last one applied or rolled back (PUT /v1/meshes/{name}). */
  change?: import('./mesh-change.ts').ChangeStatus;
  /**
   * While the mesh is being made, changed or taken down: how long the clouds take for that work
   * (real-world seconds along the graph's longest chain, domain/expected-duration.ts) and when it
   * began (workflow time, ISO). What `cellbridge watch` shows the elapsed time against.
   */
  expected?: { seconds: number; since: string };
  /** The drift check under way, the last report (fingerprints only for secrets), the next scheduled check. */
  drift?: import('./drift.ts').DriftStatus;
}

/** Message names shared by the workflows and the API. */
export const MESH_QUERY = { status: 'status', spec: 'spec' } as const;
export const MESH_SIGNAL = { teardown: 'teardown', verify: 'verify' } as const;

export const SEARCH_ATTRIBUTE = { mesh: 'CellbridgeMesh', phase: 'CellbridgePhase' } as const;

export const TASK_QUEUE = 'cellbridge';

export function meshWorkflowId(mesh: string): string {
  return `mesh-${mesh}`;
}
