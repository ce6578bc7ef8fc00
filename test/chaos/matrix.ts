/**
 * Runs the fault matrix on one stack: records which calls each example makes, then plays
 * one fault on one call per run and judges the outcome from the clouds themselves: the
 * run completes (after retries) or rolls back, and either way ends with nothing of the
 * mesh left in either emulator or the kube pool, and a completed run holds each resource
 * exactly as often as a run without faults does.
 */
import { createHash } from 'node:crypto';
import type { Endpoints } from '../../sim/stack.ts';
import { clearFaults, faultsFired, injectFault, readCalls, resetCalls } from '../../sim/controls.ts';
import { api, exampleSpec, meshInventory, waitForPhase } from '../support/stack.ts';
import { ruleFor, type Example, type MatrixCell, type Stage, type Surface } from './calls.ts';

const FINAL = ['Ready', 'Degraded', 'RolledBack', 'RollbackIncomplete'];
const GONE = ['Deleted', 'TeardownIncomplete'];
// Generous: on a shared two-core machine a cells run has taken over 8 minutes.
const TIMEOUT_MS: Record<Example, number> = { minimal: 400_000, cells: 900_000 };

/** What each example's provisioning and teardown called, by surface and operation. */
export type Recorded = Record<Example, Record<Stage, Record<Surface, Record<string, number>>>>;

export interface Baseline {
  calls: Recorded;
  /** Resources of a fault-free Ready mesh of each example, counted by type. */
  counts: Record<Example, Record<string, number>>;
}

export interface CellResult {
  cell: MatrixCell;
  outcome: 'completed' | 'rolled back' | 'FAILED';
  seconds: number;
  detail: string;
}

/** One fault-free provisioning and teardown of each example, counting every call. */
export async function recordBaseline(e: Endpoints, names: Record<Example, string>): Promise<Baseline> {
  const calls = {} as Recorded;
  const counts = {} as Baseline['counts'];
  for (const example of ['minimal', 'cells'] as const) {
    const mesh = names[example];
    await resetCalls(e);
    await post(e, example, mesh);
    const ready = await waitForPhase(e, mesh, FINAL, TIMEOUT_MS[example]);
    if (ready.phase !== 'Ready') throw new Error(`the fault-free ${example} run ended ${ready.phase}: ${ready.error}`);
    counts[example] = countByType(await meshInventory(e, mesh));
    const provision = await readCalls(e);
    await resetCalls(e);
    await teardown(e, mesh, example);
    const teardownCalls = await readCalls(e);
    calls[example] = { provision, teardown: teardownCalls };
  }
  return { calls, counts };
}

/**
 * Plays `cells` on one run of `mesh` (one fault per call: a group from `groupsOf`, or a
 * single cell) and judges it from the clouds. Every fault must fire; a completed run must
 * hold each resource exactly as often as a fault-free one and tear down to zero.
 */
export async function runCells(e: Endpoints, cells: MatrixCell[], mesh: string, baseline: Baseline): Promise<Omit<CellResult, 'cell'>> {
  const started = Date.now();
  const { stage, example } = cells[0]!.call;
  const result = (outcome: CellResult['outcome'], detail: string) => ({ outcome, seconds: (Date.now() - started) / 1000, detail });
  const inject = () => Promise.all(cells.map((cell) => injectFault(surfaceUrl(e, cell.call.surface), ruleFor(cell))));
  await clearFaults(e);
  try {
    if (stage === 'teardown') {
      await post(e, example, mesh);
      const ready = await waitForPhase(e, mesh, FINAL, TIMEOUT_MS[example]);
      if (ready.phase !== 'Ready') return result('FAILED', `fault-free provisioning before the teardown fault ended ${ready.phase}: ${ready.error}`);
      await inject();
      const gone = await teardown(e, mesh, example);
      const unfired = await unfiredCells(e, cells);
      const left = await leftovers(e, mesh, ready);
      if (unfired.length > 0) return result('FAILED', `never fired: ${unfired.join(', ')}`);
      if (gone.phase !== 'Deleted' || left.length > 0) return result('FAILED', `teardown ended ${gone.phase}, left: ${left.join('; ')} ${JSON.stringify(gone.cleanupFailures ?? [])}`);
      return result('completed', 'torn down to zero after the fault');
    }
    await inject();
    await post(e, example, mesh);
    const final = await waitForPhase(e, mesh, FINAL, TIMEOUT_MS[example]);
    const unfired = await unfiredCells(e, cells);
    await clearFaults(e);
    if (unfired.length > 0) {
      await sweep(e, mesh, example);
      return result('FAILED', `never fired: ${unfired.join(', ')} (run ended ${final.phase})`);
    }
    if (final.phase === 'Ready') {
      const twice = duplicates(countByType(await meshInventory(e, mesh)), baseline.counts[example]);
      const gone = await teardown(e, mesh, example);
      const left = await leftovers(e, mesh, final);
      if (twice.length > 0) return result('FAILED', `resources beyond a fault-free run: ${twice.join(', ')}; after teardown left: ${left.join('; ') || 'nothing'}`);
      if (gone.phase !== 'Deleted' || left.length > 0) return result('FAILED', `teardown after the run ended ${gone.phase}, left: ${left.join('; ')}`);
      return result('completed', 'Ready with each resource once, then torn down to zero');
    }
    if (final.phase === 'RolledBack') {
      const left = await leftovers(e, mesh, final);
      if (left.length > 0) return result('FAILED', `RolledBack but left: ${left.join('; ')}`);
      return result('rolled back', `to zero: ${String(final.error).slice(0, 160)}`);
    }
    const left = await leftovers(e, mesh, final);
    await sweep(e, mesh, example);
    return result('FAILED', `ended ${final.phase}: ${String(final.error).slice(0, 200)}; left: ${left.join('; ')} ${JSON.stringify(final.cleanupFailures ?? [])}`);
  } catch (error) {
    await clearFaults(e).catch(() => undefined);
    await sweep(e, mesh, example).catch(() => undefined);
    return result('FAILED', (error as Error).message.slice(0, 400));
  }
}

