/**
 * The proving ground's Istio chart repository: the charts sim/istio/fetch.sh took from the
 * istio.io/istio module, packaged as a release would be (`helm package` at a chart version,
 * with the release's name as appVersion, then `helm repo index`) and served over HTTP on
 * loopback. The stack's workers are configured with it as a chart repository
 * (CELLBRIDGE_ISTIO_RELEASES), so they `helm pull` and install exactly as from Istio's own.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ISTIO_CHARTS, type IstioRelease } from '../../domain/istio-releases.ts';
import { PROVING_GROUND_ISTIO } from '../../domain/istio-versions.ts';

/** The snapshot's chart version: SemVer for helm, a pre-release of the 1.31 it becomes. */
export const PROVING_GROUND_CHART_VERSION = '1.31.0-dev';
const STAMP = '.packaged';

/**
 * Packages `<istioDir>/charts/1.31-dev/*` into `<istioDir>/chart-repo` with its index, unless
 * already done for the fetched charts. Built beside it and renamed into place: stacks that
 * start together never serve a half-written repository.
 */
export function packageChartRepo(istioDir: string, helm: string): string {
  const repo = join(istioDir, 'chart-repo');
  const want = `${readFileSync(join(istioDir, '.versions'), 'utf8').trim()} chart=${PROVING_GROUND_CHART_VERSION}`;
  const stamped = (dir: string) => existsSync(join(dir, STAMP)) && readFileSync(join(dir, STAMP), 'utf8') === want;
  if (stamped(repo)) return repo;
  const building = mkdtempSync(join(istioDir, '.chart-repo-'));
  const env = { PATH: process.env.PATH ?? '', HOME: building };
  try {
    for (const chart of ISTIO_CHARTS) {
      const source = join(istioDir, 'charts', PROVING_GROUND_ISTIO.version, chart);
      execFileSync(helm, ['package', source, '--version', PROVING_GROUND_CHART_VERSION, '--app-version', PROVING_GROUND_ISTIO.version, '--destination', building], { stdio: 'ignore', env });
    }
    execFileSync(helm, ['repo', 'index', building], { stdio: 'ignore', env });
    writeFileSync(join(building, STAMP), want);
    if (!stamped(repo)) {
      rmSync(repo, { recursive: true, force: true });
      renameSync(building, repo);
    }
  } finally {
    rmSync(building, { recursive: true, force: true });
  }
  return repo;
}

export interface ChartRepoServer {
  url: string;
  stop(): Promise<void>;
}

/** Serves the repository's index.yaml and chart archives (nothing else) on a free loopback port. */
export async function serveChartRepo(repo: string): Promise<ChartRepoServer> {
  const server = createServer((req, res) => {
    const name = new URL(req.url ?? '/', 'http://repo').pathname.slice(1);
    if (req.method !== 'GET' || !(name === 'index.yaml' || /^[a-z0-9][a-z0-9.-]*\.tgz$/.test(name)) || !existsSync(join(repo, name))) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': name.endsWith('.tgz') ? 'application/gzip' : 'text/yaml' }).end(readFileSync(join(repo, name)));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, stop: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** The proving ground's release list: 1.31-dev from the served repository, images from the chart's appVersion. */
export function provingGroundReleases(repoUrl: string): IstioRelease[] {
  return [{ ...PROVING_GROUND_ISTIO, chart: { repository: repoUrl, version: PROVING_GROUND_CHART_VERSION } }];
}

/** Writes `{ releases }` where CELLBRIDGE_ISTIO_RELEASES will name it. */
export function writeIstioReleases(file: string, releases: IstioRelease[]): string {
  writeFileSync(file, JSON.stringify({ releases }, null, 2));
  return file;
}
