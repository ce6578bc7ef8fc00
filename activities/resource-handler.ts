import type { FieldDrift } from '../domain/drift.ts';
import type { Outputs, ResourceNode, ResourceOutput } from '../domain/resource-graph.ts';
import type { Ownership } from './ownership.ts';

/**
 * Where a resource is in its life, as the engine needs to know it. `busy` means an
 * operation is in flight (creating or updating), which forbids a new create or delete.
 * `settling` means the operation is done and its effect is still coming about (a Helm
 * release's pods becoming ready, an address being assigned): a create waits for it, a
 * delete need not, since nothing in flight would refuse it (a release whose pods never
 * start must still be uninstallable). `drifted` means it exists but is not what the
 * spec asks for, and create converges it.
 */
export type Phase =
  | { is: 'ready' }
  | { is: 'busy'; detail: string }
  | { is: 'settling'; detail: string }
  | { is: 'drifted'; detail: string }
  | { is: 'deleting' }
  | { is: 'failed'; reason: string };

/**
 * One cloud resource type, the way Cluster API's Azure provider models it: how to find
 * it by its deterministic identity, create it, read its phase, and delete it. The
 * engine (engine.ts) supplies idempotency, polling, heartbeats and cancellation.
 */
export interface ResourceHandler<P, O> {
  /**
   * The resource if it exists (not deleted), found by identity. A remembered ID is only a
   * fallback, and only for a kind whose ownership can be proven by it: `recorded` is the
   * resource's output as the mesh last recorded it, given by drift checks and deletes, and by
   * the creates of a repair or change, so one whose identity tags were removed by hand is still
   * found (an AWS customer gateway: activities/aws/vpn.ts).
   */
  describe(node: ResourceNode<string, P>, recorded?: ResourceOutput): Promise<O | undefined>;
  /**
   * Starts (or, for Azure, performs) the create. Must tolerate the resource already existing.
   * It may answer the resource as the create's own final read showed it, which the engine
   * then takes for its first describe.
   */
  create(node: ResourceNode<string, P>, outputs: Outputs, signal: AbortSignal): Promise<O | void>;
  phase(observed: O, node: ResourceNode<string, P>): Phase;
  /**
   * Every field of the existing resource that differs from its desired state, the one its
   * create and update send (a `domain/*-parameters.ts` function per kind). `outputs` are
   * those of its dependencies, as they were last made; `recorded` is its own output as it was
   * last made ready (what cellbridge wrote: a key's fingerprint, an intermediate's), undefined
   * when the mesh has none. Without it, a drift check only sees what `phase` calls drifted.
   */
  drift?(observed: O, node: ResourceNode<string, P>, outputs: Outputs, recorded: ResourceOutput | undefined): Promise<FieldDrift[]>;
  output(observed: O): ResourceOutput;
  /**
   * Starts changing the resource in place from `previous`'s params to `node`'s (a change to a
   * live mesh, or its rollback). Must be safe to repeat. A kind without it cannot be updated in
   * place: the engine refuses, and the change rolls back.
   */
  update?(observed: O, node: ResourceNode<string, P>, previous: ResourceNode<string, P>, outputs: Outputs, signal: AbortSignal): Promise<void>;
  /** Starts the delete; "not found" counts as done. */
  delete(observed: O, node: ResourceNode<string, P>, signal: AbortSignal): Promise<void>;
  /**
   * Whose the resource found by identity is; without it, ours (found by this mesh's own
   * tags). Only ours is adopted or deleted; a foreign one stops the run (ownership.ts).
   */
  ownership?(observed: O, node: ResourceNode<string, P>, recorded?: ResourceOutput): Ownership;
  /**
   * The identity (ownership tags) a resource of ours no longer carries, each as a drift; empty
   * when it has it. A kind with it has `restoreIdentity`, which the engine's create calls to put it
   * back: the resource stays as it is, with its ID.
   */
  lostIdentity?(observed: O, node: ResourceNode<string, P>): FieldDrift[];
  restoreIdentity?(observed: O, node: ResourceNode<string, P>): Promise<void>;
  /**
   * The cloud cannot modify it, and its create would adopt the drifted one found by identity: a
   * drift repair replaces it (domain/drift-repair.ts). Without it, a drifted resource is repaired
   * by update when the kind has one, else by create.
   */
  replacedWhenDrifted?: true;
  /**
   * Its describe is a filtered listing that can miss a resource created moments ago (EC2's
   * eventual consistency): an absence is only believed once it has lasted (engine.ts).
   */
  listedLate?: true;
  /**
   * A create whose operation ended Failed is PUT once more before the run gives up: ARM
   * recovers a Failed resource by a new PUT of it, and transient provisioning failures are
   * common in Azure.
   */
  rePutOnceIfFailed?: true;
  /**
   * Its delete returns only once the resource is gone, and its identity names one resource
   * (an ARM resource ID, an IAM role's name, an EKS access entry's cluster and principal): no
   * read needs to confirm the absence, nor look for another copy.
   */
  goneWhenDeleted?: true;
}

export function ready(): Phase {
  return { is: 'ready' };
}

export function dependency(outputs: Outputs, node: string): ResourceOutput {
  const output = outputs[node];
  if (!output) throw new Error(`output of ${node} is missing; the workflow must pass the outputs of every dependency`);
  return output;
}
