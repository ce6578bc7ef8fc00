/**
 * Cloud errors become Temporal failures by code (docs/architecture.md, "Conventions"):
 * throttling, 5xx, timeouts and "another operation in progress" retry with backoff,
 * honouring Retry-After; validation, quota and auth errors fail fast, so a wrong spec
 * rolls back at once instead of retrying for an hour. Kubernetes API errors (and helm's,
 * which are the same API errors read from its output) are classified by HTTP status: 429,
 * 5xx and 409 retry, any other 4xx (validation, admission, RBAC) is final.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';

const RETRYABLE_CODES = new Set([
  // AWS
  'RequestLimitExceeded', 'Throttling', 'ThrottlingException', 'TooManyRequestsException', 'InternalError', 'InternalFailure',
  'ServiceUnavailable', 'Unavailable', 'IncorrectState', 'DependencyViolation', 'TimeoutError', 'RequestTimeout',
  // an EC2 create whose answer was lost: the next attempt looks it up (aws/no-blind-resend.ts)
  'CreateNotResent',
  // Azure
  'TooManyRequests', 'InternalServerError', 'AnotherOperationInProgress', 'RetryableError', 'GatewayTimeout', 'Conflict',
  // helm: the API server did not answer, or an uninstall stopped part way (activities/kube/helm.ts)
  'Unreachable', 'UninstallIncomplete',
  // Network
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'REQUEST_SEND_ERROR', 'UND_ERR_SOCKET',
]);

interface CloudErrorShape {
  name?: string;
  /** A string for AWS, Azure and Node's network errors; the HTTP status for a Kubernetes ApiException. */
  code?: string | number;
  message?: string;
  statusCode?: number;
  $metadata?: { httpStatusCode?: number };
  $retryable?: unknown;
  response?: { headers?: { get?(name: string): string | undefined } };
  /** Kubernetes ApiException: the API server's Status object (or its text) and the response headers. */
  body?: unknown;
  headers?: Record<string, string>;
}

export function isNotFound(error: unknown): boolean {
  const e = error as CloudErrorShape;
  const status = e.statusCode ?? e.$metadata?.httpStatusCode;
  const code = typeof e.code === 'string' ? e.code : (e.name ?? '');
  // Secrets Manager's ResourceNotFoundException comes with HTTP 400, so the code decides.
  return status === 404 || e.code === 404 || /NotFound(Exception)?$/.test(code);
}

/**
 * A write refused, not performed, because another operation holds what it needs: ARM's 409
 * AnotherOperationInProgress, and EKS's ResourceInUseException (a cluster delete while its
 * node groups are still deleting; creates that meet it tolerate it as "already exists").
 */
export function isAnotherOperationInProgress(failure: unknown): boolean {
  return failure instanceof ApplicationFailure && (failure.type === 'azure.AnotherOperationInProgress' || failure.type === 'aws.ResourceInUseException');
}

/** An Azure long-running operation that ended Failed (the resource is left provisioningState Failed). */
export function isFailedLongRunningOperation(failure: unknown): boolean {
  return failure instanceof ApplicationFailure && failure.type?.startsWith('azure.') === true && /The long-running operation has failed\./.test(failure.message);
}

/** A describe call whose "not found" means the resource is absent. */
export async function absentIfNotFound<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** A create that a lost response may already have done: the cloud's "already exists" error is success. */
export async function tolerating<T>(errorName: string, call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if ((error as { name?: string }).name !== errorName) throw error;
    return undefined;
  }
}

/** Maps anything an SDK throws to a retryable or non-retryable ApplicationFailure. */
export function toFailure(error: unknown, context: string): Error {
  if (error instanceof ApplicationFailure || error instanceof CancelledFailure) return error;
  // A call aborted by the activity's cancellation: kept as it is, the SDK reports the activity
  // cancelled; as a failure, a cancelled mesh would be taken for a failed one and rolled back.
  if (error instanceof Error && error.name === 'AbortError') return error;
  const e = (error ?? {}) as CloudErrorShape;
  const { cloud, code } = classify(e);
  const status = e.statusCode ?? e.$metadata?.httpStatusCode ?? (typeof e.code === 'number' ? e.code : undefined);
  const retryable = RETRYABLE_CODES.has(code) || (status !== undefined && retryableStatus(cloud, status)) || e.$retryable !== undefined;
  const message = `${context}: ${code}: ${e.message ?? String(error)}`;
  return ApplicationFailure.create({
    message,
    type: `${cloud}.${code}`,
    nonRetryable: !retryable,
    nextRetryDelay: retryAfterMs(e),
  });
}

/**
 * A conflict from a Kubernetes API server (an object modified meanwhile, an object being
 * deleted, a lock another writer holds) clears on its own; in the clouds a 409 is only
 * retried by code (AnotherOperationInProgress), never blindly.
 */
function retryableStatus(cloud: string, status: number): boolean {
  return status >= 500 || status === 429 || ((cloud === 'kube' || cloud === 'helm') && status === 409);
}

function classify(e: CloudErrorShape): { cloud: string; code: string } {
  if (e.$metadata) return { cloud: 'aws', code: e.name ?? 'Unknown' };
  if (e.name === 'RestError') return { cloud: 'azure', code: typeof e.code === 'string' ? e.code : `Http${e.statusCode ?? ''}` };
  if (typeof e.code === 'number') return { cloud: 'kube', code: kubeReason(e.body) ?? `Http${e.code}` };
  if (e.name === 'HelmError') return { cloud: 'helm', code: String(e.code ?? 'Failed') };
  const lro = /^The long-running operation has failed\. ([A-Za-z]+)\./.exec(e.message ?? '');
  if (lro?.[1]) return { cloud: 'azure', code: lro[1] };
  return { cloud: 'cloud', code: e.code ?? e.name ?? 'Error' };
}

/** The `reason` of a Kubernetes Status object (`TooManyRequests`, `Invalid`, `Conflict`, …), when the body is one. */
function kubeReason(body: unknown): string | undefined {
  const status = typeof body === 'string' ? safeJson(body) : body;
  const reason = (status as { reason?: unknown } | undefined)?.reason;
  return typeof reason === 'string' && /^[A-Za-z]+$/.test(reason) ? reason : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function retryAfterMs(e: CloudErrorShape): number | undefined {
  const header = e.response?.headers?.get?.('retry-after') ?? e.headers?.['retry-after'];
  const seconds = header === undefined ? NaN : Number(header);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
}
