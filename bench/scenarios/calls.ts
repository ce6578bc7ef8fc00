/**
 * Scenario 3, cloud API calls per mesh: what the emulators counted while one full mesh
 * was provisioned, and while it was torn down (counters reset before each), sorted into
 * creates, reads, polls and deletes (bench/call-classes.ts), against the minimal count.
 * The emulated EKS authenticator's own STS and EKS calls are counted apart by Moto and
 * reported as the cluster's own, outside the total: in AWS EKS makes them, not the customer.
 */
import type { MeshSpec } from '../../domain/mesh-spec.ts';
import { classify, logPollAllowance, minimalCalls, type ClassifiedCalls } from '../call-classes.ts';
import type { Calls } from '../../sim/controls.ts';
import { figure, type Figure } from '../figures.ts';
import type { Cycle } from './full-mesh.ts';

const S = 'calls';

/** One row per operation: its class and its counts while provisioning and while tearing down (first run). */
export interface OperationRow {
  cloud: 'aws' | 'azure';
  operation: string;
  class: string;
  provision: number;
  teardown: number;
  /** Of those, counted as polls (AWS describes of waiting resources beyond a lookup and a confirming read). */
  provisionPolls: number;
  teardownPolls: number;
}

export function callFigures(cycles: Cycle[], spec: MeshSpec): { figures: Figure[]; perOperation: Record<string, ClassifiedCalls['rows']>; table: OperationRow[] } {
  const figures: Figure[] = [];
  const perOperation: Record<string, ClassifiedCalls['rows']> = {};
  const halves: { label: string; verb: 'create' | 'delete'; calls: (c: Cycle) => { aws: Calls; azure: Calls } | undefined; clusterCalls: (c: Cycle) => Calls | undefined }[] = [
    { label: 'provision', verb: 'create', calls: (c) => c.provisionCalls, clusterCalls: (c) => c.provisionClusterCalls },
    { label: 'teardown', verb: 'delete', calls: (c) => c.teardown?.calls, clusterCalls: (c) => c.teardown?.clusterCalls },
  ];
  const minimal = minimalCalls(spec);
  for (const half of halves) {
    const runs = cycles.map(half.calls).filter((c): c is { aws: Calls; azure: Calls } => c !== undefined);
    if (runs.length === 0) continue;
    // The first run is reported operation by operation; the others only show how much totals vary.
    const c = classify(runs[0]!, spec);
    const totals = runs.map((r) => classify(r, spec).total);
    const allowance = logPollAllowance(spec, half.verb);
    const bound = 1.3 * minimal + allowance;
    const p = `${half.label}:`;
    figures.push(
      figure(S, `${p} total calls`, c.total, undefined, { target: `≤ ${bound.toFixed(0)} (1.3 × ${minimal} + ${allowance} log polls)`, met: c.total <= bound, ...(runs.length > 1 ? { note: `runs: ${totals.join(', ')}` } : {}) }),
      figure(S, `${p} minimal (1 ${half.verb} + 1 read per resource)`, minimal),
      figure(S, `${p} total / minimal`, c.total / minimal, '×'),
      figure(S, `${p} ${half.verb}s`, half.verb === 'create' ? c.byClass.create : c.byClass.delete),
      figure(S, `${p} reads`, c.byClass.read),
      figure(S, `${p} polls (Azure LRO exact + AWS describes ≤)`, `${c.byClass.poll} (${c.azurePolls} + ≤${c.awsPollsUpperBound})`),
      figure(S, `${p} polls share of total`, c.total ? (100 * c.byClass.poll) / c.total : null, '%'),
    );
    const own = half.clusterCalls(cycles[0]!) ?? {};
    const ownTotal = Object.values(own).reduce((a, b) => a + b, 0);
    figures.push(figure(S, `${p} the cluster's own (EKS authenticator), not in the total`, ownTotal, undefined, { note: Object.entries(own).map(([op, n]) => `${op} ${n}`).join(', ') || 'none' }));
    const other = half.verb === 'create' ? c.byClass.delete : c.byClass.create;
    if (other > 0) figures.push(figure(S, `${p} ${half.verb === 'create' ? 'deletes' : 'creates'}`, other));
    perOperation[half.label] = c.rows;
  }
  return { figures, perOperation, table: operationTable(perOperation) };
}

function operationTable(perOperation: Record<string, ClassifiedCalls['rows']>): OperationRow[] {
  const rows = new Map<string, OperationRow>();
  for (const [half, list] of Object.entries(perOperation)) {
    for (const r of list) {
      const key = `${r.cloud} ${r.operation}`;
      const row = rows.get(key) ?? { cloud: r.cloud, operation: r.operation, class: r.class, provision: 0, teardown: 0, provisionPolls: 0, teardownPolls: 0 };
      // An AWS describe split into reads and polls is one operation, shown as "read+poll".
      if (row.class !== r.class) row.class = [row.class, r.class].includes('poll') && [row.class, r.class].includes('read') ? 'read+poll' : row.class;
      if (half === 'provision') {
        row.provision += r.count;
        if (r.class === 'poll') row.provisionPolls += r.count;
      } else {
        row.teardown += r.count;
        if (r.class === 'poll') row.teardownPolls += r.count;
      }
      rows.set(key, row);
    }
  }
  return [...rows.values()].sort((a, b) => b.provision + b.teardown - (a.provision + a.teardown));
}
