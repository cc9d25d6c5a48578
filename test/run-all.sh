#!/usr/bin/env bash
# The one test command (npm test, .ci/run): installs what is missing, then lint, type-check, build, the unit
# tier, the stack tier (real Prometheus) and the host tier. Every tier appends its counts to one results file; the last line sums them:
# "N passed, N failed". Exits non-zero when anything failed.
set -u
cd "$(dirname "$0")/.."
RESULTS=$(mktemp /tmp/optivolt-results-XXXXXX)
export OPTIVOLT_RESULTS="$RESULTS"

# A step that is one check: counted as one pass or one failure.
check() {
  local name=$1; shift
  echo "== $name"
  if "$@"; then
    echo "{\"tier\":\"$name\",\"passed\":1,\"failed\":0}" >> "$RESULTS"
  else
    echo "!! $name failed"
    echo "{\"tier\":\"$name\",\"passed\":0,\"failed\":1}" >> "$RESULTS"
  fi
}

check install bash scripts/bootstrap.sh
# One Docker engine for the stack and host tiers: started here if none runs (and stopped on exit).
# Provisioning runs through provision.js: a clean environment, without this npm's npm_config_* (see that file).
DOCKERD=$(node test/harness/provision.js docker) && export OPTIVOLT_DOCKER=1 || echo "!! no Docker engine: the container tests will fail"
trap 'rm -f "$RESULTS"; case "$DOCKERD" in started*) node test/harness/provision.js docker stop "${DOCKERD#started }";; esac' EXIT
check lint npm run --silent lint
check typecheck node_modules/.bin/tsc -p tsconfig.json
check typecheck-webview node_modules/.bin/tsc -p media/tsconfig.json
echo "== unit"
node test/harness/runTier.js unit
echo "== stack (real Prometheus)"
node test/harness/runTier.js stack
echo "== host (VS Code extension host via code-server)"
node test/harness/runHost.js

node -e '
const lines = require("fs").readFileSync(process.argv[1], "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l));
let p = 0, f = 0;
console.log("");
for (const r of lines) { p += r.passed; f += r.failed; console.log(`  ${r.tier.padEnd(10)} ${r.passed} passed, ${r.failed} failed`); }
console.log(`${p} passed, ${f} failed`);
process.exit(f > 0 || p === 0 ? 1 : 0);
' "$RESULTS"
