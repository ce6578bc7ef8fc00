/**
 * Istio releases as a deployment configures them, through the worker's own chart code
 * (activities/kube/istio-charts.ts) and the proving ground's chart repository
 * (sim/istio/chart-repo.ts, served over HTTP as the stack serves it): the charts are
 * pulled at their chart version, their Chart.yaml decides the images, a second release of
 * the same charts with a mirror's hub and tag renders that hub and tag, the same charts
 * from an OCI registry behind a private CA (test/support/oci-registry.ts) are pulled with the
 * release's caFile, a mirrored directory is read in place, and a version the deployment does not configure is refused.
 * `helm template` renders what `helm upgrade --install` would apply. Then the real API
 * process, given the same kind of file: it validates specs against exactly those releases
 * (no Temporal needed for a dry run), and does not start on a wrong file.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { loadAll } from 'js-yaml';
import { IstioCharts, type ResolvedChart } from '../../activities/kube/istio-charts.ts';
import { withImages } from '../../domain/istio-charts.ts';
import { parseIstioReleases, type IstioRelease } from '../../domain/istio-releases.ts';
import { PROVING_GROUND_CHART_VERSION, provingGroundReleases, serveChartRepo, type ChartRepoServer } from '../../sim/istio/chart-repo.ts';
import { startProcess, type RunningProcess } from '../../sim/child-process.ts';
import { freePort } from '../../sim/ports.ts';
import { HELM_BIN, ISTIO_DIR, REPO, setupStack } from '../../sim/setup.ts';
import { ensureTls } from '../../sim/tls.ts';
import { serveChartsAsOci, type OciRegistry } from '../support/oci-registry.ts';

const run = promisify(execFile);
const MIRROR = { hub: 'registry.example:5000/mirror/istio', tag: '1.31.0-mirror' };

describe('Istio releases from configuration, through the proving ground\'s chart repository', () => {
  let repo: ChartRepoServer;
  let registry: OciRegistry;
  let dir: string;
  let releases: IstioRelease[];
  let charts: IstioCharts;

  before(async () => {
    setupStack();
    repo = await serveChartRepo(join(ISTIO_DIR, 'chart-repo'));
    const tls = ensureTls();
    registry = await serveChartsAsOci(join(ISTIO_DIR, 'chart-repo'), 'istio-release/charts', tls);
    dir = mkdtempSync(join(tmpdir(), 'cellbridge-istio-releases-'));
    // The stack's own release, then the same charts under another name with a mirror's images, then a mirrored directory.
    const [provingGround] = provingGroundReleases(repo.url);
    releases = parseIstioReleases({
      releases: [
        provingGround,
        { ...provingGround, version: '1.31-mirror', images: MIRROR },
        { ...provingGround, version: '1.31-oci', chart: { oci: registry.reference, version: PROVING_GROUND_CHART_VERSION, caFile: tls.caPath } },
        { version: '1.31-directory', chart: { directory: join(ISTIO_DIR, 'charts', '1.31-dev') }, images: { tag: '1.31-dev' }, kubernetes: { min: '1.32', max: '1.35' } },
      ],
    });
    charts = new IstioCharts({ helm: HELM_BIN, releases, cacheDir: join(dir, 'cache') });
  });

  after(async () => {
    await repo?.stop();
    await registry?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `helm template` of a resolved chart with the images set as the worker sets them; the containers' images by workload. */
  async function renderedImages(chart: ResolvedChart, values: Record<string, unknown> = {}): Promise<string[]> {
    const file = join(dir, `values-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(file, JSON.stringify(withImages(values, chart.images)));
    const { stdout } = await run(HELM_BIN, ['template', 'release', chart.path, '--namespace', 'istio-system', '--values', file], { maxBuffer: 16 << 20, env: { PATH: process.env.PATH ?? '', HOME: dir } });
    const objects = loadAll(stdout) as { kind?: string; spec?: { template?: { spec?: { containers?: { image?: string }[] } } } }[];
    return objects.flatMap((o) => (o?.kind === 'Deployment' || o?.kind === 'DaemonSet' ? (o.spec?.template?.spec?.containers ?? []).map((c) => c.image ?? '') : []));
  }

  test(`1.31-dev: istiod is pulled from the repository at chart version ${PROVING_GROUND_CHART_VERSION} into the cache, and runs docker.io/istio/pilot:1.31-dev (the chart's appVersion)`, async () => {
    const istiod = await charts.resolve('1.31-dev', 'istiod');
    assert.ok(istiod.path.startsWith(join(dir, 'cache')), istiod.path);
    assert.deepEqual(istiod.images, { hub: 'docker.io/istio', tag: '1.31-dev' });
    assert.deepEqual(await renderedImages(istiod), ['docker.io/istio/pilot:1.31-dev']);
  });

  test('a second release of the same charts with a mirror\'s hub and tag renders istiod and ztunnel from that hub at that tag', async () => {
    const istiod = await charts.resolve('1.31-mirror', 'istiod');
    const ztunnel = await charts.resolve('1.31-mirror', 'ztunnel');
    assert.deepEqual(istiod.images, MIRROR);
    assert.deepEqual(await renderedImages(istiod), [`${MIRROR.hub}/pilot:${MIRROR.tag}`]);
    // The ambient profile picks ztunnel's distroless variant, which the chart appends to the tag.
    assert.deepEqual(await renderedImages(ztunnel, { profile: 'ambient' }), [`${MIRROR.hub}/ztunnel:${MIRROR.tag}-distroless`]);
  });

  test('a chart already pulled is taken from the cache: resolving again adds nothing and leaves no staging folder', async () => {
    const before = readdirSync(join(dir, 'cache'), { recursive: true }).length;
    const again = await charts.resolve('1.31-dev', 'istiod');
    assert.equal(readdirSync(join(dir, 'cache'), { recursive: true }).length, before);
    assert.ok(existsSync(join(again.path, 'Chart.yaml')));
    for (const source of readdirSync(join(dir, 'cache')).filter((d) => !d.startsWith('.'))) {
      assert.deepEqual(readdirSync(join(dir, 'cache', source)).filter((d) => d.startsWith('.')), [], 'no staging folder left');
    }
  });

  test('from an OCI registry whose certificate only the release\'s caFile trusts, istiod is pulled at the chart version and runs the chart\'s appVersion', async () => {
    const istiod = await charts.resolve('1.31-oci', 'istiod');
    assert.ok(istiod.path.startsWith(join(dir, 'cache')), istiod.path);
    assert.deepEqual(await renderedImages(istiod), ['docker.io/istio/pilot:1.31-dev']);
  });

  test('without the caFile the registry\'s certificate is refused: the pull fails (retryably) and nothing is cached', async () => {
    const untrusted = new IstioCharts({ helm: HELM_BIN, releases: [{ ...releases[0]!, chart: { oci: registry.reference, version: PROVING_GROUND_CHART_VERSION } }], cacheDir: join(dir, 'cache-untrusted') });
    await assert.rejects(untrusted.resolve('1.31-dev', 'istiod'), (error: Error) =>
      error instanceof ApplicationFailure && error.type === 'ChartPullFailed' && /certificate/.test(error.message));
    assert.deepEqual(readdirSync(join(dir, 'cache-untrusted'), { recursive: true }).map(String).filter((p) => p.endsWith('Chart.yaml')), []);
  });

  test('a mirrored directory is read in place, with the tag its configuration sets', async () => {
    const istiod = await charts.resolve('1.31-directory', 'istiod');
    assert.equal(istiod.path, join(ISTIO_DIR, 'charts', '1.31-dev', 'istiod'));
    assert.deepEqual(await renderedImages(istiod), ['docker.io/istio/pilot:1.31-dev']);
  });

  test('a version the deployment does not configure is refused for good (IstioReleaseNotConfigured), naming what it installs', async () => {
    await assert.rejects(charts.resolve('1.30.0', 'istiod'), (error: Error) =>
      error instanceof ApplicationFailure && error.nonRetryable === true && error.type === 'IstioReleaseNotConfigured'
      && /does not install Istio 1\.30\.0 \(CELLBRIDGE_ISTIO_RELEASES offers 1\.31-dev, 1\.31-mirror, 1\.31-oci, 1\.31-directory\)/.test(error.message));
  });

  test('a chart version the repository does not have fails the pull, retryably (ChartPullFailed), and caches nothing', async () => {
    const missing = new IstioCharts({ helm: HELM_BIN, releases: [{ ...releases[0]!, chart: { repository: repo.url, version: '9.9.9' } }], cacheDir: join(dir, 'cache-missing') });
    await assert.rejects(missing.resolve('1.31-dev', 'base'), (error: Error) =>
      error instanceof ApplicationFailure && error.nonRetryable === false && error.type === 'ChartPullFailed' && /9\.9\.9/.test(error.message));
    const cached = readdirSync(join(dir, 'cache-missing'), { recursive: true }).map(String).filter((p) => p.endsWith('Chart.yaml'));
    assert.deepEqual(cached, []);
  });
});

