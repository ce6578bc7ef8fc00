/**
 * From a configured Istio release to what helm installs: where each chart is fetched
 * from, what its Chart.yaml must say, and the images it runs. The chart's own appVersion
 * is the images' tag (Istio publishes each release's images under it) unless the operator
 * overrides the hub or tag, as for a mirror (docs/istio-support.md).
 */
import { IMAGE_TAG, type ChartSource, type IstioChart, type IstioRelease } from './istio-releases.ts';

/** Where Istio publishes its release images (the hub of the official charts' values). */
export const ISTIO_HUB = 'docker.io/istio';

export interface ChartMetadata {
  name: string;
  version: string;
  appVersion: string;
}

export interface ImageSettings {
  hub: string;
  tag: string;
}

/**
 * `helm pull` arguments (before --untar and its directory) that fetch `chart` of a
 * repository or OCI source; a directory source is read where it is, so it has none.
 */
export function pullArguments(source: ChartSource, chart: IstioChart): string[] | undefined {
  if ('directory' in source) return undefined;
  const ca = source.caFile ? ['--ca-file', source.caFile] : [];
  if ('repository' in source) return ['pull', chart, '--repo', source.repository, '--version', source.version, ...ca];
  return ['pull', `${source.oci}/${chart}`, '--version', source.version, ...ca];
}

/**
 * A Chart.yaml, already parsed as YAML data, checked to be the chart asked for: its name,
 * a version and an appVersion. Anything else in it is ignored; nothing in it is run.
 */
export function chartMetadata(parsed: unknown, chart: IstioChart): ChartMetadata {
  const fields = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const field = (key: string) => (typeof fields[key] === 'string' || typeof fields[key] === 'number' ? String(fields[key]) : undefined);
  const name = field('name');
  if (name !== chart) throw new Error(`Chart.yaml names chart ${JSON.stringify(name ?? null)}, not ${chart}`);
  const version = field('version');
  const appVersion = field('appVersion');
  if (!version || !appVersion) throw new Error(`Chart.yaml of ${chart} has no ${version ? 'appVersion' : 'version'}`);
  return { name, version, appVersion };
}

/** The images a release's chart runs: the operator's hub and tag where given, else Istio's hub and the chart's appVersion. */
export function imageSettings(release: IstioRelease, chart: ChartMetadata): ImageSettings {
  const tag = release.images?.tag ?? chart.appVersion;
  if (!IMAGE_TAG.test(tag)) {
    throw new Error(`chart ${chart.name} ${chart.version} has appVersion ${JSON.stringify(chart.appVersion)}, which is no image tag: set images.tag for Istio ${release.version}`);
  }
  return { hub: release.images?.hub ?? ISTIO_HUB, tag };
}

/** The workflow's values with the images set where every Istio chart reads them (global.hub, global.tag). */
export function withImages(values: Record<string, unknown>, images: ImageSettings): Record<string, unknown> {
  const global = typeof values.global === 'object' && values.global !== null ? (values.global as Record<string, unknown>) : {};
  return { ...values, global: { ...global, hub: images.hub, tag: images.tag } };
}
