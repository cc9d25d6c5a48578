#!/usr/bin/env bash
# Provision a real nginx for the stack tier, once, from Debian's own package (its `nginx` package holds the
# binary): apt-get download + dpkg-deb -x into the cache. Nothing is installed system-wide and nothing runs as
# root: the tests start the binary as a plain process with a config in a temp folder (-p PREFIX -c FILE -e LOG).
#
# Usage: provision-nginx.sh   -> prints the path of the nginx binary.
#
# Why: the Prometheus-API engine tests need a real reverse proxy enforcing bearer/basic auth, a tenant header and
# TLS in front of a real Prometheus, the way a team's engine is usually exposed.
set -euo pipefail
CACHE=${OPTIVOLT_CACHE:-$HOME/.cache/optivolt}
LOG="$CACHE/apt.log"
log() { echo "[provision] $*" >&2; }
DIR="$CACHE/nginx-deb"
BIN="$DIR/root/usr/sbin/nginx"
mkdir -p "$CACHE"
if [ ! -x "$BIN" ]; then
  mkdir -p "$DIR/debs" "$DIR/root"
  rm -f "$DIR"/debs/*.deb
  # The binary is in `nginx` (bookworm's security updates and later; nginx-core became a transitional package).
  (cd "$DIR/debs" && apt-get download -qq nginx >>"$LOG" 2>&1) || { log "apt-get download nginx failed, see $LOG"; exit 1; }
  for deb in "$DIR"/debs/*.deb; do dpkg-deb -x "$deb" "$DIR/root" || { log "dpkg-deb -x of $deb failed"; exit 1; }; done
  [ -x "$BIN" ] || { log "no $BIN in $(ls "$DIR/debs")"; exit 1; }
  log "$(ls "$DIR/debs") unpacked into $DIR/root"
fi
out=$("$BIN" -v 2>&1) || { log "$BIN does not run here: $out"; exit 1; }
log "$out"
echo "$BIN"
