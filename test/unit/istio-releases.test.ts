/**
 * A deployment's Istio releases (CELLBRIDGE_ISTIO_RELEASES, domain/istio-releases.ts):
 * which configurations start a worker and which are refused naming the field; how a
 * release becomes the chart helm fetches and the images it runs; and that validation
 * offers exactly the configured releases, each with its own Kubernetes range.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { chartMetadata, imageSettings, pullArguments, withImages } from '../../domain/istio-charts.ts';
import { IstioReleasesError, parseIstioReleases, type IstioRelease } from '../../domain/istio-releases.ts';
import { validateSpec } from '../../domain/validate-spec.ts';
import { istioReleasesFromEnv } from '../../worker/istio-releases.ts';

const OFFICIAL = 'https://istio-release.storage.googleapis.com/charts';
const release = (fields: Record<string, unknown> = {}) => ({ version: '1.28.2', chart: { repository: OFFICIAL, version: '1.28.2' }, kubernetes: { min: '1.29', max: '1.33' }, ...fields });

const accepted: [what: string, config: unknown, expected: IstioRelease[]][] = [
  ['an official release from Istio\'s chart repository', { releases: [release()] }, [release() as IstioRelease]],
  ['a trailing slash on the repository URL is dropped', { releases: [release({ chart: { repository: `${OFFICIAL}/`, version: '1.28.2' } })] }, [release() as IstioRelease]],
  ['a release from an OCI registry with a mirror\'s hub and tag',
    { releases: [release({ chart: { oci: 'oci://registry.example:5000/istio/charts', version: '1.28.2' }, images: { hub: 'registry.example:5000/mirror/istio', tag: '1.28.2-mirror' } })] },
    [release({ chart: { oci: 'oci://registry.example:5000/istio/charts', version: '1.28.2' }, images: { hub: 'registry.example:5000/mirror/istio', tag: '1.28.2-mirror' } }) as IstioRelease]],
  ['a mirror behind a private CA, trusted with a CA file', { releases: [release({ chart: { repository: 'https://charts.example.internal/istio', version: '1.28.2', caFile: '/etc/ssl/mirror-ca.pem' } })] },
    [release({ chart: { repository: 'https://charts.example.internal/istio', version: '1.28.2', caFile: '/etc/ssl/mirror-ca.pem' } }) as IstioRelease]],
  ['a mirrored directory, with only the hub overridden', { releases: [release({ chart: { directory: '/opt/istio/charts/1.28.2' }, images: { hub: 'registry.example/istio' } })] },
    [release({ chart: { directory: '/opt/istio/charts/1.28.2' }, images: { hub: 'registry.example/istio' } }) as IstioRelease]],
  ['two releases, the first being the default', { releases: [release(), release({ version: '1.27.4', chart: { repository: OFFICIAL, version: '1.27.4' } })] },
    [release() as IstioRelease, release({ version: '1.27.4', chart: { repository: OFFICIAL, version: '1.27.4' } }) as IstioRelease]],
];

for (const [what, config, expected] of accepted) {
  test(`the releases configuration accepts ${what}`, () => {
    assert.deepEqual(parseIstioReleases(config), expected);
  });
}

const refused: [what: string, config: unknown, field: RegExp][] = [
  ['a bare list instead of { releases }', [release()], /^releases: give \{ "releases"/],
  ['no release at all', { releases: [] }, /releases: list at least one/],
  ['a version listed twice', { releases: [release(), release()] }, /releases\[1\]\.version: 1\.28\.2 is listed twice/],
  ['a version name that is no name', { releases: [release({ version: '../1.28' })] }, /releases\[0\]\.version: "\.\.\/1\.28": give a version name/],
  ['a repository without a chart version', { releases: [release({ chart: { repository: OFFICIAL } })] }, /releases\[0\]\.chart\.version: missing/],
  ['a chart version that helm would read as an option', { releases: [release({ chart: { repository: OFFICIAL, version: '--devel' } })] }, /releases\[0\]\.chart\.version: "--devel"/],
  ['a repository that is not http(s)', { releases: [release({ chart: { repository: 'file:///charts', version: '1.28.2' } })] }, /releases\[0\]\.chart\.repository: "file:\/\/\/charts": give an http\(s\) URL/],
  ['an OCI reference without oci://', { releases: [release({ chart: { oci: 'gcr.io/istio-release/charts', version: '1.28.2' } })] }, /releases\[0\]\.chart\.oci: .*an oci:\/\/ reference/],
  ['both a repository and a directory', { releases: [release({ chart: { repository: OFFICIAL, version: '1.28.2', directory: '/opt/charts' } })] }, /releases\[0\]\.chart: give exactly one of repository, oci or directory \(found repository, directory\)/],
  ['a CA file given as a relative path', { releases: [release({ chart: { oci: 'oci://registry.example/charts', version: '1.28.2', caFile: 'ca.pem' } })] }, /releases\[0\]\.chart\.caFile: "ca\.pem": give an absolute path to a PEM CA bundle/],
  ['a CA file beside a directory', { releases: [release({ chart: { directory: '/opt/charts', caFile: '/etc/ca.pem' } })] }, /releases\[0\]\.chart\.caFile: is not a setting/],
  ['a relative directory', { releases: [release({ chart: { directory: 'charts/1.28.2' } })] }, /releases\[0\]\.chart\.directory: "charts\/1\.28\.2": give an absolute path/],
  ['a hub with a tag in it', { releases: [release({ images: { hub: 'docker.io/istio:1.28' } })] }, /releases\[0\]\.images\.hub: "docker\.io\/istio:1\.28"/],
  ['a tag with a slash', { releases: [release({ images: { tag: 'a/b' } })] }, /releases\[0\]\.images\.tag: "a\/b": give an image tag/],
  ['a Kubernetes range given as versions with patches', { releases: [release({ kubernetes: { min: '1.29.0', max: '1.33' } })] }, /releases\[0\]\.kubernetes\.min: "1\.29\.0"/],
  ['a Kubernetes range upside down', { releases: [release({ kubernetes: { min: '1.33', max: '1.29' } })] }, /releases\[0\]\.kubernetes: min 1\.33 is newer than max 1\.29/],
  ['no Kubernetes range', { releases: [release({ kubernetes: undefined })] }, /releases\[0\]\.kubernetes: give \{ min, max \}/],
  ['a misspelt setting', { releases: [release({ image: { tag: 'x' } })] }, /releases\[0\]\.image: is not a setting/],
];

for (const [what, config, field] of refused) {
  test(`the releases configuration refuses ${what}, naming the field`, () => {
    assert.throws(() => parseIstioReleases(config), (error: Error) => error instanceof IstioReleasesError && field.test(error.message));
  });
}

test('every problem of a configuration is reported at once', () => {
  assert.throws(() => parseIstioReleases({ releases: [release({ version: '' }), release({ kubernetes: { min: '1.33', max: '1.29' } })] }), (error: Error) =>
    /releases\[0\]\.version/.test(error.message) && /releases\[1\]\.kubernetes/.test(error.message));
});

const pulls: [what: string, source: IstioRelease['chart'], args: string[] | undefined][] = [
  ['a chart repository: the chart by name from the repository, at the version', { repository: OFFICIAL, version: '1.28.2' }, ['pull', 'istiod', '--repo', OFFICIAL, '--version', '1.28.2']],
  ['an OCI registry: the chart\'s reference under the registry path', { oci: 'oci://gcr.io/istio-release/charts', version: '1.28.2' }, ['pull', 'oci://gcr.io/istio-release/charts/istiod', '--version', '1.28.2']],
  ['an OCI registry behind a private CA: helm verifies it with the CA file', { oci: 'oci://registry.example:5000/istio', version: '1.28.2', caFile: '/etc/ssl/ca.pem' }, ['pull', 'oci://registry.example:5000/istio/istiod', '--version', '1.28.2', '--ca-file', '/etc/ssl/ca.pem']],
  ['a directory: read in place, nothing pulled', { directory: '/opt/istio/charts/1.28.2' }, undefined],
];

for (const [what, source, args] of pulls) {
  test(`the istiod chart of ${what}`, () => {
    assert.deepEqual(pullArguments(source, 'istiod'), args);
  });
}

const official = release() as IstioRelease;
const images: [what: string, release: IstioRelease, appVersion: string, expected: { hub: string; tag: string }][] = [
  ['an official release: Istio\'s hub, the chart\'s appVersion', official, '1.28.2', { hub: 'docker.io/istio', tag: '1.28.2' }],
  ['the proving ground\'s snapshot, packaged with appVersion 1.31-dev', { ...official, version: '1.31-dev' }, '1.31-dev', { hub: 'docker.io/istio', tag: '1.31-dev' }],
  ['a mirror overriding the hub only: the chart\'s tag', { ...official, images: { hub: 'registry.example/istio' } }, '1.28.2', { hub: 'registry.example/istio', tag: '1.28.2' }],
  ['a mirror overriding both', { ...official, images: { hub: 'registry.example/istio', tag: '1.28.2-mirror' } }, '1.28.2', { hub: 'registry.example/istio', tag: '1.28.2-mirror' }],
  ['a chart whose appVersion is no tag, with the tag overridden', { ...official, images: { tag: '1.28.2' } }, 'v1 beta', { hub: 'docker.io/istio', tag: '1.28.2' }],
];

for (const [what, rel, appVersion, expected] of images) {
  test(`images of ${what}`, () => {
    assert.deepEqual(imageSettings(rel, { name: 'istiod', version: '1.28.2', appVersion }), expected);
  });
}

test('a chart whose appVersion is no image tag is refused unless the release sets images.tag', () => {
  assert.throws(() => imageSettings(official, { name: 'istiod', version: '1.28.2', appVersion: 'v1 beta' }), /appVersion "v1 beta", which is no image tag: set images\.tag for Istio 1\.28\.2/);
});

test('Chart.yaml is read as data and must be the chart asked for, with a version and an appVersion', () => {
  assert.deepEqual(chartMetadata({ apiVersion: 'v2', name: 'istiod', version: '1.28.2', appVersion: '1.28.2', description: 'x' }, 'istiod'), { name: 'istiod', version: '1.28.2', appVersion: '1.28.2' });
  assert.throws(() => chartMetadata({ name: 'ztunnel', version: '1.28.2', appVersion: '1.28.2' }, 'istiod'), /names chart "ztunnel", not istiod/);
  assert.throws(() => chartMetadata({ name: 'istiod', version: '1.28.2' }, 'istiod'), /has no appVersion/);
  assert.throws(() => chartMetadata('name: istiod', 'istiod'), /names chart null/);
});

test('the images go where every Istio chart reads them, beside the workflow\'s own globals', () => {
  const values = { global: { meshID: 'm', network: 'n' }, env: { A: 'b' } };
  assert.deepEqual(withImages(values, { hub: 'registry.example/istio', tag: 't' }), { global: { meshID: 'm', network: 'n', hub: 'registry.example/istio', tag: 't' }, env: { A: 'b' } });
  assert.deepEqual(withImages({ profile: 'ambient' }, { hub: 'h.example/i', tag: 't' }), { profile: 'ambient', global: { hub: 'h.example/i', tag: 't' } });
});

// Validation offers what the deployment configures: a second release with its own range.
const cells = () => JSON.parse(readFileSync(new URL('../../examples/cells.json', import.meta.url), 'utf8'));
const offered = parseIstioReleases({
  releases: [
    { version: '1.31-dev', chart: { repository: 'http://127.0.0.1:1', version: '1.31.0-dev' }, kubernetes: { min: '1.32', max: '1.35' } },
    { version: '1.31-mirror', chart: { repository: 'http://127.0.0.1:1', version: '1.31.0-dev' }, images: { hub: 'registry.example/istio' }, kubernetes: { min: '1.33', max: '1.34' } },
  ],
});
const withVersion = (version: string | undefined, kubernetes?: string) => {
  const spec = cells();
  if (version) spec.istio = { ...spec.istio, version };
  if (kubernetes) spec.cells[0].kubernetesVersion = kubernetes;
  return spec;
};

test('a spec naming a configured second release is valid, and one naming none gets the first configured release', () => {
  const second = validateSpec(withVersion('1.31-mirror', '1.33'), offered);
  assert.ok(second.ok && second.spec.istio.version === '1.31-mirror', JSON.stringify(second));
  const unnamed = validateSpec(withVersion(undefined), offered);
  assert.ok(unnamed.ok && unnamed.spec.istio.version === '1.31-dev', JSON.stringify(unnamed));
});

test('a version the deployment does not configure is refused at /istio/version (istio.version), naming what it installs', () => {
  const result = validateSpec(withVersion('1.30.0'), offered);
  const problem = result.ok ? undefined : result.problems.find((p) => p.path === '/istio/version');
  assert.equal(problem?.rule, 'istio.version');
  assert.match(problem?.message ?? '', /1\.30\.0 is not available: this deployment installs Istio 1\.31-dev, 1\.31-mirror/);
});

test('each release\'s own Kubernetes range decides: 1.32 is refused under 1.31-mirror (1.33 to 1.34) though 1.31-dev supports it', () => {
  assert.ok(validateSpec(withVersion('1.31-dev', '1.32'), offered).ok);
  const result = validateSpec(withVersion('1.31-mirror', '1.32'), offered);
  const problem = result.ok ? undefined : result.problems.find((p) => p.path === '/cells/0/kubernetesVersion');
  assert.equal(problem?.rule, 'istio.kubernetes-version');
  assert.match(problem?.message ?? '', /Istio 1\.31-mirror supports Kubernetes 1\.33 to 1\.34 only/);
});

// What the worker and the API read at startup (worker/istio-releases.ts).
test('at startup: no CELLBRIDGE_ISTIO_RELEASES, a file that is no JSON and a wrong release each stop the process, naming the variable, the file and the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cellbridge-istio-releases-'));
  try {
    assert.throws(() => istioReleasesFromEnv({}), /CELLBRIDGE_ISTIO_RELEASES is not set: name the JSON file/);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "releases": [');
    assert.throws(() => istioReleasesFromEnv({ CELLBRIDGE_ISTIO_RELEASES: broken }), (e: Error) => e.message.startsWith(`CELLBRIDGE_ISTIO_RELEASES (${broken}): `) && /JSON/.test(e.message));
    const wrong = join(dir, 'wrong.json');
    writeFileSync(wrong, JSON.stringify({ releases: [release({ kubernetes: { min: '1.32' } })] }));
    assert.throws(() => istioReleasesFromEnv({ CELLBRIDGE_ISTIO_RELEASES: wrong }), (e: Error) => e.message === `CELLBRIDGE_ISTIO_RELEASES (${wrong}): releases[0].kubernetes.max: missing: give a Kubernetes minor such as "1.35"`);
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ releases: [release()] }));
    assert.deepEqual(istioReleasesFromEnv({ CELLBRIDGE_ISTIO_RELEASES: good }).map((r) => r.version), ['1.28.2']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
