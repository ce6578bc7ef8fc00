#!/usr/bin/env bash
# npm test: installs the proving ground's tools if needed, bundles the workflows once for
# every worker the tests start, then runs every test file (unit, emulator, workflow,
# integration) with node's test runner, two files at a time, longest first (test/runner.ts,
# test/schedule.ts, test/durations.json); each file is reported whole, in that order.
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx sim/setup.ts
export NODE_EXTRA_CA_CERTS="$PWD/.stack/tls/ca.pem"
export CELLBRIDGE_WORKFLOW_BUNDLE="$PWD/.stack/workflow-bundle.js"
node --import tsx worker/bundle.ts "$CELLBRIDGE_WORKFLOW_BUNDLE" >.stack/workflow-bundle.log 2>&1 || { cat .stack/workflow-bundle.log; exit 1; }
mapfile -t files < <(find test -name '*.test.ts' | sort)
exec node --import tsx test/runner.ts "${files[@]}"
