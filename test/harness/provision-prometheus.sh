#!/usr/bin/env bash
# Provision real Prometheus and node-exporter binaries for the stack tier, once, from Debian's packages (no
# registry, no install): apt-get download + dpkg-deb -x into the cache.
#
# Usage: provision-prometheus.sh        -> prints the path of Prometheus 3.5 LTS (Debian sid's `prometheus`, the line
#                                          the stack pins); promtool, prometheus-node-exporter and
#                                          prometheus-pushgateway are beside it.
#        provision-prometheus.sh 2.42   -> prints the path of Debian bookworm's Prometheus 2.42, kept for the tests
#                                          that compare the PromQL checker (tuned to 2.42) with a real parser.
#        provision-prometheus.sh 2.53   -> prints the path of Debian trixie's Prometheus 2.53, a second real parser
#                                          for the per-version PromQL agreement test.
#
# Sid's binaries are static Go programs needing only libc, so they run on bookworm. They are fetched with a private
# apt state in the cache (its own sources.list, lists and archives): the system's apt configuration is not touched.
set -euo pipefail
CACHE=${OPTIVOLT_CACHE:-$HOME/.cache/optivolt}
LOG="$CACHE/apt.log"
log() { echo "[provision] $*" >&2; }
mkdir -p "$CACHE"

# Bookworm's 2.42, from the system's own apt sources (the machine is bookworm).
if [ "${1:-}" = 2.42 ]; then
  DIR="$CACHE/prometheus-deb"
  mkdir -p "$DIR/debs" "$DIR/root"
  if [ ! -x "$DIR/root/usr/bin/prometheus" ]; then
    log "fetching Debian bookworm's prometheus package (2.42) into $DIR (once)"
    (cd "$DIR/debs" && apt-get download -qq prometheus >>"$LOG" 2>&1) \
      || { [ "$(id -u)" = 0 ] && apt-get update -qq >>"$LOG" 2>&1 && (cd "$DIR/debs" && apt-get download -qq prometheus >>"$LOG" 2>&1); } \
      || { log "apt-get download prometheus (bookworm) failed, see $LOG"; exit 1; }
    dpkg-deb -x "$DIR"/debs/prometheus_*.deb "$DIR/root"
  fi
  v=$("$DIR/root/usr/bin/prometheus" --version 2>&1 | head -1) || { log "$DIR/root/usr/bin/prometheus does not run: $v"; exit 1; }
  case "$v" in *"version 2.42."*) ;; *) log "expected Prometheus 2.42 from bookworm, got: $v (the PromQL agreement tests are tuned to 2.42)";; esac
  echo "$DIR/root/usr/bin/prometheus"
  exit 0
fi

# Trixie's 2.53, with its own private apt state (like sid's below): only the prometheus package.
if [ "${1:-}" = 2.53 ]; then
  DIR="$CACHE/prometheus-trixie"
  APT="$DIR/apt"
  if [ ! -x "$DIR/root/usr/bin/prometheus" ]; then
    mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$DIR/debs" "$DIR/root"
    echo "deb http://deb.debian.org/debian trixie main" >"$APT/sources.list"
    apttrixie() {
      apt-get -o Dir::Etc::sourcelist="$APT/sources.list" -o Dir::Etc::sourceparts=/dev/null -o Dir::State::lists="$APT/lists" \
        -o Dir::Cache="$APT/cache" -o Debug::NoLocking=1 "$@"
    }
    log "fetching Debian trixie's prometheus package (2.53) into $DIR (once; the system's apt state is untouched)"
    apttrixie update -qq >>"$LOG" 2>&1 || { log "apt-get update for Debian trixie failed, see $LOG"; exit 1; }
    rm -f "$DIR"/debs/prometheus_*.deb
    (cd "$DIR/debs" && apttrixie download -qq prometheus >>"$LOG" 2>&1) \
      || { log "apt-get download prometheus (Debian trixie) failed, see $LOG"; exit 1; }
    dpkg-deb -x "$DIR"/debs/prometheus_*.deb "$DIR/root" || { log "dpkg-deb -x of prometheus (trixie) failed"; exit 1; }
  fi
  v=$("$DIR/root/usr/bin/prometheus" --version 2>&1 | head -1) || { log "$DIR/root/usr/bin/prometheus does not run here: $v"; exit 1; }
  case "$v" in *"version 2.53."*) ;; *) log "expected Prometheus 2.53 from trixie, got: $v (the agreement test reads the version from buildinfo anyway)";; esac
  echo "$DIR/root/usr/bin/prometheus"
  exit 0
fi

# Prometheus 3.5 LTS and node-exporter from Debian sid.
DIR="$CACHE/prometheus-sid"
APT="$DIR/apt"
aptsid() { # apt-get arguments, with the private sid state
  apt-get -o Dir::Etc::sourcelist="$APT/sources.list" -o Dir::Etc::sourceparts=/dev/null -o Dir::State::lists="$APT/lists" \
    -o Dir::Cache="$APT/cache" -o Debug::NoLocking=1 "$@"
}
fetch() { # package name
  rm -f "$DIR"/debs/"$1"_*.deb
  (cd "$DIR/debs" && aptsid download -qq "$1" >>"$LOG" 2>&1) \
    || { log "apt-get download $1 (Debian sid) failed, see $LOG"; exit 1; }
  dpkg-deb -x "$DIR"/debs/"$1"_*.deb "$DIR/root" || { log "dpkg-deb -x of $1 failed (see $DIR/debs)"; exit 1; }
  log "$(basename "$DIR"/debs/"$1"_*.deb) unpacked into $DIR/root"
}
# Sid ships promtool as its own package (bookworm had it inside `prometheus`).
# prometheus-pushgateway: the Pushgateway that `optivolt measure/profile --push` feeds (history across machines).
if [ ! -x "$DIR/root/usr/bin/prometheus" ] || [ ! -x "$DIR/root/usr/bin/promtool" ] || [ ! -x "$DIR/root/usr/bin/prometheus-node-exporter" ] \
  || [ ! -x "$DIR/root/usr/bin/prometheus-pushgateway" ]; then
  mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$DIR/debs" "$DIR/root"
  echo "deb http://deb.debian.org/debian sid main" >"$APT/sources.list"
  log "reading Debian sid's package lists into $APT (once; the system's apt state is untouched)"
  aptsid update -qq >>"$LOG" 2>&1 || { log "apt-get update for Debian sid failed, see $LOG"; exit 1; }
  [ -x "$DIR/root/usr/bin/prometheus" ] || fetch prometheus
  [ -x "$DIR/root/usr/bin/promtool" ] || fetch promtool
  [ -x "$DIR/root/usr/bin/prometheus-node-exporter" ] || fetch prometheus-node-exporter
  [ -x "$DIR/root/usr/bin/prometheus-pushgateway" ] || fetch prometheus-pushgateway
fi
# Sid moves: whichever revision it had is fine, but the stack pins the 3.5 LTS line, so say so when it is not 3.5.
v=$("$DIR/root/usr/bin/prometheus" --version 2>&1 | head -1) || { log "$DIR/root/usr/bin/prometheus does not run here: $v"; exit 1; }
case "$v" in
  *"version 3.5."*) ;;
  *) log "WARNING: Debian sid's prometheus is not on the 3.5 LTS line the stack pins ($v); tests run against it anyway." \
       "Delete $DIR to fetch again." ;;
esac
"$DIR/root/usr/bin/promtool" --version >/dev/null 2>&1 || { log "$DIR/root/usr/bin/promtool does not run here"; exit 1; }
echo "$DIR/root/usr/bin/prometheus"
