/**
 * The failover drill (issue "failover drill as a product feature"): which cell it degrades,
 * what it reports, and the figures it derives from the requests it sent. Pure: the
 * activities sample, this decides.
 */
import type { MeshSpec } from './mesh-spec.ts';
import { probeAccounts, probeSpiffeId } from './probe-plan.ts';

export type DrillPhase = 'claiming' | 'deploying' | 'checking-mtls' | 'failing-over' | 'failing-back' | 'removing' | 'done' | 'failed';

export interface DrillInput {
  spec: MeshSpec;
  naming?: import('./names.ts').NamingVersion;
  /** The cell to degrade, as planned (drillPlan) by the API. */
  cell: string;
  /** The probe's container image. */
  image: string;
}

/** One request of the client, as the worker saw it. */
export interface DrillSample {
  /** When it was sent, ms after the phase's event (the degrade, the restore); negative before it. */
  at: number;
  /** How long until the answer, ms. */
  ms: number;
  /** The echo's HTTP status as the client got it; 0 when no answer came. */
  status: number;
  /** The cell whose echo answered (from the identity its sidecar put in XFCC By=). */
  servedBy?: string;
  /** XFCC as the answering echo saw it: URI= (the caller's SPIFFE ID), By= (its own). */
  peer?: string;
  server?: string;
}

export interface CrossCellCheck {
  from: string;
  to: string;
  status: number;
  /** The caller's identity as the server's sidecar verified it (XFCC URI=). */
  peerSeen?: string;
  peerExpected: string;
  server?: string;
  serverExpected: string;
  mutualTls: boolean;
}

export interface PhaseFigures {
  requests: number;
  failures: number;
  /** ms from the event until the first request answered by the cell it should now reach; absent if none was. */
  settledMs?: number;
  /** Failed requests sent after it settled (or before the event): what a user would see beyond the switch-over. */
  failuresOutsideWindow: number;
}

export interface DrillReport {
  mesh: string;
  degradedCell: string;
  requestsSent: number;
  failures: number;
  failoverMs?: number;
  failbackMs?: number;
  failuresOutsideWindows: number;
  crossCell: CrossCellCheck[];
  /** Every identity pair seen: `<caller SPIFFE ID> -> <server SPIFFE ID>`. */
  identitiesSeen: string[];
  failover?: PhaseFigures;
  failback?: PhaseFigures;
  outlierDetection: { consecutive5xxErrors: number; intervalSeconds: number; baseEjectionSeconds: number };
}

export interface DrillProgress {
  mesh: string;
  drillId: string;
  cell: string;
  phase: DrillPhase;
  startedAt: string;
  finishedAt?: string;
  /** When each phase began (workflow time, ISO). */
  timeline: { phase: DrillPhase; at: string }[];
  report?: Partial<DrillReport>;
  error?: string;
}

export const DRILL_QUERY = 'drill';

/**
 * The cell to degrade: the one asked for, else the one in the region the spec's first
 * failover rule fails over from, else the first cell. A drill needs a second cell to fail over to.
 */
export function drillPlan(spec: Pick<MeshSpec, 'cells' | 'trafficPolicies'>, requested?: string): { cell: string } | { problem: string } {
  if (spec.cells.length < 2) return { problem: `a drill needs at least two cells to fail over between; the mesh has ${spec.cells.length}` };
  if (requested !== undefined) {
    return spec.cells.some((c) => c.name === requested) ? { cell: requested } : { problem: `the mesh has no cell ${requested} (cells: ${spec.cells.map((c) => c.name).join(', ')})` };
  }
  const from = spec.trafficPolicies.flatMap((p) => p.failover ?? []).map((f) => f.from)[0];
  return { cell: (spec.cells.find((c) => c.region === from) ?? spec.cells[0]!).name };
}

/** The caller and server identities in the last element of an X-Forwarded-Client-Cert header (the one the server's own sidecar added). */
export function parseXfcc(header: string | undefined): { peer?: string; server?: string } {
  const element = header?.split(',').at(-1);
  if (!element) return {};
  const fields = new Map(element.split(';').map((kv) => [kv.slice(0, kv.indexOf('=')).trim(), kv.slice(kv.indexOf('=') + 1).replace(/^"|"$/g, '')]));
  return { ...(fields.get('URI') ? { peer: fields.get('URI') } : {}), ...(fields.get('By') ? { server: fields.get('By') } : {}) };
}

/** The cell whose echo an identity is (its service account names the cell), if it is a probe echo of one of `cells`. */
export function echoCell(spec: Pick<MeshSpec, 'istio'>, cells: string[], server: string | undefined): string | undefined {
  return cells.find((cell) => server === probeSpiffeId(spec, probeAccounts.echo(cell)));
}

/** What a cross-cell call proves: a 200 from `to`'s echo, whose sidecar verified `from`'s client certificate. */
export function crossCellCheck(spec: Pick<MeshSpec, 'istio'>, from: string, to: string, sample: Pick<DrillSample, 'status' | 'peer' | 'server'>): CrossCellCheck {
  const peerExpected = probeSpiffeId(spec, probeAccounts.client(from));
  const serverExpected = probeSpiffeId(spec, probeAccounts.echo(to));
  return {
    from, to, status: sample.status, peerExpected, serverExpected,
    ...(sample.peer ? { peerSeen: sample.peer } : {}), ...(sample.server ? { server: sample.server } : {}),
    mutualTls: sample.status === 200 && sample.peer === peerExpected && sample.server === serverExpected,
  };
}

/**
 * Figures of one phase: the event is at 0; it has settled at the end of the first request
 * sent after it that `target(servedBy)` accepts. Failures before the event or after that
 * request count as outside the switch-over window.
 */
export function phaseFigures(samples: DrillSample[], target: (servedBy: string | undefined) => boolean): PhaseFigures {
  const settling = samples.find((s) => s.at >= 0 && s.status === 200 && target(s.servedBy));
  const failed = samples.filter((s) => s.status !== 200);
  const outside = failed.filter((s) => s.at < 0 || (settling !== undefined && s.at > settling.at));
  return {
    requests: samples.length, failures: failed.length, failuresOutsideWindow: outside.length,
    ...(settling ? { settledMs: settling.at + settling.ms } : {}),
  };
}

/** Whether the phase has seen `streak` answers in a row from where it should land, after the event. */
export function settled(samples: DrillSample[], target: (servedBy: string | undefined) => boolean, streak: number): boolean {
  const after = samples.filter((s) => s.at >= 0).slice(-streak);
  return after.length === streak && after.every((s) => s.status === 200 && target(s.servedBy));
}

/** Every `<caller> -> <server>` identity pair among the samples, sorted. */
export function identitiesSeen(samples: Pick<DrillSample, 'peer' | 'server'>[]): string[] {
  return [...new Set(samples.filter((s) => s.peer && s.server).map((s) => `${s.peer} -> ${s.server}`))].sort();
}
