#!/usr/bin/env bash
# Provision real Prometheus and node-exporter binaries for the stack tier, once, from Debian's packages (no
# registry, no install): apt-get download + dpkg-deb -x into the cache. Prints the path of the prometheus binary
# on stdout; promtool and prometheus-node-exporter are in the same folder.
set -euo pipefail
CACHE=${OPTIVOLT_CACHE:-$HOME/.cache/optivolt}
DIR="$CACHE/prometheus-deb"
log() { echo "[provision] $*" >&2; }
fetch() { # package name
  (cd "$DIR/debs" && apt-get download -qq "$1" >>"$CACHE/apt.log" 2>&1) \
    || { [ "$(id -u)" = 0 ] && apt-get update -qq >>"$CACHE/apt.log" 2>&1 && (cd "$DIR/debs" && apt-get download -qq "$1" >>"$CACHE/apt.log" 2>&1); } \
    || { log "apt-get download $1 failed, see $CACHE/apt.log"; exit 1; }
  dpkg-deb -x "$DIR"/debs/"$1"_*.deb "$DIR/root"
}
mkdir -p "$DIR/debs" "$DIR/root"
if [ ! -x "$DIR/root/usr/bin/prometheus" ]; then log "fetching Debian's prometheus package into $DIR (once)"; fetch prometheus; fi
if [ ! -x "$DIR/root/usr/bin/prometheus-node-exporter" ]; then log "fetching Debian's prometheus-node-exporter package (once)"; fetch prometheus-node-exporter; fi
"$DIR/root/usr/bin/prometheus" --version >/dev/null
echo "$DIR/root/usr/bin/prometheus"
