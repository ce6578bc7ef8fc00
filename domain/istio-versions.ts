/**
 * Istio releases whose Helm charts the worker carries (CELLBRIDGE_ISTIO_CHARTS/<version>).
 * The Go module proxy, the only source reachable here, serves istio.io/istio at one
 * snapshot: master of 2026-08-27 (VERSION 1.31), named 1.31-dev.
 */
export const SUPPORTED_ISTIO_VERSIONS: readonly string[] = ['1.31-dev'];

/** Labels failoverPriority understands without a value (reference/domain.md E). */
export const FAILOVER_PRIORITY_KEYS: readonly string[] = [
  'topology.istio.io/network',
  'topology.istio.io/cluster',
  'topology.kubernetes.io/region',
  'topology.kubernetes.io/zone',
  'topology.istio.io/subzone',
];
