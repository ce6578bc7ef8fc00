/**
 * What a mesh workflow hands to its next run when it continues-as-new: everything the
 * status query, re-verification, rotations and teardown need, so the new run resumes
 * up (Ready or Degraded) without provisioning again, and a mesh that lives for years
 * keeps a bounded history (docs/upgrading.md).
 */
import type { ClusterAccessSummary } from './cluster-status.ts';
import type { DriftStatus } from './drift.ts';
import type { ChangeStatus } from './mesh-change.ts';
import type { CleanupFailure, ResourceStatus } from './mesh-status.ts';
import type { ResourceGraph } from './resource-graph.ts';
import type { RotationLease } from './rotation.ts';
import type { TunnelStatus } from './tunnel-status.ts';
import type { VerificationReport } from './verification.ts';

export interface MeshCarry {
  phase: 'Ready' | 'Degraded';
  /** The graph the mesh was built with, verbatim: its teardown deletes exactly these nodes, whatever later code would plan. */
  graph: ResourceGraph;
  resources: ResourceStatus[];
  tunnels: TunnelStatus[];
  access: Record<string, ClusterAccessSummary>;
  verification?: VerificationReport;
  cleanupFailures: CleanupFailure[];
  /** The rotation that holds the mesh, if one does. */
  rotation?: RotationLease;
  /** Runs of this mesh before the one started with this carry (the first run is 0). */
  continuedRuns: number;
  /** The last change applied to the mesh, or rolled back. */
  change?: ChangeStatus;
  /** The last drift report and when the next check is due (no check runs while a run continues as new). */
  drift?: Omit<DriftStatus, 'running'>;
}
