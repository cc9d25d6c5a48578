#!/usr/bin/env bash
# Make a fresh clone runnable: install the locked npm packages when missing or stale, then build.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "[bootstrap] npm ci" >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
fi
node scripts/build.mjs >&2
[ "${1:-}" = --tests ] && npx tsc -p tsconfig.json >&2
true
