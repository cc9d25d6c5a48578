#!/usr/bin/env bash
# Provision a real VictoriaMetrics (single-node) for the stack tier, once, from Debian sid's `victoria-metrics`
# package: apt-get download + dpkg-deb -x into the cache, with a private apt state (its own sources.list, lists
# and archives), like provision-prometheus.sh. The system's apt configuration is not touched.
#
# Usage: provision-victoriametrics.sh   -> prints the path of the victoria-metrics binary.
#
# Why: the PromQL language server must recognise an engine that imitates Prometheus' status endpoints
# (VictoriaMetrics answers /api/v1/status/buildinfo with a Prometheus-like version), which only the real one shows.
set -euo pipefail
CACHE=${OPTIVOLT_CACHE:-$HOME/.cache/optivolt}
LOG="$CACHE/apt.log"
log() { echo "[provision] $*" >&2; }
DIR="$CACHE/victoriametrics-sid"
APT="$DIR/apt"
BIN="$DIR/root/usr/bin/victoria-metrics"
mkdir -p "$CACHE"
aptsid() { # apt-get arguments, with the private sid state
  apt-get -o Dir::Etc::sourcelist="$APT/sources.list" -o Dir::Etc::sourceparts=/dev/null -o Dir::State::lists="$APT/lists" \
    -o Dir::Cache="$APT/cache" -o Debug::NoLocking=1 "$@"
}
if [ ! -x "$BIN" ]; then
  mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$DIR/debs" "$DIR/root"
  echo "deb http://deb.debian.org/debian sid main" >"$APT/sources.list"
  log "reading Debian sid's package lists into $APT (once; the system's apt state is untouched)"
  aptsid update -qq >>"$LOG" 2>&1 || { log "apt-get update for Debian sid failed, see $LOG"; exit 1; }
  rm -f "$DIR"/debs/victoria-metrics_*.deb
  (cd "$DIR/debs" && aptsid download -qq victoria-metrics >>"$LOG" 2>&1) \
    || { log "apt-get download victoria-metrics (Debian sid) failed, see $LOG"; exit 1; }
  dpkg-deb -x "$DIR"/debs/victoria-metrics_*.deb "$DIR/root" || { log "dpkg-deb -x of victoria-metrics failed (see $DIR/debs)"; exit 1; }
  log "$(basename "$DIR"/debs/victoria-metrics_*.deb) unpacked into $DIR/root"
fi
# A static Go binary: it must run here. Debian's build prints an empty -version (no version linked in), so the
# package's version is what is said.
out=$("$BIN" -version 2>&1) || { log "$BIN does not run here: $out"; exit 1; }
log "VictoriaMetrics from $(basename "$(ls "$DIR"/debs/victoria-metrics_*.deb 2>/dev/null | head -1)")"
echo "$BIN"
