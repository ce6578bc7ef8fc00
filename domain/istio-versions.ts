/**
 * Istio releases whose Helm charts the worker carries (CELLBRIDGE_ISTIO_CHARTS/<version>),
 * each with what it supports. The Go module proxy, the only source reachable here, serves
 * istio.io/istio at one snapshot: master of 2026-08-27 (VERSION 1.31), named 1.31-dev.
 * Where each figure comes from: docs/istio-support.md.
 */

export interface IstioRelease {
  /** The Kubernetes minor versions this release supports, oldest and newest ("1.32"). */
  kubernetes: { oldest: string; newest: string };
}

export const ISTIO_RELEASES: Readonly<Record<string, IstioRelease>> = {
  '1.31-dev': { kubernetes: { oldest: '1.32', newest: '1.35' } },
};

export const SUPPORTED_ISTIO_VERSIONS: readonly string[] = Object.keys(ISTIO_RELEASES);

/** The release of a version the worker carries; undefined for any other (Object.hasOwn: no prototype keys). */
export function istioRelease(version: string): IstioRelease | undefined {
  return Object.hasOwn(ISTIO_RELEASES, version) ? ISTIO_RELEASES[version] : undefined;
}

/** Whether `release` supports Kubernetes `minor` ("1.33"), compared as numbers (1.9 < 1.10). */
export function supportsKubernetes(release: IstioRelease, minor: string): boolean {
  const n = minorNumber(minor);
  return n !== undefined && n >= minorNumber(release.kubernetes.oldest)! && n <= minorNumber(release.kubernetes.newest)!;
}

function minorNumber(minor: string): number | undefined {
  const match = /^1\.(\d+)$/.exec(minor);
  return match ? Number(match[1]) : undefined;
}

/** Labels Istio's localityLbSetting.failoverPriority understands without a value. */
export const FAILOVER_PRIORITY_KEYS: readonly string[] = [
  'topology.istio.io/network',
  'topology.istio.io/cluster',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
];
