/**
 * The Istio releases a deployment offers, from its configuration (the JSON file that
 * CELLBRIDGE_ISTIO_RELEASES names, README "Istio releases"): per release its version name,
 * where its charts come from (a Helm chart repository at a chart version, an OCI
 * registry at a chart version, or a directory the operator mirrors the charts into), an
 * optional image hub and tag, and the Kubernetes minors it supports. Checked whole at
 * startup: every problem names its field, so a worker never starts half configured.
 */
import { minorNumber, type IstioSupport } from './istio-versions.ts';

export type ChartSource =
  /** A Helm chart repository (index.yaml), as https://istio-release.storage.googleapis.com/charts. */
  | { repository: string; version: string; caFile?: string }
  /** An OCI registry path holding the charts by name, as oci://gcr.io/istio-release/charts. */
  | { oci: string; version: string; caFile?: string }
  /** An absolute directory holding one unpacked chart per name (<directory>/istiod/Chart.yaml). */
  | { directory: string };

export interface IstioRelease extends IstioSupport {
  chart: ChartSource;
  /** Overrides of the images' registry path and tag; by default Istio's hub and the chart's appVersion. */
  images?: { hub?: string; tag?: string };
}

/** The charts cellbridge installs, by the names Istio publishes them under. */
export const ISTIO_CHARTS = ['base', 'istiod', 'gateway', 'cni', 'ztunnel'] as const;
export type IstioChart = (typeof ISTIO_CHARTS)[number];

export class IstioReleasesError extends Error {
  override readonly name = 'IstioReleasesError';
}

/** An image tag as registries accept it (the OCI distribution spec's tag grammar). */
export const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** A registry host with an optional port, then path components: docker.io/istio, registry.example:5000/mirror/istio. */
const IMAGE_HUB = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:\d{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)+$/;
/** Also a directory name in the worker's chart cache and a Helm release's image tag: kept to safe characters. */
const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,62}$/;
const ABSOLUTE_PATH = /^\/[^\0]*$/;
/** A chart version or SemVer range for `helm pull --version`; never an option. */
const CHART_VERSION = /^[A-Za-z0-9^~=<>*][A-Za-z0-9.+^~=<>*, |-]{0,63}$/;

/**
 * The releases in a parsed configuration file, or an IstioReleasesError listing every
 * problem by field (`releases[1].chart.version: …`). `{ "releases": [ … ] }`, at least one;
 * the first is the version of a spec that names none.
 */
export function parseIstioReleases(config: unknown): IstioRelease[] {
  const problems: string[] = [];
  const report = (field: string, message: string) => problems.push(`${field}: ${message}`);
  if (!isObject(config) || !Array.isArray(config.releases)) {
    throw new IstioReleasesError('releases: give { "releases": [ … ] }, a list of the Istio releases this deployment installs');
  }
  unknownKeys(config, ['releases'], '', report);
  if (config.releases.length === 0) report('releases', 'list at least one Istio release');
  const releases = config.releases.map((entry, i) => parseRelease(entry, `releases[${i}]`, report));
  const seen = new Set<string>();
  releases.forEach((r, i) => {
    if (r && seen.has(r.version)) report(`releases[${i}].version`, `${r.version} is listed twice`);
    if (r) seen.add(r.version);
  });
  if (problems.length > 0) throw new IstioReleasesError(problems.join('; '));
  return releases as IstioRelease[];
}

type Report = (field: string, message: string) => void;

