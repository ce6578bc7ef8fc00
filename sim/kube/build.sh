#!/usr/bin/env bash
# Builds the proving ground's Kubernetes control plane from the Go module proxy:
# kube-apiserver (k8s.io/kubernetes with every staging module replaced by its published
# version, since the module's own go.mod points them at ./staging) and etcd (a wrapper
# around etcdmain). Output: $1/bin. Skips the build when the binaries for these versions
# are already there; the Go module and build caches make a rebuild fast.
set -euo pipefail

OUT=$(realpath -m "${1:?usage: build.sh <out-dir>}")
K8S_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
HERE=$(cd "$(dirname "$0")" && pwd)
STAMP="$OUT/bin/.versions"
WANT="kubernetes=$K8S_VERSION etcd=$ETCD_VERSION"

if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$WANT" ]]; then exit 0; fi
mkdir -p "$OUT/bin" "$OUT/src/apiserver" "$OUT/src/etcd"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local CGO_ENABLED=0

source "$(dirname "$0")/../quiet.sh"

echo "building kube-apiserver $K8S_VERSION and etcd $ETCD_VERSION from the Go module proxy (first run only; several minutes) …"

k8s_mod=$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^\s*"GoMod": "\(.*\)",$/\1/p')
staging_version=v0${K8S_VERSION#v1}
{
  echo "module cellbridge.local/kube-apiserver"
  echo "go 1.24.0"
  echo "require k8s.io/kubernetes $K8S_VERSION"
  grep -oE '^\s+k8s\.io/[a-z0-9-]+ => \./staging' "$k8s_mod" | awk -v v="$staging_version" '{print "replace " $1 " => " $1 " " v}'
} > "$OUT/src/apiserver/go.mod"
cat > "$OUT/src/apiserver/tools.go" <<'GO'
//go:build tools

package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
GO
(cd "$OUT/src/apiserver" && go mod tidy >/dev/null 2>&1 || true
 cd "$OUT/src/apiserver" && go build -trimpath \
   -ldflags "-s -w -X k8s.io/component-base/version.gitVersion=$K8S_VERSION -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=${K8S_VERSION#v1.}" \
   -o "$OUT/bin/kube-apiserver" k8s.io/kubernetes/cmd/kube-apiserver)

cp "$HERE/etcd/main.go" "$OUT/src/etcd/main.go"
(cd "$OUT/src/etcd"
 [[ -f go.mod ]] || quiet go mod init cellbridge.local/etcd
 quiet go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
 quiet go mod tidy
 go build -trimpath -ldflags "-s -w" -o "$OUT/bin/etcd" .)

echo "$WANT" > "$STAMP"
echo "kube-apiserver and etcd are in $OUT/bin"
