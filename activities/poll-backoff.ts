/**
 * How activities poll a cloud: exponential backoff up to a ceiling, so a short operation
 * costs polls logarithmic in its duration and a long one is seen to end at most `maxMs` late.
 * An interval that kept growing (a 45-minute gateway polled a dozen times) would see it end
 * up to a third of its duration late: a quarter of an hour of a user's wait to save calls.
 */
export interface PollSettings {
  initialMs: number;
  maxMs: number;
  factor: number;
}

export class Backoff {
  private current: number;

  constructor(private readonly settings: PollSettings) {
    this.current = settings.initialMs;
  }

  next(): number {
    const delay = this.current;
    this.current = Math.min(this.current * this.settings.factor, this.settings.maxMs);
    return delay;
  }

  /** The next delay, but no shorter than what the cloud asked for (a Retry-After): a throttled cloud sets the pace. */
  nextAtLeast(askedMs: number | undefined): number {
    return Math.max(this.next(), askedMs ?? 0);
  }
}
