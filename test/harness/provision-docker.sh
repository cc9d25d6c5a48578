#!/usr/bin/env bash
# Provision a real Docker engine for the stack tier, offline: Debian's docker.io, a dockerd started by hand
# (no systemd here) and a local busybox image imported from Debian's busybox-static (no registry pull, ever).
# Usage: provision-docker.sh            -> prints "started <pid>" if it started dockerd, "running" if one was up
#        provision-docker.sh stop PID   -> stops the dockerd it started
set -euo pipefail
CACHE=${OPTIVOLT_CACHE:-$HOME/.cache/optivolt}
W="$CACHE/docker"
mkdir -p "$W"
log() { echo "[provision] $*" >&2; }

if [ "${1:-}" = stop ]; then
  P=${2:?pid}
  kill -TERM "$P" 2>/dev/null || exit 0
  for _ in $(seq 100); do kill -0 "$P" 2>/dev/null || break; sleep 0.1; done
  umount /run/docker/netns/default 2>/dev/null || true
  ip link del docker0 2>/dev/null || true
  exit 0
fi

if ! command -v dockerd >/dev/null; then
  [ "$(id -u)" = 0 ] || { log "dockerd missing: install Debian's docker.io (apt-get install docker.io)"; exit 1; }
  log "apt-get install docker.io (once)"
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends docker.io; } >>"$CACHE/apt.log" 2>&1 \
    || { log "apt-get failed, see $CACHE/apt.log"; exit 1; }
fi

state=running
if ! docker info >/dev/null 2>&1; then
  [ "$(id -u)" = 0 ] || { log "no Docker engine answers and only root can start one here"; exit 1; }
  setsid /usr/sbin/dockerd >"$W/dockerd.log" 2>&1 </dev/null &
  state="started $!"
  for _ in $(seq 150); do docker info >/dev/null 2>&1 && break; sleep 0.2; done
  docker info >/dev/null 2>&1 || { log "dockerd did not start within 30 s: see $W/dockerd.log"; kill "${state#started }" 2>/dev/null; exit 1; }
fi

if ! docker image inspect local/busybox:optivolt >/dev/null 2>&1; then
  log "importing local/busybox:optivolt from Debian's busybox-static (once)"
  rm -rf "$W/bb"; mkdir -p "$W/bb/debs" "$W/bb/root"
  # apt-get download needs package lists; a fresh machine may have none: update once, then retry.
  (cd "$W/bb/debs" && apt-get download -qq busybox-static >>"$CACHE/apt.log" 2>&1) \
    || { [ "$(id -u)" = 0 ] && apt-get update -qq >>"$CACHE/apt.log" 2>&1 && (cd "$W/bb/debs" && apt-get download -qq busybox-static >>"$CACHE/apt.log" 2>&1); } \
    || { log "apt-get download busybox-static failed: see $CACHE/apt.log (Debian's mirrors must be reachable)"; exit 1; }
  dpkg-deb -x "$W"/bb/debs/busybox-static_*.deb "$W/bb/root"
  mkdir -p "$W/bb/rootfs/bin"
  cp "$W/bb/root/bin/busybox" "$W/bb/rootfs/bin/busybox"
  for a in sh sleep cat echo; do ln -sf busybox "$W/bb/rootfs/bin/$a"; done
  tar -C "$W/bb/rootfs" -c . | docker import -c 'ENTRYPOINT ["/bin/busybox"]' -c 'CMD ["sh"]' - local/busybox:optivolt >/dev/null
fi
# Prometheus and node-exporter images from Debian's binaries (the stack tier runs them as the stack's images): the
# Prometheus 3.5 LTS and node-exporter that provision-prometheus.sh takes from Debian sid. Each image is labelled with
# the binary's version, and imported again when the provisioned binary differs (e.g. an image left by the 2.42 days).
import_bin() { # image tag, binary name in the Debian root
  local bin root version
  bin=$(bash "$(dirname "$0")/provision-prometheus.sh") || { log "no Prometheus binaries for $1 (see the [provision] lines above)"; exit 1; }
  root=$(dirname "$(dirname "$(dirname "$bin")")")
  version=$("$root/usr/bin/$2" --version 2>&1 | head -1)
  [ "$(docker image inspect -f '{{ index .Config.Labels "org.optivolt.version" }}' "$1" 2>/dev/null)" = "$version" ] && return 0
  log "importing $1 from Debian's $2 ($version)"
  rm -rf "$W/img"; mkdir -p "$W/img/usr/bin" "$W/img/lib/x86_64-linux-gnu" "$W/img/lib64" "$W/img/etc/prometheus" "$W/img/prometheus" "$W/img/tmp"
  cp "$root/usr/bin/$2" "$W/img/usr/bin/$2"
  cp -L /lib/x86_64-linux-gnu/libc.so.6 "$W/img/lib/x86_64-linux-gnu/"
  cp -L /lib64/ld-linux-x86-64.so.2 "$W/img/lib64/"
  chmod 1777 "$W/img/tmp"; chmod 777 "$W/img/prometheus"
  tar -C "$W/img" -c . | docker import -c "ENTRYPOINT [\"/usr/bin/$2\"]" -c "LABEL org.optivolt.version=\"$version\"" - "$1" >/dev/null \
    || { log "docker import of $1 failed (see $W/dockerd.log if this script started dockerd)"; exit 1; }
}
import_bin local/prometheus:optivolt prometheus
import_bin local/node-exporter:optivolt prometheus-node-exporter
echo "$state"
