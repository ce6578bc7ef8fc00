#!/usr/bin/env bash
# npm test: installs the proving ground's tools if needed, then runs every test file
# (unit, emulator, workflow, integration) with node's test runner, one file at a time
# because each integration file brings up its own stack on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx sim/setup.ts
export NODE_EXTRA_CA_CERTS="$PWD/.stack/tls/ca.pem"
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
