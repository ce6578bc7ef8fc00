/**
 * Drift: a resource the mesh owns that is no longer what its spec says (deleted, scaled or
 * edited by hand). A drift check reads every resource of the mesh's graph and compares it
 * with its desired state, the same desired state its create and update send (one function
 * per kind: the `*-parameters.ts` files). Each drift names the resource, the field and both
 * values; secret values are shown only as fingerprints (domain/secret-fingerprint.ts).
 * The spec's `drift.mode` says whether a mesh only reports drift or repairs it through the
 * same path a change takes (workflows/drift-check.ts). docs/drift.md says what each kind compares.
 */

export type DriftMode = 'report' | 'repair';

export interface DriftSettings {
  mode: DriftMode;
  /** Minutes between scheduled checks. */
  intervalMinutes: number;
}

export const DRIFT_DEFAULTS: DriftSettings = { mode: 'report', intervalMinutes: 60 };

export const DRIFT_CHECK_UPDATE = 'requestDriftCheck';

export function sameDriftSettings(a: DriftSettings, b: DriftSettings): boolean {
  return a.mode === b.mode && a.intervalMinutes === b.intervalMinutes;
}

/** One field of one resource that is not what the spec says. */
export interface FieldDrift {
  field: string;
  expected: string;
  actual: string;
}

/**
 * `missing`: deleted (a repair creates it again). `drifted`: it exists with fields that differ.
 * `unchecked`: it depends on a missing resource, so its desired state cannot be known until that
 * one is back (an Azure connection's key comes from the AWS VPN connection).
 */
export type ResourceDriftState = 'drifted' | 'missing' | 'unchecked';

export interface ResourceDrift {
  /** The graph node. */
  id: string;
  kind: string;
  /** The resource's name in its cloud or cluster. */
  name: string;
  state: ResourceDriftState;
  fields: FieldDrift[];
  /**
   * How a repair converges it (domain/drift-repair.ts): made again (a kind without an in-place
   * update is made again over itself), changed in place, or replaced (deleted with what is built
   * directly on it, then all made again: a resource the cloud cannot modify).
   */
  repairBy: 'create' | 'update' | 'replace';
}

export type DriftTrigger = 'schedule' | 'request' | 'spec-changed';

export interface DriftRepair {
  state: 'Repaired' | 'NotRepaired';
  /** Check and repair rounds run: a resource made again can leave what is built on it to converge in the next. */
  rounds: number;
  /** Resources converged, in order. */
  repaired: string[];
  error?: string;
}

export interface DriftReport {
  checkId: string;
  trigger: DriftTrigger;
  mode: DriftMode;
  startedAt: string;
  finishedAt?: string;
  /** Resources read. */
  checked: number;
  /** What the first check found (before any repair). */
  drifts: ResourceDrift[];
  /** Under `repair`, what the repair did and what a check after it found. */
  repair?: DriftRepair & { remaining: ResourceDrift[] };
  /** The check could not run to its end (an activity failed). */
  error?: string;
}

/** What the mesh's status shows (and its next run carries): the check under way, the last report, when the next is due. */
export interface DriftStatus {
  running?: { checkId: string; trigger: DriftTrigger; startedAt: string };
  last?: DriftReport;
  /** Workflow time (ISO) of the next scheduled check. */
  nextCheckAt?: string;
}

export interface DriftCheckAccepted {
  checkId: string;
}

const VALUE_CHARS = 120;

/** A value as a report shows it: strings as they are, everything else as JSON, cut short. */
export function shown(value: unknown): string {
  const text = value === undefined ? 'absent' : typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS - 1)}…` : text;
}

/** One drift when `expected` and `actual` differ (compared as JSON). */
export function fieldDrift(field: string, expected: unknown, actual: unknown): FieldDrift[] {
  return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [{ field, expected: shown(expected), actual: shown(actual) }];
}

/**
 * Every leaf the desired object sets that `actual` does not have as it is, walking objects and
 * same-length arrays. Fields only `actual` has are left alone: an API server adds defaults
 * (a CRD's schema, Gateway API listeners) that the desired state never states.
 */
export function desiredFieldsDrift(expected: unknown, actual: unknown, prefix: string): FieldDrift[] {
  const at = (key: string | number) => (prefix ? `${prefix}.${key}` : String(key));
  if (isPlainObject(expected) && isPlainObject(actual)) return Object.keys(expected).sort().flatMap((key) => desiredFieldsDrift(expected[key], actual[key], at(key)));
  if (Array.isArray(expected) && Array.isArray(actual) && expected.length === actual.length) return expected.flatMap((item, i) => desiredFieldsDrift(item, actual[i], at(i)));
  return fieldDrift(prefix, expected, actual);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The Temporal Web UI's current details of a mesh workflow: the last report, fingerprints only. */
export function driftDetails(report: DriftReport): string {
  const lines = [`**Drift check ${report.checkId}** (${report.trigger}, ${report.mode}) at ${report.finishedAt ?? report.startedAt}: ${report.checked} resources read, ${report.drifts.length} drifted`];
  for (const d of report.drifts) {
    lines.push(`- ${d.id} (${d.name}) ${d.state}${d.fields.length > 0 ? ': ' : ''}${d.fields.map((f) => `${f.field} expected ${f.expected}, actual ${f.actual}`).join('; ')}`);
  }
  if (report.repair) lines.push(`Repair: ${report.repair.state} in ${report.repair.rounds} round(s); ${report.repair.remaining.length} still drifted${report.repair.error ? ` (${report.repair.error})` : ''}`);
  if (report.error) lines.push(`Check failed: ${report.error}`);
  return lines.join('\n');
}
