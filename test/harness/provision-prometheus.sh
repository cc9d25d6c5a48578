#!/usr/bin/env bash
# Provision a real Prometheus binary for the stack tier, once, from Debian's package (no registry, no install):
# apt-get download + dpkg-deb -x into the cache. Prints the path of the prometheus binary on stdout.
set -euo pipefail
CACHE=${OPTIVOLT_CACHE:-$HOME/.cache/optivolt}
DIR="$CACHE/prometheus-deb"
log() { echo "[provision] $*" >&2; }
if [ ! -x "$DIR/root/usr/bin/prometheus" ]; then
  log "fetching Debian's prometheus package into $DIR (once)"
  rm -rf "$DIR"; mkdir -p "$DIR/debs" "$DIR/root"
  (cd "$DIR/debs" && apt-get download -qq prometheus >>"$CACHE/apt.log" 2>&1) \
    || { [ "$(id -u)" = 0 ] && apt-get update -qq >>"$CACHE/apt.log" 2>&1 && (cd "$DIR/debs" && apt-get download -qq prometheus >>"$CACHE/apt.log" 2>&1); } \
    || { log "apt-get download prometheus failed, see $CACHE/apt.log"; exit 1; }
  dpkg-deb -x "$DIR"/debs/prometheus_*.deb "$DIR/root"
fi
"$DIR/root/usr/bin/prometheus" --version >/dev/null
echo "$DIR/root/usr/bin/prometheus"
