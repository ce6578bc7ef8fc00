#!/usr/bin/env bash
# npm test: installs the proving ground's tools if needed, bundles the workflows once for
# every worker the tests start, then runs every test file (unit, emulator, workflow,
# integration) with node's test runner, two files at a time (test/runner.ts). Each file
# that brings up a whole stack (useStack/startStack) is followed in the order by its share
# of the files that do not, so that a stack mostly runs beside lighter files rather than
# beside another stack; each file is still reported whole, in this order.
set -euo pipefail
cd "$(dirname "$0")/.."
node --import tsx sim/setup.ts
export NODE_EXTRA_CA_CERTS="$PWD/.stack/tls/ca.pem"
export CELLBRIDGE_WORKFLOW_BUNDLE="$PWD/.stack/workflow-bundle.js"
node --import tsx worker/bundle.ts "$CELLBRIDGE_WORKFLOW_BUNDLE" >.stack/workflow-bundle.log 2>&1 || { cat .stack/workflow-bundle.log; exit 1; }
mapfile -t all < <(find test -name '*.test.ts' | sort)
mapfile -t stacked < <(grep -lE 'useStack\(|startStack\(' "${all[@]}")
mapfile -t light < <(grep -LE 'useStack\(|startStack\(' "${all[@]}")
files=()
per=$(((${#light[@]} + ${#stacked[@]} - 1) / ${#stacked[@]}))
for i in "${!stacked[@]}"; do
  files+=("${stacked[$i]}" "${light[@]:$((i * per)):per}")
done
exec node --import tsx test/runner.ts "${files[@]}"
