/** The product's HTTP API as the benchmarks use it: exactly what a user's client sends. */
import type { Endpoints } from '../sim/stack.ts';

export async function api(e: Endpoints, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(`${e.api}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

export async function createMesh(e: Endpoints, body: unknown): Promise<void> {
  const reply = await api(e, 'POST', '/v1/meshes', body);
  if (reply.status !== 202) throw new Error(`POST /v1/meshes answered ${reply.status}: ${JSON.stringify(reply.body)}`);
}

export async function deleteMesh(e: Endpoints, name: string): Promise<void> {
  const reply = await api(e, 'DELETE', `/v1/meshes/${name}`);
  if (reply.status !== 202 && reply.status !== 200) throw new Error(`DELETE /v1/meshes/${name} answered ${reply.status}: ${JSON.stringify(reply.body)}`);
}

export const SETTLED = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
export const GONE = ['Deleted', 'TeardownIncomplete'];

/**
 * Polls GET /v1/meshes/{name} until the phase is one of `phases`. The poll interval only
 * decides when the benchmark notices; the figures take their times from the workflow
 * history, which records the phase change itself.
 */
export async function waitForPhase(e: Endpoints, name: string, phases: string[], timeoutMs: number, intervalMs = 500): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last: any;
  while (Date.now() < deadline) {
    last = await api(e, 'GET', `/v1/meshes/${name}`).catch((error) => ({ status: 0, body: String(error) }));
    if (last.status === 200 && phases.includes(last.body.phase)) return last.body;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`mesh ${name} did not reach ${phases.join('/')} within ${timeoutMs} ms; last: ${JSON.stringify(last?.body)?.slice(0, 2000)}`);
}

/** Phases of many meshes in one call (visibility, no workflow query): cheap enough to poll while K meshes run. */
export async function listPhases(e: Endpoints): Promise<Map<string, string | undefined>> {
  const reply = await api(e, 'GET', '/v1/meshes');
  if (reply.status !== 200) throw new Error(`GET /v1/meshes answered ${reply.status}`);
  return new Map((reply.body.meshes as { mesh: string; phase?: string }[]).map((m) => [m.mesh, m.phase]));
}
