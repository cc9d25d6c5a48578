// Runs the harness's provisioning scripts (provision-docker.sh, provision-prometheus.sh, provision-victoriametrics.sh,
// provision-nginx.sh, provision-host.sh) in a clean environment, and turns their failures into one readable line instead of a stack trace.
//
// Why a clean environment: `npm test` runs the harness inside npm, which exports its own state as npm_config_*,
// npm_lifecycle_*, npm_package_* ... and prepends node_modules/.bin to PATH. An `npm install` run by a
// provisioning script reads those variables as its own configuration. code-server's postinstall.sh takes the
// Node major version from $npm_config_user_agent, so the outer npm's "node/v20" made the install of code-server
// (which builds against Node 24) fail under `npm test` while it passed by hand.
//
// Usage: node test/harness/provision.js docker|prometheus|victoriametrics|pytest|nginx|host [ARGS...]   prints the script's answer on stdout.
const { spawnSync } = require('child_process');
const path = require('path');

const SCRIPTS = {
  docker: { file: 'provision-docker.sh', what: 'the Docker engine and its local images' },
  prometheus: { file: 'provision-prometheus.sh', what: "Debian's prometheus binaries" },
  victoriametrics: { file: 'provision-victoriametrics.sh', what: "Debian's victoria-metrics binary (sid)" },
  pytest: { file: 'provision-pytest.sh', what: "Debian's python3-pytest (when python3 has no pytest)" },
  nginx: { file: 'provision-nginx.sh', what: "Debian's nginx binary (a reverse proxy enforcing auth in front of Prometheus)" },
  host: { file: 'provision-host.sh', what: "the host tier's tools (code-server, Node 24, playwright-core, chromium)" },
};

/** Variables npm sets for the scripts it runs, besides the npm_* family. */
// (@npmcli/config lib/set-envs.js; EDITOR and NODE_OPTIONS are set there only when npm's config names them, and
// are then the user's own choice, so they stay.)
const NPM_RUN_VARS = new Set(['INIT_CWD', 'NODE', 'COLOR']);

/**
 * The environment with everything an outer npm put there removed: every npm_* variable (any case, so
 * NPM_CONFIG_* too), the few npm-run variables without that prefix, and the PATH entries npm prepends
 * (node_modules/.bin folders and npm's node-gyp-bin). What the user set outside npm stays.
 * @param {NodeJS.ProcessEnv} env
 */
function cleanNpmEnv(env = process.env) {
  /** @type {NodeJS.ProcessEnv} */
  const out = {};
  for (const [key, value] of Object.entries(env)) {
    if (value === undefined || /^npm_/i.test(key) || NPM_RUN_VARS.has(key)) continue;
    out[key] = value;
  }
  if (out.PATH) {
    out.PATH = out.PATH.split(path.delimiter)
      .filter((dir) => dir && !/[\\/]node_modules[\\/]\.bin[\\/]?$/.test(dir) && !/[\\/]node-gyp-bin[\\/]?$/.test(dir))
      .join(path.delimiter);
  }
  return out;
}

class ProvisionError extends Error {
  name = 'ProvisionError';
}

/**
 * Runs one provisioning script with a clean npm environment; its progress goes to stderr, its answer (last
 * stdout line trimmed) is returned. Throws a ProvisionError naming the step when the script fails.
 * @param {string} name a key of SCRIPTS, or a label when `script` is given
 * @param {string[]} [args]
 * @param {{ script?: string, env?: NodeJS.ProcessEnv }} [options]
 */
function runStep(name, args = [], options = {}) {
  const known = SCRIPTS[name];
  const script = options.script ?? (known && path.join(__dirname, known.file));
  if (!script) throw new ProvisionError(`unknown provisioning step "${name}"`);
  const res = spawnSync('bash', [script, ...args], {
    env: cleanNpmEnv(options.env ?? process.env),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (res.error) throw new ProvisionError(`provisioning ${known ? known.what : name}: cannot run bash ${script}: ${res.error.message}`);
  if (res.status !== 0) {
    const how = res.signal ? `was killed by ${res.signal}` : `exited with ${res.status}`;
    throw new ProvisionError(
      `provisioning ${known ? known.what : name} failed: ${path.basename(script)} ${how} (its [provision] lines above say which step and where its log is)`,
    );
  }
  return res.stdout.trim();
}

module.exports = { cleanNpmEnv, runStep, ProvisionError, SCRIPTS };

if (require.main === module) {
  const [name, ...args] = process.argv.slice(2);
  if (!SCRIPTS[name]) {
    console.error(`usage: node test/harness/provision.js ${Object.keys(SCRIPTS).join('|')} [ARGS...]`);
    process.exit(2);
  }
  try {
    const out = runStep(name, args);
    if (out) console.log(out);
  } catch (err) {
    console.error(`[provision] ${err.message}`);
    process.exit(1);
  }
}
