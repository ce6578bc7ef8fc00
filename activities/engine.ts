/**
 * The one create / wait / delete loop every resource goes through. Idempotency comes
 * from looking the resource up by identity before acting; durability from heartbeats
 * (a killed worker's attempt is retried and finds what the last one started);
 * cancellation from the activity context's signal and cancellation-aware sleep.
 */
import { Context, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Outputs, ResourceNode, ResourceOutput } from '../domain/resource-graph.ts';
import { isAnotherOperationInProgress, isFailedLongRunningOperation, isNotFound, toFailure } from './cloud-errors.ts';
import { afterEarlierCall, resourceKey } from './earlier-attempt.ts';
import { expectedMs, expecting, type Change } from './expected-operation.ts';
import { Backoff, pollClock, type PollClock, type PollSettings } from './poll-backoff.ts';
import type { Ownership } from './ownership.ts';
import type { Phase, ResourceHandler } from './resource-handler.ts';

const HEARTBEAT_TICK_MS = 1000;
const MAX_CONVERGE_ATTEMPTS = 3;

export interface DeleteResult {
  state: 'deleted' | 'absent' | 'kept';
}

export class ResourceEngine {
  constructor(private readonly poll: PollSettings) {}

  /** `recorded`: the resource's own output as the mesh last recorded it, if it has one (resource-handler.ts, `describe`). */
  async ensure<P, O>(handler: ResourceHandler<P, O>, node: ResourceNode<string, P>, outputs: Outputs, recorded?: ResourceOutput): Promise<ResourceOutput> {
    return this.alone(node.id, () => this.ensureNow(handler, node, outputs, undefined, recorded));
  }

  /** Runs `fn` once no earlier create, update or delete of the same resource of this run still runs in this worker (activities/earlier-attempt.ts). */
  private alone<T>(nodeId: string, fn: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    // Twice the heartbeat timeout: time for a stalled attempt to send its next heartbeat and be told it was given up.
    const patienceMs = 2 * (ctx.info.heartbeatTimeoutMs || 30_000);
    const patience = (earlier: Promise<void>) =>
      this.heartbeating(`${nodeId}: an earlier call on it still runs in this worker`, () => within(earlier, patienceMs));
    return afterEarlierCall(resourceKey(ctx.info, nodeId), patience, fn);
  }

  /** `pending`: the update this call has just sent, whose end it waits for. */
  private async ensureNow<P, O>(handler: ResourceHandler<P, O>, node: ResourceNode<string, P>, outputs: Outputs, pending?: PollClock, recorded?: ResourceOutput): Promise<ResourceOutput> {
    const ctx = Context.current();
    const call = <T>(what: string, fn: () => Promise<T>) => guarded(`${what} ${node.id}`, fn);
    // A resource found in the making was started by an earlier attempt, at a time this one does not
    // know (no handler reads a creation time): its expected end is counted from now, so an earlier end
    // is seen at the far ceiling's pace at worst (domain/poll-schedule.ts).
    let backoff = pending ?? this.clock(node.kind, 'create');
    const put = async () => {
      const created = await this.whenFree(node.id, () =>
        this.expecting(node.kind, 'create', () => call('create', () => this.heartbeating(`creating ${node.id}`, () => handler.create(node, outputs, ctx.cancellationSignal)))),
      );
      backoff = this.clock(node.kind, 'create');
      return created;
    };
    let rePuts = handler.rePutOnceIfFailed ? 1 : 0;
    const create = async () => {
      try {
        return await put();
      } catch (error) {
        if (!isFailedLongRunningOperation(error) || rePuts-- <= 0) throw error;
        log.warn(`${node.id}: its operation failed; putting it once more`, { error: (error as Error).message });
        return put();
      }
    };
    // A retried attempt may follow a create whose answer was lost: a listing that lags must not hide it into a second copy.
    const doubtAbsence = handler.listedLate === true && ctx.info.attempt > 1;
    let observed = await this.settle(handler, node, (p) => p.is === 'deleting', doubtAbsence, undefined, recorded);
    if (observed !== undefined) refuseForeign(handler, observed, node, recorded);
    // Ours by its recorded ID, its ownership tags removed by hand: they are put back, nothing is made.
    if (observed !== undefined && (handler.lostIdentity?.(observed, node) ?? []).length > 0) {
      const found = observed;
      await call('restore the identity of', () => handler.restoreIdentity!(found, node));
    }
    // A create's own final read (an Azure operation's GET of the resource) stands for the next describe.
    let answered = observed === undefined ? await create() : undefined;
    let convergeAttempts = 0;
    for (;;) {
      observed = answered ?? (await call('describe', () => handler.describe(node, recorded)));
      answered = undefined;
      // Someone else's may appear under our name while we create (a create that tolerated "already exists").
      if (observed !== undefined) refuseForeign(handler, observed, node, recorded);
      const phase: Phase = observed === undefined ? { is: 'busy', detail: 'not visible yet' } : handler.phase(observed, node);
      if (phase.is === 'ready' && observed !== undefined) return handler.output(observed);
      if (phase.is === 'failed' && rePuts-- > 0) {
        answered = await put();
        continue;
      }
      if (phase.is === 'failed') throw ApplicationFailure.nonRetryable(`${node.id}: ${phase.reason}`, 'ProvisioningFailed');
      if (phase.is === 'drifted') {
        if (++convergeAttempts > MAX_CONVERGE_ATTEMPTS) throw ApplicationFailure.nonRetryable(`${node.id} does not converge: ${phase.detail}`, 'ProvisioningFailed');
        answered = await create();
        continue;
      }
      await this.wait(`${node.id} ${phase.is}`, backoff);
    }
  }