describe('the API process offers exactly the releases of its CELLBRIDGE_ISTIO_RELEASES', () => {
  let dir: string;
  let api: RunningProcess | undefined;
  let url: string;
  const env = (releases: string, port: number) => ({
    CELLBRIDGE_ISTIO_RELEASES: releases,
    CELLBRIDGE_API_PORT: String(port),
    CELLBRIDGE_INSECURE_NO_AUTH: '1',
    // Nothing listens there: a dry run is answered from validation alone.
    TEMPORAL_ADDRESS: '127.0.0.1:9',
    CELLBRIDGE_CODEC_KEY: randomBytes(32).toString('base64'),
    CELLBRIDGE_CODEC_KEY_ID: 'test',
  });
  const spec = (version: string, kubernetes: string) => {
    const cells = JSON.parse(readFileSync(join(REPO, 'examples', 'cells.json'), 'utf8'));
    cells.istio = { ...cells.istio, version };
    cells.cells[0].kubernetesVersion = kubernetes;
    return cells;
  };
  const dryRun = async (body: unknown) => {
    const response = await fetch(`${url}/v1/meshes?dryRun=true`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: response.status, body: (await response.json()) as { problems?: { path: string; rule: string; message: string }[]; spec?: { istio: { version: string } } } };
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cellbridge-istio-releases-api-'));
    const file = join(dir, 'releases.json');
    const chart = { repository: 'http://127.0.0.1:9', version: PROVING_GROUND_CHART_VERSION };
    writeFileSync(file, JSON.stringify({ releases: [
      { version: '1.31-dev', chart, kubernetes: { min: '1.32', max: '1.35' } },
      { version: '1.31-mirror', chart, images: MIRROR, kubernetes: { min: '1.33', max: '1.34' } },
    ] }));
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    api = await startProcess({ name: 'api', command: process.execPath, args: ['--import', 'tsx', join(REPO, 'api', 'main.ts')], env: env(file, port), ready: /API listening/, logFile: join(dir, 'api.log'), timeoutMs: 120_000 });
  });

  after(async () => {
    await api?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a spec naming the configured second release is valid; one naming none gets the first', async () => {
    const second = await dryRun(spec('1.31-mirror', '1.33'));
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.spec?.istio.version, '1.31-mirror');
    const unnamed = spec('1.31-dev', '1.33');
    delete unnamed.istio.version;
    assert.equal((await dryRun(unnamed)).body.spec?.istio.version, '1.31-dev');
  });

  test('a version the file does not configure is refused with 400 at /istio/version (istio.version); a Kubernetes outside the named release\'s range at the cell (istio.kubernetes-version)', async () => {
    const unconfigured = await dryRun(spec('1.30.0', '1.33'));
    assert.equal(unconfigured.status, 400);
    assert.deepEqual(unconfigured.body.problems?.map((p) => [p.path, p.rule]), [['/istio/version', 'istio.version']]);
    assert.match(unconfigured.body.problems![0]!.message, /this deployment installs Istio 1\.31-dev, 1\.31-mirror/);
    const outOfRange = await dryRun(spec('1.31-mirror', '1.32'));
    assert.equal(outOfRange.status, 400);
    assert.deepEqual(outOfRange.body.problems?.map((p) => [p.path, p.rule]), [['/cells/0/kubernetesVersion', 'istio.kubernetes-version']]);
  });

  test('with a wrong file the API does not start, and says which field is wrong', async () => {
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ releases: [{ version: '1.31-dev', chart: { repository: 'http://127.0.0.1:9' }, kubernetes: { min: '1.32', max: '1.35' } }] }));
    await assert.rejects(
      run(process.execPath, ['--import', 'tsx', join(REPO, 'api', 'main.ts')], { env: { ...process.env, ...env(wrong, await freePort()) }, timeout: 60_000 }),
      (error: Error & { code?: number; stderr?: string }) => error.code === 1 && /CELLBRIDGE_ISTIO_RELEASES \(.*wrong\.json\): releases\[0\]\.chart\.version: missing/.test(error.stderr ?? ''),
    );
  });
});
