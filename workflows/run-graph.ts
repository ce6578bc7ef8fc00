/**
 * Runs a resource graph forwards: every node starts the moment its dependencies are
 * done, so independent branches (Azure's 45-minute gateway beside all of AWS) overlap.
 * The first failure cancels every create still in flight — nobody waits out a gateway
 * that is about to be rolled back — and is rethrown once they have all stopped.
 * A change to a live mesh runs only the nodes it creates, on top of what exists: `only`
 * names them, and `known` holds the outputs of the existing nodes they depend on.
 */
import { CancellationScope } from '@temporalio/workflow';
import { nodeById, type Outputs, type ResourceGraph, type ResourceNode } from '../domain/resource-graph.ts';
import type { MeshState } from './mesh-state.ts';
import type { ResourceCalls } from './resource-activities.ts';
import { errorMessage, type Saga } from './saga.ts';

export interface PartialRun {
  only: ReadonlySet<string>;
  known: Outputs;
}

export async function runGraph(graph: ResourceGraph, calls: ResourceCalls, saga: Saga, state: MeshState, partial?: PartialRun): Promise<Outputs> {
  const outputs: Outputs = { ...partial?.known };
  const started = new Map<string, Promise<void>>();
  const scope = new CancellationScope();
  let firstError: unknown;

  const ensure = (node: ResourceNode): Promise<void> => {
    if (partial && !partial.only.has(node.id)) return outputs[node.id] ? Promise.resolve() : Promise.reject(new Error(`${node.id} is neither created by this change nor known to exist`));
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
      // A node the mesh already had (a repair, a change's remade node) is looked for by its recorded output too.
      outputs[node.id] = await calls.create(node, pick(outputs, node.dependsOn), partial?.known[node.id]);
    } catch (error) {
      state.mark(node.id, 'failed', { detail: errorMessage(error) });
      throw error;
    }
    state.mark(node.id, 'ready', { output: outputs[node.id] });
  };

  await scope.run(() =>
    Promise.all(
      graph.nodes.filter((node) => !partial || partial.only.has(node.id)).map((node) =>
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
