/** What the API's routes share: the body limit, and errors as JSON problems. */
import type { Problem } from '../domain/problems.ts';

/** A mesh spec is a few kilobytes; 1 MiB leaves room for many cells and policies. */
export const MAX_BODY_BYTES = 1 << 20;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.message ?? body.error));
  }
}

export function badRequest(problems: Problem[]): HttpError {
  return new HttpError(400, { error: 'InvalidRequest', message: `${problems.length} problem(s) in the request`, problems });
}
