/** How activities poll a cloud: exponential backoff, so the number of polls grows with log(duration). */
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
}
