/**
 * Verification beside the BGP wait (VERIFY_BESIDE_BGP_PATCH). Neither a cell's Istio nor
 * the rotation schedule depends on BGP, so both start once the graph is made: the cells are
 * inspected as soon as every cell's API server has answered (an inspection also reaches its
 * peers' servers, with their remote secrets), and the schedule is made. Only the routes each
 * cloud learned wait for BGP; the verdict is then given over everything gathered.
 *
 * The inspections' facts are up to one BGP wait old at the verdict. That is fine: they
 * describe what the graph made and waited for (releases deployed, workloads ready, the
 * east-west address assigned: activities/kube/helm-release.ts), which nothing in the
 * workflow touches meanwhile; the intermediate's margin is judged at the verdict from the
 * expiry read; and routes, the one fact BGP changes, are read after it. What breaks later is
 * for the next verification (asked for, or after a change or repair) to find, as ever.
 *
 * Failures behave as when these ran after BGP: a failed inspection is a failed check (the
 * mesh comes up Degraded); a schedule that cannot be made fails the run once the verdict is
 * given, before the mesh is seen up. A rollback waits for the schedule's creation to end
 * (it is never cancelled halfway) and deletes what it made.
 */
import { CancellationScope } from '@temporalio/workflow';
import type { MeshScope } from '../domain/backbone-graph.ts';
import { rotationScheduleId } from '../domain/rotation.ts';
import type { CleanupFailure } from '../domain/mesh-status.ts';
import type { MeshSpec } from '../domain/mesh-spec.ts';
import type { MeshState } from './mesh-state.ts';
import type { ResourceCalls } from './resource-activities.ts';
import { errorMessage } from './saga.ts';
import { inspectCells, judge, observeLearnedRoutes, type Inspection } from './verify-istio.ts';

export interface BesideBgp {
  /** After BGP: what each cloud learned, then the verdict. True when every check passes. */
  verdict(state: MeshState): Promise<boolean>;
  /** The schedule exists; its creation's failure is thrown here. */
  scheduled(): Promise<void>;
  /** For a rollback: the schedule made meanwhile is deleted; a failure is reported, not thrown. */
  unschedule(remove: () => Promise<void>): Promise<CleanupFailure[]>;
}

/**
 * Starts the inspections once `accessed` (every cell's API server answered) and the schedule
 * now, with `makeSchedule` (none for a mesh without cells). Call it while BGP is awaited.
 */
export function startBesideBgp(spec: MeshSpec, scope: MeshScope, calls: ResourceCalls, accessed: Promise<void>, makeSchedule?: () => Promise<void>): BesideBgp {
  const withCells = (spec.cells ?? []).length > 0;
  const inspection = withCells ? inspectOnceAccessed(spec, scope, calls, accessed) : undefined;
  // Settles with its failure rather than rejecting: it is thrown where the mesh would be seen up.
  const schedule = makeSchedule ? CancellationScope.nonCancellable(makeSchedule).then(() => undefined, (error: unknown) => ({ error })) : undefined;
  return {
    async verdict(state) {
      if (!inspection) return true;
      const learned = observeLearnedRoutes(spec, scope, calls);
      return judge(spec, state, await inspection, await learned);
    },
    async scheduled() {
      const failed = await schedule;
      if (failed) throw failed.error;
    },
    async unschedule(remove) {
      if (!schedule) return [];
      await schedule;
      try {
        await CancellationScope.nonCancellable(remove);
        return [];
      } catch (error) {
        return [{ resource: rotationScheduleId(spec.name), error: errorMessage(error) }];
      }
    },
  };
}

/** Never rejects: a cluster that never answered fails provisioning (a rollback, no verdict), and leaves every cell uninspected here. */
async function inspectOnceAccessed(spec: MeshSpec, scope: MeshScope, calls: ResourceCalls, accessed: Promise<void>): Promise<Inspection> {
  try {
    await accessed;
  } catch (error) {
    return { facts: [], uninspected: (spec.cells ?? []).map((cell) => ({ cell: cell.name, error: `not inspected: ${errorMessage(error)}` })) };
  }
  return inspectCells(spec, scope, calls);
}
