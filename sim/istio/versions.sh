# The Istio version the proving ground uses, sourced by fetch.sh (charts) and
# build-binaries.sh (istiod, pilot-agent, istioctl), so charts and binaries are always the
# same Istio. The Go module proxy serves istio.io/istio only as @latest (Istio master; its
# VERSION file says 1.31), so the pseudo-version is pinned and named after the version it
# will become.
ISTIO_MODULE_VERSION=v0.0.0-20260827124520-eed52ebb66ad
ISTIO_VERSION=1.31-dev
