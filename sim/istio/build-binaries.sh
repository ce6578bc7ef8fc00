#!/usr/bin/env bash
# Builds Istio's own binaries from the Go module proxy, from the same istio.io/istio
# version as the charts (versions.sh): pilot-discovery (istiod), pilot-agent and istioctl,
# static and trimmed, into $1/bin. A small module of our own requires istio.io/istio (its
# go.mod has no replace directives); Istio's code stays in the Go module cache. Skips the
# build when the binaries for this version are there; quiet unless something fails.
set -euo pipefail

OUT=$(realpath -m "${1:?usage: build-binaries.sh <out-dir>}")
source "$(dirname "$0")/versions.sh"
BINARIES=(pilot-discovery pilot-agent istioctl)
STAMP="$OUT/bin/.binaries"
WANT="istio=$ISTIO_VERSION@$ISTIO_MODULE_VERSION binaries=${BINARIES[*]}"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then exit 0; fi
mkdir -p "$OUT/bin" "$OUT/src/binaries"
# Test files start stacks in parallel: one builds, the others wait for it and find the stamp.
exec 9>"$OUT/src/.lock"
flock 9
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then exit 0; fi
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

source "$(dirname "$0")/../quiet.sh"

echo "building Istio $ISTIO_VERSION (${BINARIES[*]}) from the Go module proxy (first run only; several minutes) …"
cd "$OUT/src/binaries"
cat > tools.go <<'GO'
//go:build tools

package tools

import (
	_ "istio.io/istio/istioctl/cmd/istioctl"
	_ "istio.io/istio/pilot/cmd/pilot-agent"
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
GO
[[ -f go.mod ]] || quiet go mod init cellbridge.local/istio-binaries
quiet go get "istio.io/istio@$ISTIO_MODULE_VERSION"
quiet go mod tidy
# What `istioctl version` and istiod's own logs report: the charts' version name and the commit.
version="-X istio.io/istio/pkg/version.buildVersion=$ISTIO_VERSION -X istio.io/istio/pkg/version.buildGitRevision=${ISTIO_MODULE_VERSION##*-}"
quiet go build -trimpath -ldflags "-s -w $version" -o "$OUT/bin/" \
  istio.io/istio/pilot/cmd/pilot-discovery istio.io/istio/pilot/cmd/pilot-agent istio.io/istio/istioctl/cmd/istioctl

echo "$WANT" > "$STAMP"
echo "pilot-discovery, pilot-agent and istioctl are in $OUT/bin"
