/**
 * The real `istioctl` (built from the same istio.io/istio version as the charts,
 * sim/istio/build-binaries.sh) as an independent judge of a mesh's clusters: its analyzers
 * and its own remote-secret format, run with the orchestrator's credentials for each cell.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { ISTIO_DIR } from '../../sim/setup.ts';
import type { Endpoints } from '../../sim/stack.ts';
import { cellKubeConfig } from './kube.ts';

export const ISTIOCTL = join(ISTIO_DIR, 'bin', 'istioctl');
/**
 * The proving ground cannot inject sidecars (sim/README.md: no API server here reaches an
 * istiod, so mutating admission is off), so the east-west gateways' pods keep the chart's
 * `image: auto` placeholder, which istioctl rightly reports as IST0147. That one message,
 * about those pods only, is the proving ground's and not the product's: it is suppressed.
 */
const UNINJECTABLE = ['--suppress', 'IST0147=Pod istio-system/istio-eastwestgateway-*'];
/** istioctl's exit code when analyzers found issues at or above --failure-threshold (cmd/sysexits.go). */
export const EXIT_ANALYZER_FOUND_ISSUES = 79;

export interface AnalysisMessage {
  cluster?: string;
  code: string;
  level: string;
  message: string;
  origin?: string;
}

export type Cell = 'east' | 'west';

/** Waits for the binary, which the proving ground's setup may still be building (up to 20 minutes). */
export async function istioctlBuilt(): Promise<void> {
  for (let waited = 0; !existsSync(ISTIOCTL); waited += 10) {
    if (waited >= 1200) assert.fail(`${ISTIOCTL} is not there (sim/istio/build-binaries.sh builds it)`);
    await sleep(10_000);
  }
}

export function istioctl(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(ISTIOCTL, args, { encoding: 'utf8', timeout: 120_000, env: { ...process.env, TERM: 'dumb' } });
  if (run.error) throw run.error;
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Fresh kubeconfig files in `dir` (the EKS token lives 15 minutes) with the orchestrator's own credentials. */
export async function writeKubeconfigs(e: Endpoints, spec: any, dir: string): Promise<{ files: Record<Cell, string>; configs: Record<Cell, KubeConfig> }> {
  const [east, west] = await Promise.all([cellKubeConfig(e, spec, 'east', 'aws'), cellKubeConfig(e, spec, 'west', 'azure')]);
  const files = { east: join(dir, 'east.kubeconfig'), west: join(dir, 'west.kubeconfig') };
  writeFileSync(files.east, east.exportConfig(), { mode: 0o600 });
  writeFileSync(files.west, west.exportConfig(), { mode: 0o600 });
  return { files, configs: { east, west } };
}

/** `istioctl analyze --all-namespaces` from one cluster: the messages (JSON output) and the exit code (only the default log output sets it, analyze.go). */
export function analyze(kubeconfig: string): { status: number | null; messages: AnalysisMessage[]; raw: string } {
  const args = ['analyze', '--all-namespaces', '--kubeconfig', kubeconfig, '--color=false', ...UNINJECTABLE];
  const json = istioctl([...args, '--output', 'json']);
  const log = istioctl(args);
  const raw = `exit ${log.status}\n${log.stdout}\n${log.stderr}`;
  const start = json.stdout.indexOf('[');
  const messages = start >= 0 ? (JSON.parse(json.stdout.slice(start)) as AnalysisMessage[]) : [];
  return { status: log.status, messages, raw };
}
