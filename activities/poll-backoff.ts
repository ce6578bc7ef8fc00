/**
 * How activities poll a cloud: exponential backoff up to a ceiling, so a short operation
 * costs polls logarithmic in its duration and a long one is seen to end at most `maxMs` late.
 * An interval that kept growing (a 45-minute gateway polled a dozen times) would see it end
 * up to a third of its duration late: a quarter of an hour of a user's wait to save calls.
 * An operation whose duration is expected (activities/expected-operation.ts) is polled
 * around its expected end instead (domain/poll-schedule.ts), within the same bounds.
 */
import { nextPollDelay } from '../domain/poll-schedule.ts';

export interface PollSettings {
  initialMs: number;
  maxMs: number;
  factor: number;
  /**
   * How much faster than the real clouds the clouds answering run (the proving ground's
   * emulators: their time scale; the real clouds: 1): expected durations are divided by it.
   * Without it no duration is expected and every poll is the plain backoff.
   */
  cloudTimeScale?: number;
}

/** The delays between polls of one wait. */
export interface PollClock {
  next(): number;
  nextAtLeast(askedMs: number | undefined): number;
}

/**
 * Before an expected end, the delay may grow to ten times the backoff's ceiling (5 minutes for
 * the real clouds' 30 s): in the same units as the other settings, so it scales with them.
 */
export const FAR_CEILINGS = 10;

/** The polls of an operation that starts now and should take `expectedMs`; the plain backoff if no duration is expected. */
export function pollClock(settings: PollSettings, expectedMs: number | undefined): PollClock {
  if (expectedMs === undefined) return new Backoff(settings);
  const startedAt = Date.now();
  const schedule = { ...settings, farMs: FAR_CEILINGS * settings.maxMs };
  const next = (askedMs = 0) => nextPollDelay(Date.now() - startedAt, expectedMs, schedule, askedMs);
  return { next: () => next(), nextAtLeast: (askedMs) => Math.max(next(askedMs), askedMs ?? 0) };
}

export class Backoff implements PollClock {
  private current: number;

  constructor(private readonly settings: PollSettings) {
    this.current = settings.initialMs;
  }

  next(): number {
    const delay = this.current;
    this.current = Math.min(this.current * this.settings.factor, this.settings.maxMs);
    return delay;
  }

  nextAtLeast(askedMs: number | undefined): number {
    return Math.max(this.next(), askedMs ?? 0);
  }
}
