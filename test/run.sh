#!/usr/bin/env bash
# npm test (`test/run.sh`): installs the proving ground's tools if needed, bundles the
# workflows once for every worker the tests start, then runs every test file (unit,
# emulator, workflow, integration: `*.test.ts`) with node's test runner, two files at a
# time, longest first (test/runner.ts, test/schedule.ts, test/durations.json); each file is
# reported whole, in that order. Then the ARM traffic of the whole run is judged
# (test/contract/arm-traffic.contract.ts). The long end-to-end suites listed in
# test/long-suites are left to `npm run test:long` (`test/run.sh long`), which does the same
# for them alone; CI runs it after npm test.
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t long < <(grep -v '^#' test/long-suites | grep .)
node --import tsx sim/setup.ts
export NODE_EXTRA_CA_CERTS="$PWD/.stack/tls/ca.pem"
export CELLBRIDGE_WORKFLOW_BUNDLE="$PWD/.stack/workflow-bundle.js"
node --import tsx worker/bundle.ts "$CELLBRIDGE_WORKFLOW_BUNDLE" >.stack/workflow-bundle.log 2>&1 || { cat .stack/workflow-bundle.log; exit 1; }
if [[ "${1:-}" == long ]]; then
  files=("${long[@]}")
else
  mapfile -t files < <(find test -name '*.test.ts' | sort | grep -vxF -f <(printf '%s\n' "${long[@]}"))
fi
# Every emulator of the run records its ARM traffic; test/contract judges it against
# Microsoft's specifications once all files are done (it loads them meanwhile).
export CELLBRIDGE_SIM_ARM_TRAFFIC="$PWD/.stack/arm-traffic"
traffic_done="$CELLBRIDGE_SIM_ARM_TRAFFIC.done"
rm -rf "$CELLBRIDGE_SIM_ARM_TRAFFIC" "$traffic_done"
trap 'touch "$traffic_done"' EXIT
CELLBRIDGE_ARM_TRAFFIC_DONE="$traffic_done" node --import tsx --test --test-reporter=spec test/contract/arm-traffic.contract.ts >.stack/arm-contract.log 2>&1 &
contract=$!
status=0
node --import tsx test/runner.ts "${files[@]}" || status=$?
touch "$traffic_done"
wait "$contract" || status=$?
cat .stack/arm-contract.log
exit "$status"
