/**
 * The spec's `drift` settings. A check reads every resource of the mesh from both clouds and
 * every cluster, so it runs at most every 5 minutes (the clouds' read quotas are shared with
 * everything else in the account), and at least weekly (drift left longer is found too late
 * to be worth a schedule).
 */
import type { MeshSpec } from './mesh-spec.ts';
import type { Reporter } from './range-checker.ts';

export const DRIFT_INTERVAL_MINUTES = { min: 5, max: 7 * 24 * 60 };

export function checkDriftSettings(spec: MeshSpec, report: Reporter): void {
  const minutes = spec.drift?.intervalMinutes;
  if (minutes === undefined) return;
  const { min, max } = DRIFT_INTERVAL_MINUTES;
  if (minutes < min) report('/drift/intervalMinutes', 'drift.interval-too-short', `${minutes} minutes is too often: a drift check reads every resource of the mesh in both clouds; check every ${min} minutes at most often`);
  if (minutes > max) report('/drift/intervalMinutes', 'drift.interval-too-long', `${minutes} minutes is longer than a week (${max}); check drift at least weekly`);
}
