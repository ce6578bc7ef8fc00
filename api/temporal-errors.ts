/**
 * Which failures mean "Temporal cannot be reached right now" (the API answers 503 with
 * Retry-After) rather than "Temporal answered with an error" (502). The client wraps
 * gRPC errors (ServiceError → cause), so the whole cause chain is searched.
 */
import { isGrpcServiceError } from '@temporalio/client';

/** gRPC status codes: UNAVAILABLE (nothing listening, connection lost) and DEADLINE_EXCEEDED (the API's deadline). */
const UNREACHABLE = new Set<number>([14, 4]);

/** The API's own bound on a request's Temporal calls ran out (the client's retry backoff may outlast its gRPC deadline). */
export class TemporalTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'TemporalTimeoutError';
  }
}

/** `work`, or a TemporalTimeoutError once `timeoutMs` has passed, whichever comes first. */
export function within<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TemporalTimeoutError(timeoutMs)), timeoutMs);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function isTemporalUnreachable(error: unknown): boolean {
  if (error instanceof TemporalTimeoutError) return true;
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (isGrpcServiceError(e) && UNREACHABLE.has(e.code)) return true;
  }
  return false;
}
