/**
 * Helm releases through the real `helm` binary (CELLBRIDGE_HELM) and the charts of the
 * Istio releases the deployment configures (CELLBRIDGE_ISTIO_RELEASES, fetched by
 * istio-charts.ts), with the images that release runs. The kubeconfig and values go to a
 * private temporary directory that is removed after each call, so credentials never
 * reach a command line, a log or the workflow.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { KubeConfig } from '@kubernetes/client-node';
import { withImages } from '../../domain/istio-charts.ts';
import type { IstioRelease } from '../../domain/istio-releases.ts';
import { IstioCharts } from './istio-charts.ts';

const run = promisify(execFile);
export const HELM_TIMEOUT_MS = 5 * 60_000;

export interface HelmSettings {
  binary: string;
  /** The Istio releases this worker installs (CELLBRIDGE_ISTIO_RELEASES). */
  istioReleases: readonly IstioRelease[];
  /** Where pulled charts are kept (CELLBRIDGE_ISTIO_CHART_CACHE). */
  chartCacheDir: string;
  /** The Gateway API CRD files (standard channel) ambient mode installs. */
  gatewayApiCrdsDir: string;
  /** The longest one helm command runs: it is killed then (CELLBRIDGE_HELM_TIMEOUT_MS, default HELM_TIMEOUT_MS). */
  commandTimeoutMs?: number;
}

export interface HelmRelease {
  name: string;
  namespace: string;
  /** The chart's name in the Istio release (base, istiod, gateway, cni, ztunnel). */
  chart: string;
  istioVersion: string;
  values: Record<string, unknown>;
}

export interface ReleaseStatus {
  status: string;
  revision: number;
  /** When helm began the release's last install, upgrade or rollback (its `info.last_deployed`). */
  lastDeployed?: string;
}

export class Helm {
  private readonly charts: IstioCharts;
  /** No helm of ours runs longer: a release helm still marks pending after this has no helm working on it. */
  readonly commandTimeoutMs: number;

  constructor(private readonly settings: HelmSettings) {
    this.charts = new IstioCharts({ helm: settings.binary, releases: settings.istioReleases, cacheDir: settings.chartCacheDir });
    this.commandTimeoutMs = settings.commandTimeoutMs ?? HELM_TIMEOUT_MS;
  }

  /** Installs or upgrades in place: re-running converges, never duplicates. */
  async upgradeInstall(config: KubeConfig, release: HelmRelease, signal: AbortSignal): Promise<void> {
    const chart = await this.charts.resolve(release.istioVersion, release.chart);
    await this.withFiles(config, withImages(release.values, chart.images), (kubeconfig, values) =>
      this.helm(['upgrade', '--install', release.name, chart.path, '--namespace', release.namespace, '--kubeconfig', kubeconfig, '--values', values, '--history-max', '5'], signal),
    );
  }

  async status(config: KubeConfig, name: string, namespace: string): Promise<ReleaseStatus | undefined> {
    return this.withFiles(config, {}, async (kubeconfig) => {
      try {
        const out = await this.helm(['status', name, '--namespace', namespace, '--kubeconfig', kubeconfig, '--output', 'json']);
        const parsed = JSON.parse(out) as { info?: { status?: string; last_deployed?: string }; version?: number };
        return { status: parsed.info?.status ?? 'unknown', revision: parsed.version ?? 0, ...(parsed.info?.last_deployed ? { lastDeployed: parsed.info.last_deployed } : {}) };
      } catch (error) {
        if (/release: not found/.test((error as Error).message)) return undefined;
        throw error;
      }
    });
  }

  async uninstall(config: KubeConfig, name: string, namespace: string, signal: AbortSignal): Promise<void> {
    await this.withFiles(config, {}, async (kubeconfig) => {
      try {
        // helm's own wait ends well before the command is killed, so it reports what is left.
        const wait = Math.min(120, Math.floor(this.commandTimeoutMs / 2000));
        await this.helm(['uninstall', name, '--namespace', namespace, '--kubeconfig', kubeconfig, '--wait', '--timeout', `${wait}s`], signal);
      } catch (error) {
        if (!/not found/.test((error as Error).message)) throw error;
      }
    });
  }

  /** Back to the revision before the last (helm's way out of an upgrade left pending). */
  async rollback(config: KubeConfig, name: string, namespace: string, signal: AbortSignal): Promise<void> {
    await this.withFiles(config, {}, (kubeconfig) => this.helm(['rollback', name, '--namespace', namespace, '--kubeconfig', kubeconfig], signal));
  }

  private async helm(args: string[], signal?: AbortSignal): Promise<string> {
    try {
      const { stdout } = await run(this.settings.binary, args, { timeout: this.commandTimeoutMs, signal, maxBuffer: 16 << 20, env: { PATH: process.env.PATH ?? '', HOME: tmpdir() } });
      return stdout;
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new HelmError(`helm ${args[0]} ${args[1] ?? ''}`, (e.stderr ?? e.message).trim());
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

/**
 * helm reports the Kubernetes API server's errors in client-go's words (its StatusError
 * messages) or the network's; which one it was decides whether a retry can help
 * (cloud-errors.ts): 429, 5xx, 409 and an unreachable server are transient, the rest
 * (a chart the API server rejects, RBAC) is final.
 */
const HELM_ERRORS: readonly { pattern: RegExp; code: string; status?: number }[] = [
  { pattern: /has received too many requests|\bToo Many Requests\b/i, code: 'TooManyRequests', status: 429 },
  { pattern: /the server is currently unable to handle the request|\bService Unavailable\b/i, code: 'ServiceUnavailable', status: 503 },
  { pattern: /the server was unable to return a response in the time allotted|\bGateway Timeout\b/i, code: 'Timeout', status: 504 },
  { pattern: /an error on the server .* has prevented the request from succeeding|Internal error occurred|\bInternal Server Error\b/i, code: 'InternalError', status: 500 },
  { pattern: /Operation cannot be fulfilled|the object has been modified/i, code: 'Conflict', status: 409 },
  // An uninstall that stopped part way (one delete failed; helm names no cause): running it again finishes it.
  { pattern: /failed to delete release/i, code: 'UninstallIncomplete' },
  { pattern: /connection refused|connection reset by peer|i\/o timeout|context deadline exceeded|TLS handshake timeout|http2: client connection lost|unexpected EOF|: EOF\b/i, code: 'Unreachable' },
];

export class HelmError extends Error {
  override readonly name = 'HelmError';
  readonly code: string;
  readonly statusCode?: number;

  constructor(command: string, output: string) {
    super(`${command}: ${output}`);
    const known = HELM_ERRORS.find((e) => e.pattern.test(output));
    this.code = known?.code ?? 'Failed';
    if (known?.status !== undefined) this.statusCode = known.status;
  }
}
