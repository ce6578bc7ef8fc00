/**
 * What a finished run of a mesh may have left in the clouds. A run that ended cleanly
 * (RolledBack, Deleted) left nothing; any other finished run (RollbackIncomplete,
 * TeardownIncomplete, or a run stopped from outside mid-way) may hold resources that
 * only its own spec knows how to find and delete.
 */
import type { MeshPhase, MeshStatus } from '../domain/mesh-status.ts';

const CLEAN_END: ReadonlySet<MeshPhase> = new Set(['RolledBack', 'Deleted']);
const GONE = new Set(['deleted', 'pending']);

/** The resources a finished run left behind, or undefined if it ended clean. */
export function leftoversOf(status: Pick<MeshStatus, 'phase' | 'resources' | 'cleanupFailures'>): string[] | undefined {
  if (CLEAN_END.has(status.phase)) return undefined;
  const reported = status.cleanupFailures.map((f) => f.resource);
  if (reported.length > 0) return reported;
  return status.resources.filter((r) => !GONE.has(r.state)).map((r) => r.id);
}
