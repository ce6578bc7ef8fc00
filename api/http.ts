/** The little HTTP plumbing the API needs: JSON in, JSON out, errors as problems. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Problem } from '../domain/problems.ts';

const MAX_BODY_BYTES = 1 << 20;

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

export async function readJson(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw badRequest([{ path: '', rule: 'body.size', message: `the body exceeds ${MAX_BODY_BYTES} bytes` }]);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (error) {
    throw badRequest([{ path: '', rule: 'json.syntax', message: `the body is not valid JSON: ${(error as Error).message}` }]);
  }
}

export function sendJson(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body, null, 2));
}
