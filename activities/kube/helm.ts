/**
 * Helm releases through the real `helm` binary (CELLBRIDGE_HELM) and the charts the
 * worker carries (CELLBRIDGE_ISTIO_CHARTS/<istio version>/<chart>). The kubeconfig and
 * values go to a private temporary directory that is removed after each call, so
 * credentials never reach a command line, a log or the workflow.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { ApplicationFailure } from '@temporalio/common';

const run = promisify(execFile);
const HELM_TIMEOUT_MS = 5 * 60_000;

export interface HelmSettings {
  binary: string;
  chartsDir: string;
  /** The Gateway API CRD files (standard channel) ambient mode installs. */
  gatewayApiCrdsDir: string;
}

export interface HelmRelease {
  name: string;
  namespace: string;
  chart: string;
  istioVersion: string;
  values: Record<string, unknown>;
}

export interface ReleaseStatus {
  status: string;
  revision: number;
}

export class Helm {
  constructor(private readonly settings: HelmSettings) {}

  /** Installs or upgrades in place: re-running converges, never duplicates. */
  async upgradeInstall(config: KubeConfig, release: HelmRelease, signal: AbortSignal): Promise<void> {
    const chart = join(this.settings.chartsDir, release.istioVersion, release.chart);
    if (!existsSync(chart)) {
      throw ApplicationFailure.nonRetryable(`this worker has no ${release.chart} chart for Istio ${release.istioVersion} (looked in ${chart})`, 'ChartMissing');
    }
    await this.withFiles(config, release.values, (kubeconfig, values) =>
      this.helm(['upgrade', '--install', release.name, chart, '--namespace', release.namespace, '--kubeconfig', kubeconfig, '--values', values, '--history-max', '5'], signal),
    );
  }

  async status(config: KubeConfig, name: string, namespace: string): Promise<ReleaseStatus | undefined> {
    return this.withFiles(config, {}, async (kubeconfig) => {
      try {
        const out = await this.helm(['status', name, '--namespace', namespace, '--kubeconfig', kubeconfig, '--output', 'json']);
        const parsed = JSON.parse(out) as { info?: { status?: string }; version?: number };
        return { status: parsed.info?.status ?? 'unknown', revision: parsed.version ?? 0 };
      } catch (error) {
        if (/release: not found/.test((error as Error).message)) return undefined;
        throw error;
      }
    });
  }

  async uninstall(config: KubeConfig, name: string, namespace: string, signal: AbortSignal): Promise<void> {
    await this.withFiles(config, {}, async (kubeconfig) => {
      try {
        await this.helm(['uninstall', name, '--namespace', namespace, '--kubeconfig', kubeconfig, '--wait', '--timeout', '2m'], signal);
      } catch (error) {
        if (!/not found/.test((error as Error).message)) throw error;
      }
    });
  }

  private async helm(args: string[], signal?: AbortSignal): Promise<string> {
    try {
      const { stdout } = await run(this.settings.binary, args, { timeout: HELM_TIMEOUT_MS, signal, maxBuffer: 16 << 20, env: { PATH: process.env.PATH ?? '', HOME: tmpdir() } });
      return stdout;
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`helm ${args[0]} ${args[1] ?? ''}: ${(e.stderr ?? e.message).trim()}`);
    }
  }

  private async withFiles<T>(config: KubeConfig, values: Record<string, unknown>, use: (kubeconfig: string, values: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(join(tmpdir(), 'cellbridge-helm-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      const valuesFile = join(dir, 'values.json');
      await writeFile(kubeconfig, config.exportConfig(), { mode: 0o600 });
      await writeFile(valuesFile, JSON.stringify(values), { mode: 0o600 });
      return await use(kubeconfig, valuesFile);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}