  /**
   * Changes a resource in place to `node`'s params and waits until it is ready again. Repeating
   * it after a lost answer sends the same desired state once more, which every handler's update
   * tolerates; a resource that is missing is created instead.
   */
  async update<P, O>(handler: ResourceHandler<P, O>, node: ResourceNode<string, P>, previous: ResourceNode<string, P>, outputs: Outputs): Promise<ResourceOutput> {
    return this.alone(node.id, () => this.updateNow(handler, node, previous, outputs));
  }

  private async updateNow<P, O>(handler: ResourceHandler<P, O>, node: ResourceNode<string, P>, previous: ResourceNode<string, P>, outputs: Outputs): Promise<ResourceOutput> {
    const ctx = Context.current();
    const change = handler.update;
    if (!change) throw ApplicationFailure.nonRetryable(`${node.id}: ${node.kind} cannot be updated in place yet`, 'UpdateNotSupported');
    // An operation in flight (a create, an earlier update) refuses a new one in both clouds.
    const observed = await this.settle(handler, node, (p) => p.is === 'busy' || p.is === 'deleting');
    if (observed === undefined) return this.ensureNow(handler, node, outputs);
    refuseForeign(handler, observed, node);
    await this.whenFree(node.id, () => this.expecting(node.kind, 'update', () => guarded(`update ${node.id}`, () =>
      this.heartbeating(`updating ${node.id}`, () => change.call(handler, observed, node, previous, outputs, ctx.cancellationSignal)),
    )));
    return this.ensureNow(handler, node, outputs, this.clock(node.kind, 'update'));
  }

  /**
   * Deletes every copy of the resource that its identity finds, one after the other: a
   * create whose attempt was presumed dead while its call was still on the wire can have
   * left two (tag-identified resources have no idempotency token), and a teardown must
   * not wait forever for the copy it did not delete to vanish.
   */
  async delete<P, O>(handler: ResourceHandler<P, O>, node: ResourceNode<string, P>, recorded?: ResourceOutput): Promise<DeleteResult> {
    return this.alone(node.id, () => this.deleteNow(handler, node, recorded));
  }

  private async deleteNow<P, O>(handler: ResourceHandler<P, O>, node: ResourceNode<string, P>, recorded?: ResourceOutput): Promise<DeleteResult> {
    const ctx = Context.current();
    const deleted = new Set<string>();
    // Until this call has sent a delete, what it waits out is someone else's operation, of unknown kind and start: the plain backoff.
    let deleting: PollClock | undefined;
    for (;;) {
      // An in-flight create or update blocks a delete in both clouds, and a copy already being deleted only needs watching.
      // A compensation can follow its create by moments: the first absence of a lagging listing is doubted.
      const doubtAbsence = handler.listedLate === true && deleted.size === 0;
      const observed = await this.settle(handler, node, (p, o) => p.is === 'busy' || p.is === 'deleting' || deleted.has(identityOf(handler, o)), doubtAbsence, deleting, recorded);
      if (observed === undefined) return { state: deleted.size > 0 ? 'deleted' : 'absent' };
      if (ownershipOf(handler, observed, node, recorded).is !== 'ours') return { state: 'kept' };
      await this.whenFree(node.id, () => this.expecting(node.kind, 'delete', () => guarded(`delete ${node.id}`, () =>
        this.heartbeating(`deleting ${node.id}`, () => ignoreNotFound(handler.delete(observed, node, ctx.cancellationSignal))),
      )));
      deleting = this.clock(node.kind, 'delete');
      if (handler.goneWhenDeleted) return { state: 'deleted' };
      deleted.add(identityOf(handler, observed));
    }
  }

