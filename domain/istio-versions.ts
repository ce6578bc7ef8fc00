/**
 * What an Istio release offers a mesh: its version name and the Kubernetes minors it
 * supports. A deployment's releases come from its configuration (domain/istio-releases.ts,
 * CELLBRIDGE_ISTIO_RELEASES); validation refuses any other version and any Kubernetes the
 * chosen release does not support. Where each figure comes from: docs/istio-support.md.
 */

export interface IstioSupport {
  /** The name a spec's istio.version gives ("1.28.2", or the proving ground's "1.31-dev"). */
  version: string;
  /** The Kubernetes minor versions this release supports, oldest and newest ("1.32"). */
  kubernetes: { min: string; max: string };
}

/**
 * The release the proving ground serves from its local chart repository: the Go module
 * proxy, the only source reachable there, serves istio.io/istio at one snapshot (master of
 * 2026-08-27, VERSION 1.31), named 1.31-dev. Also what validateSpec offers when no
 * deployment's list is given (tests and tools that validate specs without a worker).
 */
export const PROVING_GROUND_ISTIO: IstioSupport = { version: '1.31-dev', kubernetes: { min: '1.32', max: '1.35' } };

/** The offered release named `version`; undefined for any other. */
export function istioRelease<R extends IstioSupport>(offered: readonly R[], version: string): R | undefined {
  return offered.find((r) => r.version === version);
}

/** Whether `release` supports Kubernetes `minor` ("1.33"), compared as numbers (1.9 < 1.10). */
export function supportsKubernetes(release: IstioSupport, minor: string): boolean {
  const n = minorNumber(minor);
  return n !== undefined && n >= minorNumber(release.kubernetes.min)! && n <= minorNumber(release.kubernetes.max)!;
}

/** The number after "1." of a Kubernetes minor ("1.33" → 33); undefined for anything else. */
export function minorNumber(minor: string): number | undefined {
  const match = /^1\.(\d{1,3})$/.exec(minor);
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
