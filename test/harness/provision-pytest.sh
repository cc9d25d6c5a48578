#!/usr/bin/env bash
# Provision pytest for the energy-per-test tests when python3 has none, once, from Debian's python3-pytest and the
# python3-* packages it depends on (pure Python; no registry, no install): apt-get download + dpkg-deb -x into the
# cache. Prints the folder to put on PYTHONPATH (its usr/lib/python3/dist-packages); prints nothing to add when
# python3 already imports pytest.
set -euo pipefail
CACHE=${OPTIVOLT_CACHE:-$HOME/.cache/optivolt}
LOG="$CACHE/apt.log"
log() { echo "[provision] $*" >&2; }
mkdir -p "$CACHE"
if python3 -c 'import pytest' >/dev/null 2>&1; then
  echo ""
  exit 0
fi
DIR="$CACHE/pytest-deb"
SITE="$DIR/root/usr/lib/python3/dist-packages"
if ! PYTHONPATH="$SITE" python3 -c 'import pytest' >/dev/null 2>&1; then
  mkdir -p "$DIR/debs" "$DIR/root"
  log "fetching Debian's python3-pytest and its python3-* dependencies into $DIR (once)"
  deps=$(apt-cache depends --no-recommends --no-suggests python3-pytest 2>>"$LOG" | awk '/Depends: python3-/ {print $2}' | sort -u)
  # shellcheck disable=SC2086
  (cd "$DIR/debs" && apt-get download -qq python3-pytest $deps >>"$LOG" 2>&1) \
    || { [ "$(id -u)" = 0 ] && apt-get update -qq >>"$LOG" 2>&1 && (cd "$DIR/debs" && apt-get download -qq python3-pytest $deps >>"$LOG" 2>&1); } \
    || { log "apt-get download python3-pytest failed, see $LOG"; exit 1; }
  for deb in "$DIR"/debs/*.deb; do dpkg-deb -x "$deb" "$DIR/root"; done
  PYTHONPATH="$SITE" python3 -c 'import pytest' >>"$LOG" 2>&1 || { log "pytest from $SITE does not import, see $LOG"; exit 1; }
fi
echo "$SITE"
