/**
 * Which failures mean "Temporal cannot be reached right now" (the API answers 503 with
 * Retry-After) rather than "Temporal answered with an error" (502). The client wraps
 * gRPC errors (ServiceError → cause), so the whole cause chain is searched.
 */
import { isGrpcServiceError, QueryNotRegisteredError, ScheduleNotFoundError, WorkflowNotFoundError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import { HttpError } from './http.ts';

const DEADLINE_EXCEEDED = 4;
/** gRPC status codes: UNAVAILABLE (nothing listening, connection lost) and DEADLINE_EXCEEDED (the API's deadline). */
const UNREACHABLE = new Set<number>([14, DEADLINE_EXCEEDED]);
/** PERMISSION_DENIED and UNAUTHENTICATED: the API's own credentials, not a missing worker. */
const DENIED = new Set<number>([7, 16]);

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
  return error instanceof TemporalTimeoutError || [...UNREACHABLE].some((code) => hasCode(error, code));
}

function isDenied(error: unknown): boolean {
  return [...DENIED].some((code) => hasCode(error, code));
}

function hasCode(error: unknown, code: number): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (isGrpcServiceError(e) && e.code === code) return true;
  }
  return false;
}

/**
 * A query that Temporal could not get a worker to answer: none is polling (all stopped,
 * or one was killed and its replacement has not picked the workflow up yet). The
 * workflow is there; its answer is not, for now. The API answers 503 with Retry-After.
 */
export class WorkerUnavailableError extends Error {
  constructor(run: DescribedRun, cause: unknown) {
    const detail = cause instanceof Error ? [cause.message, cause.cause instanceof Error ? cause.cause.message : undefined].filter(Boolean).join(': ') : String(cause);
    super(`no worker answered the query of ${run.description.type} ${run.handle.workflowId} (${detail})`, { cause });
    this.name = 'WorkerUnavailableError';
  }
}

/** A run that Temporal has just described: Temporal answers, so a query that does not is a worker's silence. */
export interface DescribedRun {
  handle: WorkflowHandle;
  description: WorkflowExecutionDescription;
}

/** handle.query, with "no worker answered" told apart from "no such workflow" and "the query failed in the workflow". */
export async function queryWorkflow<T>(run: DescribedRun, queryName: string): Promise<T> {
  try {
    return await run.handle.query<T>(queryName);
  } catch (error) {
    if (error instanceof WorkflowNotFoundError || error instanceof QueryNotRegisteredError || isDenied(error)) throw error;
    // Temporal holds a query until a worker answers it, and it did answer the describe: reaching the deadline means no worker did.
    if (isTemporalUnreachable(error) && !hasCode(error, DEADLINE_EXCEEDED)) throw error;
    throw new WorkerUnavailableError(run, error);
  }
}

/** For `.catch()` on a describe: a workflow or schedule Temporal does not know is the caller's 404, with `message`. */
export function notFound(message: string) {
  return (error: unknown): never => {
    if (error instanceof ScheduleNotFoundError || error instanceof WorkflowNotFoundError) throw new HttpError(404, { error: 'NotFound', message });
    throw error;
  };
}
