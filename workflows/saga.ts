/**
 * Compensation for a resource graph. A node is registered *before* its create is
 * called, because a create can succeed in the cloud and still time out here. Undoing
 * deletes registered nodes newest-first in the only sense a graph allows — a node
 * after everything registered that depends on it — and in parallel where nothing
 * does. It runs in a non-cancellable scope, and every failure is returned, never
 * swallowed; a node whose dependent could not be deleted is reported as blocked.
 */
import { CancellationScope } from '@temporalio/workflow';
import type { CleanupFailure } from '../domain/mesh-status.ts';
import { dependentsOf, nodeById, type ResourceGraph, type ResourceNode } from '../domain/resource-graph.ts';
import type { MeshState } from './mesh-state.ts';
import type { ResourceCalls } from './resource-activities.ts';

export class Saga {
  private readonly registered: string[] = [];

  register(node: ResourceNode): void {
    if (!this.registered.includes(node.id)) this.registered.push(node.id);
  }

  compensate(graph: ResourceGraph, calls: ResourceCalls, state: MeshState): Promise<CleanupFailure[]> {
    return destroyGraph(graph, new Set(this.registered), calls, state);
  }
}

/** Deletes the given nodes in reverse dependency order; also the whole of a teardown. */
export function destroyGraph(graph: ResourceGraph, only: ReadonlySet<string>, calls: ResourceCalls, state: MeshState): Promise<CleanupFailure[]> {
  return CancellationScope.nonCancellable(async () => {
    const failures: CleanupFailure[] = [];
    const deleted = new Map<string, Promise<boolean>>();
    const destroy = (node: ResourceNode): Promise<boolean> => {
      let result = deleted.get(node.id);
      if (!result) {
        result = destroyAfterDependents(node);
        deleted.set(node.id, result);
      }
      return result;
    };
    const destroyAfterDependents = async (node: ResourceNode): Promise<boolean> => {
      const dependents = dependentsOf(graph, node.id).filter((n) => only.has(n.id));
      const cleared = (await Promise.all(dependents.map(destroy))).every(Boolean);
      if (!cleared) {
        failures.push({ resource: node.id, error: 'not deleted: a resource that depends on it could not be deleted' });
        state.mark(node.id, 'blocked');
        return false;
      }
      // Its recorded output (read while it is still marked ready) proves a resource ours whose identity tags were removed by hand (docs/drift.md).
      const recorded = state.outputs()[node.id];
      state.mark(node.id, 'deleting');
      try {
        const result = await calls.delete(node, recorded);
        state.mark(node.id, result.state === 'kept' ? 'kept' : 'deleted');
        return true;
      } catch (error) {
        const message = errorMessage(error);
        failures.push({ resource: node.id, error: message });
        state.mark(node.id, 'delete-failed', { detail: message });
        return false;
      }
    };
    await Promise.all([...only].map((id) => destroy(nodeById(graph, id))));
    return failures;
  });
}

/** The innermost cause: an ActivityFailure wraps the ApplicationFailure that says what happened. */
export function errorMessage(error: unknown): string {
  let current = error as { message?: string; cause?: unknown } | undefined;
  while (current?.cause) current = current.cause as { message?: string; cause?: unknown };
  return current?.message ?? String(error);
}
