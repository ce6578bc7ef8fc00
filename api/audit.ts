/**
 * The audit trail: one structured line per request that needs an operator (every change,
 * and the codec endpoint), refused or not, naming the caller, the route, the mesh and the
 * status answered. The token itself is never part of it.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requiredRole } from '../domain/roles.ts';
import type { Caller } from './auth.ts';

export interface AuditEntry {
  audit: 'cellbridge.api';
  time: string;
  /** `static token`, `oidc`, `no auth (loopback)`, or `unauthenticated` for a request refused before it had a caller. */
  caller: string;
  subject?: string;
  issuer?: string;
  method: string;
  /** The route's pattern (`/v1/meshes/:name`), or the path when no route matched. */
  route: string;
  mesh?: string;
  status: number;
}

export type AuditSink = (entry: AuditEntry) => void;

export function auditEntry(request: FastifyRequest, reply: FastifyReply, caller: Caller | undefined): AuditEntry | undefined {
  if (requiredRole(request.method) !== 'operator') return undefined;
  const mesh = meshOf(request);
  return {
    audit: 'cellbridge.api',
    time: new Date().toISOString(),
    ...callerFields(caller),
    method: request.method,
    route: request.routeOptions.url ?? request.url.split('?')[0]!,
    ...(mesh === undefined ? {} : { mesh }),
    status: reply.statusCode,
  };
}

function callerFields(caller: Caller | undefined): Pick<AuditEntry, 'caller' | 'subject' | 'issuer'> {
  switch (caller?.kind) {
    case undefined:
      return { caller: 'unauthenticated' };
    case 'static-token':
      return { caller: 'static token' };
    case 'no-auth':
      return { caller: 'no auth (loopback)' };
    case 'oidc':
      return { caller: 'oidc', subject: caller.subject, issuer: caller.issuer };
  }
}

/** The mesh named by the path, or by the body of a create. */
function meshOf(request: FastifyRequest): string | undefined {
  const fromPath = (request.params as { name?: unknown } | undefined)?.name;
  if (typeof fromPath === 'string') return fromPath.slice(0, 100);
  const fromBody = (request.body as { name?: unknown } | undefined)?.name;
  return request.routeOptions.url === '/v1/meshes' && typeof fromBody === 'string' ? fromBody.slice(0, 100) : undefined;
}