export function table(results: CellResult[]): string {
  const rows = results.map((r) => [`${r.cell.call.surface} ${r.cell.call.operation}`, r.cell.fault, r.cell.call.stage, r.cell.call.example, r.outcome, r.seconds.toFixed(1), r.detail.replace(/\|/g, '/')]);
  const head = ['call', 'fault', 'stage', 'example', 'outcome', 's', 'detail'];
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function surfaceUrl(e: Endpoints, surface: Surface): string {
  return surface === 'aws' ? e.aws : surface === 'azure' ? e.azure : e.kube;
}

/** The cells whose fault did not fire: a group names each operation at most once per surface. */
async function unfiredCells(e: Endpoints, cells: MatrixCell[]): Promise<string[]> {
  const surfaces = [...new Set(cells.map((cell) => cell.call.surface))];
  const rules = new Map(await Promise.all(surfaces.map(async (surface) => [surface, await faultsFired(surfaceUrl(e, surface))] as const)));
  const fired = (cell: MatrixCell) => rules.get(cell.call.surface)!.some((f) => f.operation === cell.call.operation && f.fired > 0);
  return cells.filter((cell) => !fired(cell)).map((cell) => `${cell.call.surface} ${cell.call.operation} × ${cell.fault}`);
}

export async function post(e: Endpoints, example: Example, mesh: string): Promise<void> {
  const reply = await api(e, 'POST', '/v1/meshes', exampleSpec(example, { name: mesh }));
  if (reply.status !== 202) throw new Error(`POST ${mesh}: ${reply.status} ${JSON.stringify(reply.body)}`);
}

export async function teardown(e: Endpoints, mesh: string, example: Example): Promise<any> {
  const reply = await api(e, 'DELETE', `/v1/meshes/${mesh}`);
  if (reply.status !== 202) throw new Error(`DELETE ${mesh}: ${reply.status} ${JSON.stringify(reply.body)}`);
  return waitForPhase(e, mesh, GONE, TIMEOUT_MS[example]);
}

/** After a failed cell: faults off, DELETE again, so the next cell starts from nothing. */
async function sweep(e: Endpoints, mesh: string, example: Example): Promise<void> {
  await clearFaults(e);
  await teardown(e, mesh, example).catch(() => undefined);
}

/** What is left of the mesh in both clouds (by ownership tag and resource group) and in the kube pool. */
export async function leftovers(e: Endpoints, mesh: string, status: any): Promise<string[]> {
  const clouds = await meshInventory(e, mesh);
  const clusters = await Promise.all(poolKeys(status).map(async (key) => ((await fetch(`${e.kube}/clusters/${key}`).then((r) => (r.arrayBuffer(), r.status))) === 404 ? [] : [`kube-pool ${key}`])));
  return [...clouds, ...clusters.flat()];
}

/** The pool keys the emulators use for the mesh's clusters (sim/README.md "Kubernetes control planes"). */
function poolKeys(status: any): string[] {
  const region: string = status.spec?.aws?.region ?? 'us-east-1';
  return ((status.clusters ?? []) as { cloud: string; name: string }[]).flatMap((c) => {
    if (c.cloud === 'aws') return [`eks-${region}-${c.name}`];
    const aks = (status.resources ?? []).find((r: { id: string; cloudId?: string }) => r.id.startsWith('azure/aks-cluster/') && r.cloudId?.toLowerCase().endsWith(`/managedclusters/${c.name.toLowerCase()}`));
    return aks?.cloudId ? [`aks-${createHash('sha1').update(aks.cloudId.toLowerCase()).digest('hex').slice(0, 16)}`] : [];
  });
}

export function countByType(inventory: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of inventory) {
    const [cloud, second = ''] = line.split(' ');
    const type = cloud === 'azure' ? azureType(second) : `${cloud} ${second}`;
    counts[type] = (counts[type] ?? 0) + 1;
  }
  return counts;
}

function azureType(id: string): string {
  const provider = /\/providers\/([^/]+)\/(.+)$/i.exec(id);
  if (!provider) return 'azure resourceGroup';
  const parts = provider[2]!.split('/');
  return `azure ${provider[1]}/${parts.filter((_, i) => i % 2 === 0).join('/')}`;
}

function duplicates(counts: Record<string, number>, expected: Record<string, number>): string[] {
  return Object.entries(counts).filter(([type, n]) => n > (expected[type] ?? 0)).map(([type, n]) => `${type} ×${n} (fault-free: ${expected[type] ?? 0})`);
}
