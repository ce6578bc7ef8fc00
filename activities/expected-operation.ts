/**
 * How long the operation a handler call starts should take: the engine knows the resource
 * kind and whether it creates, updates or deletes; the Azure poller (activities/azure/lro.ts)
 * runs deep inside the handler and knows neither. The engine runs the handler call in this
 * context, so the poller finds the duration without every handler passing it along.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { CLOUD_LATENCY, cloudLatency, type CloudLatency } from '../domain/cloud-latency.ts';
import type { PollSettings } from './poll-backoff.ts';

export type Change = keyof CloudLatency;

/**
 * The expected duration in this worker's clock: the kind's real-world latency divided by the
 * clouds' time scale. Undefined (poll with the plain backoff) for a kind the latency table
 * does not list, or without a time scale.
 */
export function expectedMs(kind: string, change: Change, settings: PollSettings): number | undefined {
  if (settings.cloudTimeScale === undefined) return undefined;
  if (!kind.startsWith('kube.') && !(kind in CLOUD_LATENCY)) return undefined;
  return (cloudLatency(kind)[change] * 1000) / settings.cloudTimeScale;
}

const expected = new AsyncLocalStorage<number>();

/** Runs `fn` with operations it starts expected to take `ms`; without a duration, as it is. */
export function expecting<T>(ms: number | undefined, fn: () => Promise<T>): Promise<T> {
  return ms === undefined ? fn() : expected.run(ms, fn);
}

/** The expected duration of an operation started here, if the engine said one. */
export function expectedHere(): number | undefined {
  return expected.getStore();
}
