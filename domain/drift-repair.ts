/**
 * What a drift repair round does, from the drifts a check found and the mesh's graph alone
 * (workflows/drift-check.ts runs it through the engine, as a change would). A resource that is
 * missing, or of a kind without an in-place update, is made again by create; one that can be
 * changed in place is updated, in dependency order. A resource the cloud cannot modify and
 * whose create would only adopt the drifted one (an AWS customer gateway) is replaced: taken
 * down with what is built directly on it, since those hold its cloud ID in a field fixed at
 * creation (a VPN connection's customer gateway), newest first, then all made again. What is
 * built further on (the Azure local gateways and connections of a VPN connection made again)
 * drifts in its turn and is updated in the next round, as after a missing resource.
 */
import { dependencyOrder } from './change-steps.ts';
import type { ResourceDrift } from './drift.ts';
import type { ResourceGraph } from './resource-graph.ts';

export interface DriftRepairSteps {
  /** Deleted first, newest first: the replaced resources and what is built directly on them. */
  takenDown: string[];
  /** Made (again) next, in dependency order: what is missing, what has no in-place update, and what was taken down. */
  creates: string[];
  /** Changed in place last, in dependency order. */
  updates: string[];
}

/** Only what exists wrongly or not at all; a resource that could not be read, or waits on a missing one, is left for the next round. */
export const repairable = (d: ResourceDrift) => d.state === 'missing' || d.state === 'drifted';

export function driftRepairSteps(graph: ResourceGraph, drifts: ResourceDrift[]): DriftRepairSteps {
  const by = (how: ResourceDrift['repairBy']) => new Set(drifts.filter((d) => repairable(d) && d.repairBy === how).map((d) => d.id));
  const replaced = by('replace');
  const down = new Set([...replaced, ...graph.nodes.filter((n) => n.dependsOn.some((d) => replaced.has(d))).map((n) => n.id)]);
  const created = new Set([...by('create'), ...down]);
  const updated = by('update');
  const order = dependencyOrder(graph);
  return {
    takenDown: [...order].reverse().filter((id) => down.has(id)),
    creates: order.filter((id) => created.has(id)),
    updates: order.filter((id) => updated.has(id) && !down.has(id)),
  };
}
