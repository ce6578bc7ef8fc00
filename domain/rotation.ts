/**
 * CA rotation of a mesh (docs/domain-rules.md, "Plugged-in CA and rotation"): what a
 * rotation reports while it runs, and the names the workflows, the schedule and the API
 * share.
 */
export type RotationKind = 'intermediate' | 'root';

export type ClusterRotationState = 'pending' | 'rotating' | 'waiting-pickup' | 'verifying' | 'done' | 'failed' | 'restored';

/** Root rotation phases: 1 trust both roots, 2 sign with the new one, 3 trust only the new one. */
export type RotationPhase = 'claiming' | 'intermediates' | 'trust-both-roots' | 'sign-with-new-root' | 'trust-new-root-only' | 'retiring-old-root' | 'done' | 'failed';

export interface RotationProgress {
  mesh: string;
  kind: RotationKind;
  phase: RotationPhase;
  clusters: Record<string, ClusterRotationState>;
  error?: string;
}

export interface RotationInput {
  spec: import('./mesh-spec.ts').MeshSpec;
  kind: RotationKind;
  /** The mesh's naming version; absent in rotations of meshes built before it existed (version 1). */
  naming?: import('./names.ts').NamingVersion;
}

export const ROTATION_QUERY = 'progress';

/**
 * How long a root rotation takes at most: each of its three phases waits up to `pickupSeconds`
 * for istiod's evidence in every cell (the cells in parallel), and phase 2 is followed by one
 * workload certificate lifetime before the old root goes (workflows/rotate-ca.ts).
 */
export function rootRotationSeconds(settings: Pick<import('./mesh-spec.ts').RotationSettings, 'pickupSeconds' | 'workloadCertTtlSeconds'>): number {
  return 3 * settings.pickupSeconds + settings.workloadCertTtlSeconds;
}

/**
 * A rotation's hold on its mesh. It is a lease, not a lock: the mesh asks Temporal
 * whether the holder's workflow still runs (when a teardown waits on it, and every
 * few minutes while it is held), and a holder that was terminated or timed out loses it.
 */
export interface RotationLease {
  rotationId: string;
  /** Workflow time (ISO) of the claim. */
  claimedAt: string;
}
/**
 * What a rotation left in each cell's cacerts (by cell name): the intermediate's SHA-256
 * fingerprint and its expiry. The mesh records it as that cacerts' output when the rotation
 * lets go, so its drift check expects the intermediate the rotation wrote, not the one before.
 */
export type RotatedCacerts = Record<string, { intermediateFingerprint: string; notAfter: string }>;

/** Updates of the mesh workflow: a rotation holds the mesh while it runs (no teardown, no second rotation). */
export const MESH_UPDATE = { beginRotation: 'beginRotation', endRotation: 'endRotation' } as const;

export function rotationScheduleId(mesh: string): string {
  return `rotation-schedule-${mesh}`;
}

export function rotationWorkflowIdPrefix(mesh: string): string {
  return `rotation-${mesh}-`;
}

/** The ID of a new on-demand rotation of `mesh`: one the API starts, or the root rotation a change of the root's key type starts. */
export function newRotationId(mesh: string, kind: 'intermediate' | 'root', random8hex: string): string {
  return `${rotationWorkflowIdPrefix(mesh)}${kind}-${random8hex}`;
}
