/**
 * How activities poll a cloud: exponential backoff, so the number of polls grows with
 * log(duration). Past `maxMs` an interval still grows, up to half the time already waited:
 * a fixed ceiling would make a 45-minute gateway cost a poll every `maxMs`, linear in its
 * duration, while this keeps it logarithmic and a poll at most a third of an operation's
 * duration late.
 */
export interface PollSettings {
  initialMs: number;
  maxMs: number;
  factor: number;
}

const SHARE_OF_WAITED = 0.5;

export class Backoff {
  private current: number;
  private waited = 0;

  constructor(private readonly settings: PollSettings) {
    this.current = settings.initialMs;
  }

  next(): number {
    const delay = this.current;
    this.waited += delay;
    this.current = Math.min(this.current * this.settings.factor, Math.max(this.settings.maxMs, this.waited * SHARE_OF_WAITED));
    return delay;
  }

  /** The next delay, but no shorter than what the cloud asked for (a Retry-After): a throttled cloud sets the pace. */
  nextAtLeast(askedMs: number | undefined): number {
    return Math.max(this.next(), askedMs ?? 0);
  }
}
