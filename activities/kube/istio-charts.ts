/**
 * The Istio charts a worker installs, fetched from where the deployment's configuration
 * says (domain/istio-releases.ts): `helm pull` from a chart repository or an OCI registry
 * at the configured chart version, once per worker into its chart cache, or a mirrored
 * directory read in place. Each chart's Chart.yaml is parsed as data and checked to be the
 * chart asked for; its appVersion gives the images unless the release overrides them.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ApplicationFailure } from '@temporalio/common';
import { load, JSON_SCHEMA } from 'js-yaml';
import { chartMetadata, imageSettings, pullArguments, type ImageSettings } from '../../domain/istio-charts.ts';
import { ISTIO_CHARTS, type IstioChart, type IstioRelease } from '../../domain/istio-releases.ts';
import { istioRelease } from '../../domain/istio-versions.ts';

const run = promisify(execFile);
const PULL_TIMEOUT_MS = 5 * 60_000;

export interface IstioChartSettings {
  /** The helm binary that pulls (the one that installs). */
  helm: string;
  releases: readonly IstioRelease[];
  /** Where pulled charts are kept, one folder per chart source; created if missing. */
  cacheDir: string;
}

export interface ResolvedChart {
  /** The unpacked chart, for `helm upgrade --install`. */
  path: string;
  images: ImageSettings;
}

export class IstioCharts {
  /** One pull at a time: helm writes the repository's index into a shared cache. */
  private pulling: Promise<unknown> = Promise.resolve();

  constructor(private readonly settings: IstioChartSettings) {}

  /** The chart of Istio `version` named `chart`, fetched if this worker has not yet, and its images. */
  async resolve(version: string, chart: string): Promise<ResolvedChart> {
    const release = istioRelease(this.settings.releases, version);
    if (!release) {
      const offered = this.settings.releases.map((r) => r.version).join(', ');
      throw ApplicationFailure.nonRetryable(`this worker does not install Istio ${version} (CELLBRIDGE_ISTIO_RELEASES offers ${offered})`, 'IstioReleaseNotConfigured');
    }
    if (!(ISTIO_CHARTS as readonly string[]).includes(chart)) throw ApplicationFailure.nonRetryable(`${chart} is not an Istio chart cellbridge installs`, 'ChartMissing');
    const path = await this.fetch(release, chart as IstioChart);
    try {
      const metadata = chartMetadata(load(await readFile(join(path, 'Chart.yaml'), 'utf8'), { schema: JSON_SCHEMA }), chart as IstioChart);
      return { path, images: imageSettings(release, metadata) };
    } catch (error) {
      throw ApplicationFailure.nonRetryable(`Istio ${version}, chart ${chart} (${path}): ${(error as Error).message}`, 'ChartInvalid');
    }
  }

  private async fetch(release: IstioRelease, chart: IstioChart): Promise<string> {
    if ('directory' in release.chart) {
      const path = join(release.chart.directory, chart);
      if (!existsSync(join(path, 'Chart.yaml'))) throw ApplicationFailure.nonRetryable(`Istio ${release.version} has no ${chart} chart in its directory (looked in ${path})`, 'ChartMissing');
      return path;
    }
    const pull = pullArguments(release.chart, chart)!;
    // Keyed by the source itself: a release pointed elsewhere never reuses another's charts.
    const dir = join(this.settings.cacheDir, createHash('sha256').update(JSON.stringify(release.chart)).digest('hex').slice(0, 16));
    const path = join(dir, chart);
    if (existsSync(join(path, 'Chart.yaml'))) return path;
    const pulled = this.pulling.then(() => this.pull(pull, dir, chart));
    this.pulling = pulled.catch(() => undefined);
    await pulled;
    return path;
  }

  /** Pulls into a fresh folder and renames it into place, so a pull cut short leaves nothing that looks complete. */
  private async pull(args: string[], dir: string, chart: IstioChart): Promise<void> {
    if (existsSync(join(dir, chart, 'Chart.yaml'))) return;
    await mkdir(dir, { recursive: true });
    const staging = await mkdtemp(join(dir, `.${chart}-`));
    try {
      await run(this.settings.helm, [...args, '--untar', '--untardir', staging], {
        timeout: PULL_TIMEOUT_MS,
        maxBuffer: 16 << 20,
        // helm keeps repository indexes and registry logins under these; never the user's own.
        env: { PATH: process.env.PATH ?? '', HOME: this.settings.cacheDir, HELM_CACHE_HOME: join(this.settings.cacheDir, '.helm', 'cache'), HELM_CONFIG_HOME: join(this.settings.cacheDir, '.helm', 'config'), HELM_DATA_HOME: join(this.settings.cacheDir, '.helm', 'data') },
      });
      await rm(join(dir, chart), { recursive: true, force: true });
      await rename(join(staging, chart), join(dir, chart));
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      // Unreachable repositories and registries come back: a retry may find them.
      throw ApplicationFailure.retryable(`helm ${args.join(' ')}: ${(e.stderr || e.message).trim()}`, 'ChartPullFailed');
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
}
