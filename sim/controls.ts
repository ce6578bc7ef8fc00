/**
 * Client of the emulators' simulator controls (sim/README.md "Fault injection and call
 * counting", "Cross-emulator wiring"): for tests and benchmarks, never product code.
 */
import type { Endpoints } from './stack.ts';

export type Calls = Record<string, number>;

export interface FaultRule {
  operation: string;
  /** `applied-*`: the call takes effect, then its answer is lost as the base kind fails it (sim/README.md). */
  kind: 'throttle' | 'server-error' | 'timeout' | 'error' | 'lro-failed' | 'drop' | 'applied-server-error' | 'applied-timeout' | 'applied-drop';
  nth?: number;
  count?: number;
  match?: string;
  code?: string;
  status?: number;
  message?: string;
  /** How long `timeout` and `applied-timeout` hold the request (default 5). */
  seconds?: number;
}

export async function injectFault(emulatorUrl: string, rule: FaultRule): Promise<void> {
  const response = await fetch(`${emulatorUrl}/_sim/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  if (!response.ok) throw new Error(`fault not accepted: ${response.status} ${await response.text()}`);
}

export async function faultsFired(emulatorUrl: string): Promise<{ operation: string; fired: number }[]> {
  const { faults } = (await (await fetch(`${emulatorUrl}/_sim/faults`)).json()) as { faults: { operation: string; fired: number }[] };
  return faults.map(({ operation, fired }) => ({ operation, fired }));
}

/** Removes every fault rule (both clouds and the kube pool) and every tunnel outage. */
export async function clearFaults(e: Endpoints): Promise<void> {
  await Promise.all([e.aws, e.azure, e.kube].map((url) => fetch(`${url}/_sim/faults`, { method: 'DELETE' }).then((r) => r.arrayBuffer())));
  await fetch(`${e.azure}/_sim/fabric/outages`, { method: 'DELETE' }).then((r) => r.arrayBuffer());
}

/** Cuts the path between AWS and every Azure connection whose id contains `match`: those tunnels stay down. */
export async function cutTunnels(e: Endpoints, match: string): Promise<void> {
  const response = await fetch(`${e.azure}/_sim/fabric/outages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ match }) });
  if (!response.ok) throw new Error(`outage not accepted: ${response.status} ${await response.text()}`);
}

export async function resetCalls(e: Endpoints): Promise<void> {
  await Promise.all([e.aws, e.azure, e.kube].map((url) => fetch(`${url}/_sim/calls`, { method: 'DELETE' }).then((r) => r.arrayBuffer())));
}

/**
 * Calls each emulator counted, by operation; `kube` only when the pool runs its fault
 * proxies (CELLBRIDGE_SIM_KUBE_FAULTS=1), else empty.
 */
export async function readCalls(e: Endpoints): Promise<{ aws: Calls; azure: Calls; kube: Calls }> {
  const [aws, azure, kube] = await Promise.all([e.aws, e.azure, e.kube].map(async (url) => {
    const response = await fetch(`${url}/_sim/calls`);
    return (response.ok ? await response.json() : (await response.arrayBuffer(), {})) as Calls;
  }));
  return { aws: aws!, azure: azure!, kube: kube! };
}
