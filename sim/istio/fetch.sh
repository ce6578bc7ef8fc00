#!/usr/bin/env bash
# Fetches what installing Istio needs, from the Go module proxy only: helm (built from its
# module), Istio's Helm charts (from the istio.io/istio module) and the Gateway API CRDs
# (from sigs.k8s.io/gateway-api, which ambient mode needs). Output in $1:
#   bin/helm, charts/<istio version>/{base,istiod,gateway,cni,ztunnel}, gateway-api/standard/*.yaml,
#   envoy/envoy_bootstrap_tmpl.json (the Envoy bootstrap template pilot-agent renders; istio-proxy images carry it)
# Skips what is already there for these versions; quiet unless something fails.
set -euo pipefail

OUT=$(realpath -m "${1:?usage: fetch.sh <out-dir>}")
HELM_VERSION=v3.22.0
# ISTIO_MODULE_VERSION and ISTIO_VERSION, shared with build-binaries.sh.
source "$(dirname "$0")/versions.sh"
# The version that Istio's go.mod requires.
GATEWAY_API_VERSION=v1.6.0
STAMP="$OUT/.versions"
WANT="helm=$HELM_VERSION istio=$ISTIO_VERSION@$ISTIO_MODULE_VERSION gateway-api=$GATEWAY_API_VERSION"

BOOTSTRAP="$OUT/envoy/envoy_bootstrap_tmpl.json"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" && -f "$BOOTSTRAP" ]]; then exit 0; fi
mkdir -p "$OUT/bin"
export GOTOOLCHAIN=local CGO_ENABLED=0

source "$(dirname "$0")/../quiet.sh"

# The directory of a module version in the module cache, downloading it if needed.
module_dir() {
  local json
  json=$(cd "$OUT" && go mod download -json "$1") || { echo "$json" >&2; return 1; }
  sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p' <<<"$json"
}

# Copies a directory out of the (read-only) module cache, replacing what was there.
copy() {
  rm -rf "$2"
  mkdir -p "$(dirname "$2")"
  cp -r "$1" "$2"
  chmod -R u+w "$2"
}

# -X: a plain `go install` would make helm report its minor version only (v3.22).
if [[ "$("$OUT/bin/helm" version --template '{{.Version}}' 2>/dev/null)" != "$HELM_VERSION" ]]; then
  (cd "$OUT" && GOBIN="$OUT/bin" quiet go install -trimpath \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")
fi

istio=$(module_dir "istio.io/istio@$ISTIO_MODULE_VERSION")
mkdir -p "$(dirname "$BOOTSTRAP")"
cp "$istio/tools/packaging/common/envoy_bootstrap.json" "$BOOTSTRAP"
chmod u+w "$BOOTSTRAP"
# Added after the stamp's other contents: a stack fetched before only lacks the template.
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then exit 0; fi
charts="$OUT/charts/$ISTIO_VERSION"
declare -A CHARTS=([base]=base [istiod]=istio-control/istio-discovery [gateway]=gateway [cni]=istio-cni [ztunnel]=ztunnel)
for name in "${!CHARTS[@]}"; do copy "$istio/manifests/charts/${CHARTS[$name]}" "$charts/$name"; done

gateway_api=$(module_dir "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION")
rm -rf "$OUT/gateway-api"
mkdir -p "$OUT/gateway-api/standard"
cp "$gateway_api"/config/crd/standard/gateway.networking.k8s.io_*.yaml "$OUT/gateway-api/standard/"
chmod -R u+w "$OUT/gateway-api"

echo "$WANT" > "$STAMP"
