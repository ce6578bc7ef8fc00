/** The emulators' call counters and fault rules (sim/README.md "Fault injection and call counting"). */
import type { Endpoints } from '../sim/stack.ts';

export type Calls = Record<string, number>;

export async function resetCalls(e: Endpoints): Promise<void> {
  await Promise.all([e.aws, e.azure].map((url) => fetch(`${url}/_sim/calls`, { method: 'DELETE' }).then((r) => r.arrayBuffer())));
}

export async function readCalls(e: Endpoints): Promise<{ aws: Calls; azure: Calls }> {
  const [aws, azure] = await Promise.all([e.aws, e.azure].map(async (url) => (await (await fetch(`${url}/_sim/calls`)).json()) as Calls));
  return { aws: aws!, azure: azure! };
}

export interface FaultRule {
  operation: string;
  kind: 'throttle' | 'server-error' | 'timeout' | 'error' | 'lro-failed';
  nth?: number;
  count?: number;
  match?: string;
  code?: string;
  status?: number;
  message?: string;
}

export async function injectFault(url: string, rule: FaultRule): Promise<void> {
  const response = await fetch(`${url}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  if (!response.ok) throw new Error(`fault not accepted: ${response.status} ${await response.text()}`);
}

export async function clearFaults(e: Endpoints): Promise<void> {
  await Promise.all([e.aws, e.azure].map((url) => fetch(`${url}/_sim/faults`, { method: 'DELETE' }).then((r) => r.arrayBuffer())));
}
