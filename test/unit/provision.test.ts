// The harness provisions its tools (code-server, Node 24, Docker images) from inside `npm test`. An outer npm
// exports its state as npm_config_* and npm_lifecycle_*; an inner `npm install` reads them as its own config.
// code-server's postinstall.sh takes the Node major from $npm_config_user_agent, so an outer "node/v20" made
// its install fail under `npm test` (issue 12). These tests run a real inner `npm install` of a local package
// whose postinstall does that same check, through the harness's runStep, with an outer user agent that names
// another Node version.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const root = path.resolve(__dirname, '../../..');
const harness = createRequire(__filename)(path.join(root, 'test/harness/provision.js')) as {
  cleanNpmEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv;
  runStep(name: string, args?: string[], options?: { script?: string; env?: NodeJS.ProcessEnv }): string;
  ProvisionError: new (m: string) => Error;
};

// What code-server's postinstall.sh does (code-server ci/build/npm-postinstall.sh): the Node major comes from
// $npm_config_user_agent ("npm/11.1.0 node/v20.20.2 linux x64 ..."), not from the node on PATH.
const POSTINSTALL = `#!/bin/sh
major=$(echo "$npm_config_user_agent" | sed -n 's/.*node\\/v\\([^.]*\\).*/\\1/p')
real=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" != "$real" ]; then
  echo "ERROR: tool requires node v$real. We have detected that you are on node v$major" >&2
  exit 1
fi
echo ok > installed-by-postinstall
`;

describe('provisioning runs tool installs in a clean npm environment', function () {
  this.timeout(60000);
  const realMajor = process.versions.node.split('.')[0];
  const otherMajor = String(Number(realMajor) + 4);
  let dir: string;
  let tarball: string;
  let script: string;
  // The outer npm's environment as `npm test` gives it to the harness, naming another Node version.
  let outer: NodeJS.ProcessEnv;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-provision-'));
    const pkg = path.join(dir, 'fake-tool');
    fs.mkdirSync(pkg);
    fs.writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: 'fake-tool', version: '1.0.0', scripts: { postinstall: 'sh ./postinstall.sh' } }),
    );
    fs.writeFileSync(path.join(pkg, 'postinstall.sh'), POSTINSTALL);
    const packed = execFileSync('npm', ['pack', '--silent', pkg], {
      cwd: dir,
      encoding: 'utf8',
      env: harness.cleanNpmEnv(process.env),
    }).trim();
    tarball = path.join(dir, packed.split('\n').pop()!);
    script = path.join(dir, 'provision-fake.sh');
    fs.writeFileSync(
      script,
      `set -eu\nmkdir -p "$1"\ncd "$1"\nnpm install --no-audit --no-fund --offline --loglevel=error ${JSON.stringify(tarball)} >&2\necho "$1"\n`,
    );
    outer = {
      ...process.env,
      npm_config_user_agent: `npm/11.0.0 node/v${otherMajor}.1.0 linux x64 workspaces/false`,
      npm_lifecycle_event: 'test',
      npm_lifecycle_script: 'bash test/run-all.sh',
      npm_package_name: 'optivolt',
      NPM_CONFIG_LOGLEVEL: 'silly',
      npm_execpath: '/usr/lib/node_modules/npm/bin/npm-cli.js',
      INIT_CWD: root,
      PATH: `${path.join(root, 'node_modules/.bin')}:${process.env.PATH}`,
    };
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('without cleaning, the outer user agent breaks the install (the defect this guards against)', () => {
    const res = spawnSync('bash', [script, path.join(dir, 'raw')], { env: outer, encoding: 'utf8' });
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, new RegExp(`detected that you are on node v${otherMajor}`));
  });

  it('through runStep, the same install passes and its postinstall ran', () => {
    const target = path.join(dir, 'clean');
    assert.equal(harness.runStep('fake tool', [target], { script, env: outer }), target);
    assert.equal(fs.readFileSync(path.join(target, 'node_modules/fake-tool/installed-by-postinstall'), 'utf8').trim(), 'ok');
  });

  it('cleanNpmEnv drops every npm_* / NPM_CONFIG_* variable, INIT_CWD, NODE and npm-added PATH entries, and keeps the rest', () => {
    const env = harness.cleanNpmEnv({
      ...outer,
      NODE: '/usr/bin/node',
      COLOR: '1',
      OPTIVOLT_CACHE: '/c',
      HOME: '/root',
      PATH: `/a/node_modules/.bin:/usr/lib/node_modules/npm/node_modules/@npmcli/run-script/lib/node-gyp-bin:/usr/bin:/bin`,
    });
    assert.deepEqual(
      Object.keys(env).filter((k) => /^npm_/i.test(k) || ['INIT_CWD', 'NODE', 'COLOR'].includes(k)),
      [],
    );
    assert.equal(env.PATH, '/usr/bin:/bin');
    assert.equal(env.OPTIVOLT_CACHE, '/c');
    assert.equal(env.HOME, '/root');
  });

  it('a failing step is one line naming the step and pointing at its log, not a stack trace of execFileSync', () => {
    const bad = path.join(dir, 'bad.sh');
    fs.writeFileSync(bad, 'exit 3\n');
    assert.throws(
      () => harness.runStep('a broken tool', [], { script: bad, env: outer }),
      (err: Error) =>
        err instanceof harness.ProvisionError && /^provisioning a broken tool failed: bad\.sh exited with 3/.test(err.message),
    );
  });
});