  /**
   * Polls while the resource exists and `waiting` holds for its phase; returns what is left.
   * With `doubtAbsence`, "absent" is only believed once the resource has stayed unlisted for
   * the longest poll interval, the patience the engine shows any resource. `backoff`: the polls
   * of an operation this call started; without one, the plain backoff.
   */
  private async settle<P, O>(handler: ResourceHandler<P, O>, node: ResourceNode<string, P>, waiting: (phase: Phase, observed: O) => boolean, doubtAbsence = false, backoff: PollClock = new Backoff(this.poll), recorded?: ResourceOutput): Promise<O | undefined> {
    const believeAbsenceAt = Date.now() + (doubtAbsence ? this.poll.maxMs : 0);
    for (;;) {
      const observed = await guarded(`describe ${node.id}`, () => handler.describe(node, recorded));
      if (observed === undefined && Date.now() >= believeAbsenceAt) return undefined;
      if (observed === undefined) {
        await this.wait(`${node.id} not listed yet`, backoff);
        continue;
      }
      const phase = handler.phase(observed, node);
      if (!waiting(phase, observed)) return observed;
      await this.wait(`${node.id} ${phase.is}`, backoff);
    }
  }

  /**
   * Repeats a write the cloud refused because another operation holds the resource or its
   * VPN gateway (ARM's 409 AnotherOperationInProgress: nothing was done), once that operation
   * has had time to end, inside this attempt: the four connections of one gateway queue up
   * for minutes in Azure, which would use up the activity's retries.
   */
  private async whenFree<T>(id: string, write: () => Promise<T>): Promise<T> {
    const backoff = new Backoff(this.poll);
    for (;;) {
      try {
        return await write();
      } catch (error) {
        if (!isAnotherOperationInProgress(error)) throw error;
        await this.wait(`${id} waits for another operation to end`, backoff);
      }
    }
  }

  /**
   * The polls of a `change` of a `kind` resource the cloud has just accepted: around its expected
   * end (activities/expected-operation.ts), counted from the cloud's answer, so on a cloud that
   * keeps time (the emulators) the poll at the expected end comes just after the end, not a moment before it.
   */
  private clock(kind: string, change: Change): PollClock {
    return pollClock(this.poll, expectedMs(kind, change, this.poll));
  }

  /** Runs a handler's write with the duration its operation is expected to take, for the Azure poller inside it. */
  private expecting<T>(kind: string, change: Change, fn: () => Promise<T>): Promise<T> {
    return expecting(expectedMs(kind, change, this.poll), fn);
  }

  /**
   * Sleeps (cancellably) until the next poll, heartbeating meanwhile: `heartbeating` beats every
   * second through the whole sleep, so a delay of minutes (before a long operation's expected
   * end) never outlasts the activity's heartbeat timeout and needs no slicing.
   */
  private wait(detail: string, backoff: PollClock): Promise<void> {
    const ctx = Context.current();
    return this.heartbeating(detail, () => ctx.sleep(backoff.next()));
  }

  /** Keeps heartbeating while a long SDK call (an Azure LRO) runs, so the server knows the worker lives. */
  private async heartbeating<T>(detail: string, fn: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    ctx.heartbeat({ detail });
    // The SDK throttles heartbeats to its timeout, so a short fixed tick costs nothing.
    const timer = setInterval(() => ctx.heartbeat({ detail }), HEARTBEAT_TICK_MS);
    try {
      return await fn();
    } finally {
      clearInterval(timer);
    }
  }
}

/** The cloud's ID of one copy; a resource too damaged to have one is a single copy. */
function identityOf<P, O>(handler: ResourceHandler<P, O>, observed: O): string {
  try {
    return handler.output(observed).cloudId;
  } catch {
    return '';
  }
}

function ownershipOf<P, O>(handler: ResourceHandler<P, O>, observed: O, node: ResourceNode<string, P>, recorded?: ResourceOutput): Ownership {
  return handler.ownership?.(observed, node, recorded) ?? { is: 'ours' };
}

function refuseForeign<P, O>(handler: ResourceHandler<P, O>, observed: O, node: ResourceNode<string, P>, recorded?: ResourceOutput): void {
  const ownership = ownershipOf(handler, observed, node, recorded);
  if (ownership.is === 'foreign') throw ApplicationFailure.nonRetryable(`${node.id}: ${ownership.reason}`, 'ForeignResource');
}

/** Resolves when `promise` settles or `ms` have passed, whichever is first. */
async function within(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

async function guarded<T>(context: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toFailure(error, context);
  }
}

async function ignoreNotFound(promise: Promise<void>): Promise<void> {
  try {
    await promise;
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
