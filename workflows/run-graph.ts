/**
 * Runs a resource graph forwards: every node starts the moment its dependencies are
 * done, so independent branches (Azure's 45-minute gateway beside all of AWS) overlap.
 * The first failure cancels every create still in flight — nobody waits out a gateway
 * that is about to be rolled back — and is rethrown once they have all stopped.
 */
import { CancellationScope } from '@temporalio/workflow';
import { nodeById, type Outputs, type ResourceGraph, type ResourceNode } from '../domain/resource-graph.ts';
import type { MeshState } from './mesh-state.ts';
import type { ResourceCalls } from './resource-activities.ts';
import { errorMessage, type Saga } from './saga.ts';

export async function runGraph(graph: ResourceGraph, calls: ResourceCalls, saga: Saga, state: MeshState): Promise<Outputs> {
  const outputs: Outputs = {};
  const started = new Map<string, Promise<void>>();
  const scope = new CancellationScope();
  let firstError: unknown;

  const ensure = (node: ResourceNode): Promise<void> => {
    let done = started.get(node.id);
    if (!done) {
      done = ensureAfterDependencies(node);
      started.set(node.id, done);
    }
    return done;
  };
  const ensureAfterDependencies = async (node: ResourceNode): Promise<void> => {
    await Promise.all(node.dependsOn.map((id) => ensure(nodeById(graph, id))));
    saga.register(node);
    state.mark(node.id, 'creating');
    try {
      outputs[node.id] = await calls.create(node, pick(outputs, node.dependsOn));
    } catch (error) {
      state.mark(node.id, 'failed', { detail: errorMessage(error) });
      throw error;
    }
    state.mark(node.id, 'ready', { output: outputs[node.id] });
  };

  await scope.run(() =>
    Promise.all(
      graph.nodes.map((node) =>
        ensure(node).catch((error) => {
          if (firstError === undefined) {
            firstError = error;
            scope.cancel();
          }
        }),
      ),
    ),
  );
  if (firstError !== undefined) throw firstError;
  return outputs;
}

function pick(outputs: Outputs, ids: string[]): Outputs {
  return Object.fromEntries(ids.map((id) => [id, outputs[id]!]));
}
