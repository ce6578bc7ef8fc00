// Fault injection and call counting, the protocol shared with the AWS emulator
// (sim/README.md "Fault injection and call counting").
import { ArmError } from './errors.js';
import { obj, str, num, type Json } from './json.js';

/**
 * `applied-*` kinds perform the call, then lose its answer as their base kind would fail it:
 * the cloud did the work and the caller cannot know. `drop` closes the connection without
 * an answer.
 */
export type FaultKind = 'throttle' | 'server-error' | 'timeout' | 'error' | 'lro-failed' | 'drop'
  | 'applied-server-error' | 'applied-timeout' | 'applied-drop';
const KINDS: readonly FaultKind[] = ['throttle', 'server-error', 'timeout', 'error', 'lro-failed', 'drop',
  'applied-server-error', 'applied-timeout', 'applied-drop'];

/** Thrown by the server when a firing rule wants the connection closed without an answer. */
export class DropConnection extends Error {
  constructor() {
    super('connection dropped (injected fault)');
  }
}

/** Whether a firing rule lets the call take effect before failing it, and how it fails. */
export function faultPlan(kind: FaultKind): { applyFirst: boolean; fail: Exclude<FaultKind, `applied-${string}`> } {
  return kind.startsWith('applied-')
    ? { applyFirst: true, fail: kind.slice('applied-'.length) as Exclude<FaultKind, `applied-${string}`> }
    : { applyFirst: false, fail: kind as Exclude<FaultKind, `applied-${string}`> };
}

export interface FaultRule {
  id: number;
  /** `<resourceType>.<verb>`, compared case-insensitively; missing or `*` means any. */
  operation?: string;
  kind: FaultKind;
  /** The nth matching call (1-based, counted from installation) fails ... */
  nth: number;
  /** ... and so do the count - 1 after it. */
  count: number;
  /** Case-insensitive substring of the request's path, query or body. */
  match?: string;
  code?: string;
  status?: number;
  message?: string;
  seconds?: number;
  /** Matching calls seen so far. */
  seen: number;
  /** Times this rule made a call fail. */
  fired: number;
}

export class Faults {
  private rules: FaultRule[] = [];
  private nextId = 1;

  add(body: unknown): FaultRule {
    const b: Json = obj(body) ?? {};
    const kind = str(b.kind) as FaultKind | undefined;
    if (!kind || !KINDS.includes(kind)) throw new ArmError(400, 'InvalidFault', `kind must be one of ${KINDS.join(', ')}`);
    const positive = (v: unknown, name: string, dflt: number) => {
      const n = v === undefined ? dflt : num(v);
      if (n === undefined || !Number.isInteger(n) || n < 1) throw new ArmError(400, 'InvalidFault', `${name} must be a positive integer`);
      return n;
    };
    const rule: FaultRule = {
      id: this.nextId++,
      operation: str(b.operation),
      kind,
      nth: positive(b.nth, 'nth', 1),
      count: positive(b.count, 'count', 1),
      match: str(b.match),
      code: str(b.code),
      status: num(b.status),
      message: str(b.message),
      seconds: num(b.seconds),
      seen: 0,
      fired: 0,
    };
    this.rules.push(rule);
    return rule;
  }

  list(): FaultRule[] {
    return this.rules;
  }

  clear(): void {
    this.rules = [];
  }

  /**
   * Counts the call against every matching rule; returns the first rule that fires.
   * `lro-failed` rules only see calls that start a long-running operation.
   */
  check(operation: string, haystack: string, startsOperation: boolean): FaultRule | undefined {
    const text = haystack.toLowerCase();
    let firing: FaultRule | undefined;
    for (const rule of this.rules) {
      if (rule.kind === 'lro-failed' && !startsOperation) continue;
      const opMatches = !rule.operation || rule.operation === '*' || rule.operation.toLowerCase() === operation.toLowerCase();
      if (!opMatches || (rule.match && !text.includes(rule.match.toLowerCase()))) continue;
      rule.seen++;
      if (!firing && rule.seen >= rule.nth && rule.seen < rule.nth + rule.count) {
        rule.fired++;
        firing = rule;
      }
    }
    return firing;
  }
}

/** The immediate error a firing rule answers with (`lro-failed`, `drop` and the wait of `timeout` are the caller's). */
export function faultError(rule: FaultRule): ArmError {
  switch (faultPlan(rule.kind).fail) {
    case 'throttle':
      return new ArmError(rule.status ?? 429, rule.code ?? 'TooManyRequests',
        rule.message ?? 'The request is being throttled as the limit has been reached for operation type.',
        { 'Retry-After': String(Math.max(1, Math.round(rule.seconds ?? 1))) });
    case 'server-error':
      return new ArmError(rule.status ?? 500, rule.code ?? 'InternalServerError', rule.message ?? 'An internal server error occurred.');
    case 'timeout':
      return new ArmError(504, 'GatewayTimeout', rule.message ?? 'The gateway did not receive a response within the specified time period.');
    default:
      return new ArmError(rule.status ?? 400, rule.code ?? 'BadRequest', rule.message ?? 'Injected fault.');
  }
}

export class CallCounts {
  private counts: Record<string, number> = {};

  hit(operation: string): void {
    this.counts[operation] = (this.counts[operation] ?? 0) + 1;
  }

  snapshot(): Record<string, number> {
    return { ...this.counts };
  }

  clear(): void {
    this.counts = {};
  }
}