function parseRelease(entry: unknown, at: string, report: Report): IstioRelease | undefined {
  if (!isObject(entry)) return void report(at, 'must be an object');
  unknownKeys(entry, ['version', 'chart', 'images', 'kubernetes'], at, report);
  const version = text(entry.version, `${at}.version`, VERSION_NAME, 'a version name of letters, digits and . _ + - (at most 63)', report);
  const chart = parseChartSource(entry.chart, `${at}.chart`, report);
  const kubernetes = parseKubernetes(entry.kubernetes, `${at}.kubernetes`, report);
  let images: IstioRelease['images'];
  if (entry.images !== undefined) {
    if (!isObject(entry.images)) report(`${at}.images`, 'must be an object with hub and/or tag');
    else {
      unknownKeys(entry.images, ['hub', 'tag'], `${at}.images`, report);
      const hub = entry.images.hub === undefined ? undefined : text(entry.images.hub, `${at}.images.hub`, IMAGE_HUB, 'a registry and path such as docker.io/istio or registry.example:5000/mirror/istio', report);
      const tag = entry.images.tag === undefined ? undefined : text(entry.images.tag, `${at}.images.tag`, IMAGE_TAG, 'an image tag (letters, digits, _ . -, at most 128)', report);
      images = { ...(hub ? { hub } : {}), ...(tag ? { tag } : {}) };
    }
  }
  if (version === undefined || chart === undefined || kubernetes === undefined) return undefined;
  return { version, chart, kubernetes, ...(images && (images.hub || images.tag) ? { images } : {}) };
}

function parseChartSource(source: unknown, at: string, report: Report): ChartSource | undefined {
  if (!isObject(source)) return void report(at, 'give one of { repository, version }, { oci, version } or { directory }');
  const kinds = (['repository', 'oci', 'directory'] as const).filter((k) => source[k] !== undefined);
  if (kinds.length !== 1) return void report(at, `give exactly one of repository, oci or directory (found ${kinds.join(', ') || 'none'})`);
  const kind = kinds[0]!;
  if (kind === 'directory') {
    unknownKeys(source, ['directory'], at, report);
    const directory = text(source.directory, `${at}.directory`, ABSOLUTE_PATH, 'an absolute path', report);
    return directory === undefined ? undefined : { directory };
  }
  unknownKeys(source, [kind, 'version', 'caFile'], at, report);
  const version = text(source.version, `${at}.version`, CHART_VERSION, 'the chart version to install (Istio publishes its charts at the release version, e.g. 1.28.2)', report);
  // A mirror behind a private CA: the bundle helm verifies the server with (a file, never inline).
  const caFile = source.caFile === undefined ? undefined : text(source.caFile, `${at}.caFile`, ABSOLUTE_PATH, 'an absolute path to a PEM CA bundle', report);
  const ca = caFile ? { caFile } : {};
  if (kind === 'repository') {
    const repository = text(source.repository, `${at}.repository`, /^https?:\/\/[^\s]+$/, 'an http(s) URL of a Helm chart repository', report);
    return repository === undefined || version === undefined ? undefined : { repository: repository.replace(/\/+$/, ''), version, ...ca };
  }
  const oci = text(source.oci, `${at}.oci`, /^oci:\/\/[^\s]+$/, 'an oci:// reference to the registry path that holds the charts by name', report);
  return oci === undefined || version === undefined ? undefined : { oci: oci.replace(/\/+$/, ''), version, ...ca };
}

function parseKubernetes(range: unknown, at: string, report: Report): IstioSupport['kubernetes'] | undefined {
  if (!isObject(range)) return void report(at, 'give { min, max }, the oldest and newest Kubernetes minor this release supports ("1.32")');
  unknownKeys(range, ['min', 'max'], at, report);
  const min = text(range.min, `${at}.min`, /^1\.\d{1,3}$/, 'a Kubernetes minor such as "1.32"', report);
  const max = text(range.max, `${at}.max`, /^1\.\d{1,3}$/, 'a Kubernetes minor such as "1.35"', report);
  if (min === undefined || max === undefined) return undefined;
  if (minorNumber(min)! > minorNumber(max)!) return void report(at, `min ${min} is newer than max ${max}`);
  return { min, max };
}

function text(value: unknown, at: string, pattern: RegExp, what: string, report: Report): string | undefined {
  if (typeof value !== 'string' || !pattern.test(value)) return void report(at, `${value === undefined ? 'missing' : JSON.stringify(value)}: give ${what}`);
  return value;
}

function unknownKeys(object: Record<string, unknown>, known: readonly string[], at: string, report: Report): void {
  for (const key of Object.keys(object)) if (!known.includes(key)) report(at ? `${at}.${key}` : key, 'is not a setting (a misspelling?)');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
