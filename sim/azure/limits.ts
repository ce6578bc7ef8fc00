// ARM's subscription throttling: a token bucket per subscription and kind of request
// (reads, writes, deletes), refilled continuously. An empty bucket answers 429
// TooManyRequests with Retry-After, the seconds until a token is back. Defaults are ARM's
// documented limits (bucket 250 / 200 / 200, refilled at 25 / 10 / 10 per second) with
// the refill sped up by the time scale, since everything the product does runs that much
// faster here; `/_sim/limits` sets a kind's bucket in this emulator's own seconds.
import { ArmError } from './errors.js';
import { num, obj, type Json } from './json.js';

export type RequestKind = 'reads' | 'writes' | 'deletes';
const KINDS: readonly RequestKind[] = ['reads', 'writes', 'deletes'];
const DOCUMENTED: Record<RequestKind, Bucket> = {
  reads: { size: 250, perSecond: 25 },
  writes: { size: 200, perSecond: 10 },
  deletes: { size: 200, perSecond: 10 },
};

export interface Bucket {
  size: number;
  perSecond: number;
}

export function requestKind(method: string): RequestKind {
  if (method === 'GET' || method === 'HEAD') return 'reads';
  return method === 'DELETE' ? 'deletes' : 'writes';
}

export class SubscriptionLimits {
  private buckets: Record<RequestKind, Bucket>;
  /** Tokens left per subscription and kind, as of `at` (ms). */
  private levels = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly timeScale: number, private readonly now: () => number = Date.now) {
    this.buckets = this.defaults();
  }

  /** Takes a token for the request, or throws the 429 ARM answers when none is left. */
  take(subscription: string, kind: RequestKind): { remaining: number } {
    const bucket = this.buckets[kind];
    const key = `${subscription.toLowerCase()} ${kind}`;
    const now = this.now();
    const level = this.levels.get(key) ?? { tokens: bucket.size, at: now };
    const tokens = Math.min(bucket.size, level.tokens + ((now - level.at) / 1000) * bucket.perSecond);
    if (tokens < 1) {
      this.levels.set(key, { tokens, at: now });
      const seconds = Math.max(1, Math.ceil((1 - tokens) / bucket.perSecond));
      throw new ArmError(429, 'TooManyRequests',
        `The request is being throttled as the limit has been reached for operation type - ${kind === 'reads' ? 'Read' : kind === 'writes' ? 'Write' : 'Delete'}.`,
        { 'Retry-After': String(seconds), [`x-ms-ratelimit-remaining-subscription-${kind}`]: '0' });
    }
    this.levels.set(key, { tokens: tokens - 1, at: now });
    return { remaining: Math.floor(tokens - 1) };
  }

  /** `{ "writes": { "size": 2, "perSecond": 0.5 } }`: the kinds named, in this emulator's seconds. */
  configure(body: Json): Record<RequestKind, Bucket> {
    for (const [kind, value] of Object.entries(body)) {
      const spec = obj(value);
      const size = num(spec?.size);
      const perSecond = num(spec?.perSecond);
      if (!KINDS.includes(kind as RequestKind) || size === undefined || perSecond === undefined || !(size >= 1) || !(perSecond > 0)) {
        throw new ArmError(400, 'InvalidLimits', `expected { "<${KINDS.join('|')}>": { "size": >= 1, "perSecond": > 0 } }, got ${kind}`);
      }
      this.buckets[kind as RequestKind] = { size, perSecond };
    }
    this.levels.clear();
    return this.current();
  }

  current(): Record<RequestKind, Bucket> {
    return { ...this.buckets };
  }

  reset(): void {
    this.buckets = this.defaults();
    this.levels.clear();
  }

  private defaults(): Record<RequestKind, Bucket> {
    const scaled = (b: Bucket): Bucket => ({ size: b.size, perSecond: b.perSecond * this.timeScale });
    return { reads: scaled(DOCUMENTED.reads), writes: scaled(DOCUMENTED.writes), deletes: scaled(DOCUMENTED.deletes) };
  }
}
