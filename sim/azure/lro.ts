// Long-running operations: each has an id that the Azure-AsyncOperation and Location
// URLs carry, runs for its (scaled) latency on a timer, then settles by calling the
// completion the handler gave it.
import { randomUUID } from 'node:crypto';
import type { ArmErrorBody } from './errors.js';

export type OperationStatus = 'InProgress' | 'Succeeded' | 'Failed' | 'Canceled';

export interface Operation {
  id: string;
  status: OperationStatus;
  /** Region in the operation URL (`.../locations/{location}/operations/{id}`). */
  location: string;
  /** Provider namespace in the operation URL, e.g. `Microsoft.Network`. */
  namespace: string;
  startTime: string;
  endTime?: string;
  error?: ArmErrorBody;
  /** HTTP status the Location URL answers with when the operation failed. */
  errorStatus?: number;
  /** Body the Location URL answers with on success (POST actions). */
  result?: unknown;
}

/** What a completion decides. */
export interface Outcome {
  status: Exclude<OperationStatus, 'InProgress'>;
  error?: ArmErrorBody;
  errorStatus?: number;
  result?: unknown;
}

export class Operations {
  private readonly ops = new Map<string, Operation>();
  private readonly timers = new Set<NodeJS.Timeout>();

  create(namespace: string, location: string): Operation {
    const op: Operation = { id: randomUUID(), status: 'InProgress', namespace, location, startTime: new Date().toISOString() };
    this.ops.set(op.id, op);
    return op;
  }

  run(op: Operation, durationMs: number, complete: () => Outcome | Promise<Outcome>): void {
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      let outcome: Outcome;
      try {
        outcome = await complete();
      } catch (e) {
        outcome = { status: 'Failed', error: { code: 'InternalServerError', message: String(e) }, errorStatus: 500 };
      }
      Object.assign(op, outcome, { endTime: new Date().toISOString() });
    }, durationMs);
    this.timers.add(timer);
  }

  get(id: string): Operation | undefined {
    return this.ops.get(id.toLowerCase());
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ops.clear();
  }
}
