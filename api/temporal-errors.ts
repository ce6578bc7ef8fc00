/**
 * Which failures mean "Temporal cannot be reached right now" (the API answers 503 with
 * Retry-After) rather than "Temporal answered with an error" (502). The client wraps
 * gRPC errors (ServiceError → cause), so the whole cause chain is searched.
 */
import { isGrpcServiceError } from '@temporalio/client';

/** gRPC status codes: UNAVAILABLE (nothing listening, connection lost) and DEADLINE_EXCEEDED (the API's deadline). */
const UNREACHABLE = new Set<number>([14, 4]);

export function isTemporalUnreachable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (isGrpcServiceError(e) && UNREACHABLE.has(e.code)) return true;
  }
  return false;
}
