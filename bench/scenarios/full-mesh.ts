/**
 * One full mesh through its life on the proving ground: POST, Ready, DELETE, Deleted,
 * with the emulators' call counters reset before each half. Scenarios 1 (overhead),
 * 3 (calls) and 5 (teardown) all read the same cycles, so the default run provisions
 * each mesh once. Times come from the workflow history (server clock, same host).
 */
import type { Endpoints } from '../../sim/stack.ts';
import { readCalls, resetCalls, type Calls } from '../../sim/controls.ts';
import { phaseAt, type HistoryReader, type RunHistory } from '../history.ts';
import { createMesh, deleteMesh, GONE, SETTLED, waitForPhase } from '../mesh-api.ts';
import { exampleBody, type Example } from '../specs.ts';

export interface Cycle {
  name: string;
  /** Provisioning: POST sent → phase Ready recorded (seconds); undefined if it never got there. */
  provisionSeconds?: number;
  provisionPhase: string;
  provisionCalls: { aws: Calls; azure: Calls };
  /** The emulated EKS authenticator's own STS and EKS calls while provisioning: not the product's. */
  provisionClusterCalls: Calls;
  /** GET /v1/meshes/{name} once settled: resources with their create timelines. */
  status: any;
  /** `deleteMs`: when the DELETE was sent, which `seconds` counts from. */
  teardown?: { seconds?: number; deleteMs: number; phase: string; calls: { aws: Calls; azure: Calls }; clusterCalls: Calls };
  postMs: number;
  history: RunHistory;
  error?: string;
}

export async function meshCycle(e: Endpoints, reader: HistoryReader, example: Example, name: string, timeoutMs: number, log: (line: string) => void): Promise<Cycle> {
  await resetCalls(e);
  const postMs = Date.now();
  await createMesh(e, exampleBody(example, name));
  const status = await waitForPhase(e, name, SETTLED, timeoutMs);
  const [provisionCalls, provisionClusterCalls] = await Promise.all([readCalls(e), clusterCalls(e)]);
  let history = await reader.read(`mesh-${name}`, { decodeNodes: true });
  const readyMs = phaseAt(history, 'Ready');
  const cycle: Cycle = {
    name,
    provisionPhase: status.phase,
    ...(readyMs !== undefined ? { provisionSeconds: (readyMs - postMs) / 1000 } : {}),
    provisionCalls,
    provisionClusterCalls,
    status,
    postMs,
    history,
    ...(status.error ? { error: status.error } : {}),
  };
  log(`  ${name}: ${status.phase} after ${cycle.provisionSeconds?.toFixed(1) ?? '?'} s`);
  if (status.phase !== 'Ready' && status.phase !== 'Degraded') return cycle;

  await resetCalls(e);
  const deleteMs = Date.now();
  await deleteMesh(e, name);
  const gone = await waitForPhase(e, name, GONE, timeoutMs);
  const [calls, teardownClusterCalls] = await Promise.all([readCalls(e), clusterCalls(e)]);
  history = await reader.read(`mesh-${name}`, { decodeNodes: true });
  const deletedMs = phaseAt(history, gone.phase);
  cycle.history = history;
  cycle.teardown = { phase: gone.phase, deleteMs, calls, clusterCalls: teardownClusterCalls, ...(deletedMs !== undefined ? { seconds: (deletedMs - deleteMs) / 1000 } : {}) };
  log(`  ${name}: ${gone.phase} after ${cycle.teardown.seconds?.toFixed(1) ?? '?'} s of teardown`);
  return cycle;
}

/** What Moto counted apart as the clusters' own calls (sim/README.md "Fault injection and call counting"). */
async function clusterCalls(e: Endpoints): Promise<Calls> {
  const response = await fetch(`${e.aws}/_sim/calls?caller=cluster`);
  if (!response.ok) throw new Error(`GET /_sim/calls?caller=cluster: ${response.status}`);
  return (await response.json()) as Calls;
}
