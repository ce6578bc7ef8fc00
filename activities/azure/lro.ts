/**
 * Azure long-running operations polled with the engine's backoff (activities/poll-backoff.ts)
 * instead of the SDK's own loop. The SDK pollers wait exactly the Retry-After of each answer,
 * a fixed interval (ARM usually says 10 s), so their polls grow linearly with an operation's
 * duration: 270 polls for a 45-minute gateway. Here the SDK still makes every request and
 * interprets every answer (status, final GET, errors); only the waits between polls are
 * ours, never shorter than a Retry-After the cloud asked for, so a throttling ARM sets the pace.
 * An operation the engine expects to take a known time (activities/expected-operation.ts) is
 * polled around its expected end, counted from the cloud's answer to its first request: the
 * resource's own creation time is not at hand, a turn waited for on a gateway (gateway-turns.ts)
 * comes before, and on a cloud that keeps time (the emulators) the poll at the expected end then
 * comes just after the operation's end, not a moment before it.
 *
 * Both SDK generations are driven: @azure/arm-network and arm-resources on core-lro 2
 * (`begin…` resolves to a poller that has sent the request and polled once), and
 * @azure/arm-containerservice on core-lro 3 (the operation is a lazy poller, `submitted()`
 * sends it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PipelinePolicy, PipelineResponse } from '@azure/core-rest-pipeline';
import { expectedHere } from '../expected-operation.ts';
import { pollClock, type PollSettings } from '../poll-backoff.ts';

/** What both pollers offer, the core-lro 2 shape; a core-lro 3 poller is adapted to it by `submittedPoller`. */
export interface ManualPoller<T> {
  isDone(): boolean;
  poll(options?: { abortSignal?: AbortSignal }): Promise<void>;
  getResult(): T | undefined;
}

/** A core-lro 3 poller (`isDone` and `result` are getters there). */
interface LazyPoller<T> {
  readonly isDone: boolean;
  readonly result?: T;
  poll(options?: { abortSignal?: AbortSignal }): Promise<unknown>;
  submitted(): Promise<void>;
}

/** Sends a core-lro 3 operation's first request and returns it as a ManualPoller. */
export async function submittedPoller<T>(poller: LazyPoller<T>): Promise<ManualPoller<T>> {
  await poller.submitted();
  return { isDone: () => poller.isDone, poll: async (options) => void (await poller.poll(options)), getResult: () => poller.result };
}

/** Waits for long-running operations; the same settings as the engine's polls. */
export type AwaitOperation = <T>(start: () => Promise<ManualPoller<T>>, signal?: AbortSignal) => Promise<T | undefined>;

export function awaitOperation(settings: PollSettings): AwaitOperation {
  return async <T>(start: () => Promise<ManualPoller<T>>, signal?: AbortSignal) => {
    const hint: RetryAfterHint = {};
    const poller = await retryAfterHints.run(hint, start);
    const backoff = pollClock(settings, expectedHere());
    while (!poller.isDone()) {
      await sleep(backoff.nextAtLeast(hint.ms), undefined, signal ? { signal } : undefined);
      hint.ms = undefined;
      await retryAfterHints.run(hint, () => poller.poll(signal ? { abortSignal: signal } : undefined));
    }
    return poller.getResult();
  };
}

interface RetryAfterHint {
  ms?: number;
}

/** The hint of the operation being awaited in this async context; requests outside one record nothing. */
const retryAfterHints = new AsyncLocalStorage<RetryAfterHint>();

/** A pipeline policy for every Azure client: tells the operation awaited in this context what its last answer's Retry-After asked for. */
export function retryAfterPolicy(): PipelinePolicy {
  return {
    name: 'recordRetryAfter',
    async sendRequest(request, next) {
      const response = await next(request);
      const hint = retryAfterHints.getStore();
      if (hint) hint.ms = retryAfterMs(response) ?? hint.ms;
      return response;
    },
  };
}

/**
 * The wait an answer asks for, as Azure's own clients read it: `retry-after-ms` and
 * `x-ms-retry-after-ms` in milliseconds first, then `Retry-After` in (possibly fractional)
 * seconds or as an HTTP date.
 */
export function retryAfterMs(response: Pick<PipelineResponse, 'headers'>): number | undefined {
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = Number(response.headers.get(name) ?? NaN);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = response.headers.get('retry-after');
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
