// The stack's first button and the CLI's manners (issue 19): no Docker is said first, whichever power exporter is
// chosen (not "OptiVolt's exporter cannot start on 172.17.0.1"); `stack delete-data` asks on a terminal and wants
// --yes elsewhere; bad values are named by their flag; `--services prometheus` leaves no Grafana password; status
// columns are as wide as their cells.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { table } from '../../src/cli/stack';
import { readSettings } from '../../src/core/settings';
import { StackError } from '../../src/core/stack/composePlan';
import { StackLifecycle, stackOptionsFrom } from '../../src/core/stack/stackLifecycle';
import { CLI_FLAGS, SETTING_NAMES } from '../../src/core/stack/optionNames';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const STACK = path.resolve(__dirname, '../../../stack');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The built CLI, stdin not a terminal (a pipe that is closed at once). */
function cli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'stack', ...args], { env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end();
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe("stack: no Docker, and the CLI's manners", function () {
  this.timeout(15000);
  let dir: string;
  let env: NodeJS.ProcessEnv;
  let nowhere: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-manners-'));
    nowhere = path.join(dir, 'no-docker.sock');
    env = { DOCKER_HOST: `unix://${nowhere}`, XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_STATE_HOME: path.join(dir, 'state') };
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('no Docker (a socket path that does not exist): the core says "Docker is not reachable" with the fix, before any exporter starts', async () => {
    for (const powerExporter of ['optivolt', 'auto', 'scaphandre']) {
      const s = readSettings((k) =>
        k === 'stack.powerExporter' ? powerExporter : k === 'power.powercapRoot' ? path.join(dir, 'no-powercap') : undefined,
      ).settings;
      const stack = new StackLifecycle({
        docker: new Docker({ socketPath: nowhere }),
        stackDir: STACK,
        stateDir: path.join(dir, 'state'),
        ...stackOptionsFrom(s),
        grafanaPassword: 'pw',
      });
      await assert.rejects(stack.start(), (e: unknown) => {
        assert.ok(e instanceof StackError, String(e));
        assert.match(
          e.message,
          new RegExp(`^Docker is not reachable: no Docker Engine answers at unix://${nowhere} \\(ENOENT\\)\\. Start Docker`),
        );
        return true;
      });
      assert.equal(stack.exporterRunning, false, powerExporter);
    }
  });

  it('no Docker through the CLI: one line naming the engine and the fix, exit 1, whatever the power exporter', async () => {
    for (const pe of ['optivolt', 'auto']) {
      const r = await cli(['up', '--power-exporter', pe, '--services', 'prometheus'], env);
      assert.equal(r.status, 1, r.stderr);
      assert.match(
        r.stderr,
        /^optivolt: Docker is not reachable: no Docker Engine answers at unix:\/\/\S+ \(ENOENT\)\. Start Docker \(or set DOCKER_HOST\), then try again\.\n$/,
      );
      assert.doesNotMatch(r.stderr, /exporter cannot start/);
    }
  });

  it('delete-data off a terminal without --yes: one line naming --yes, exit 2, Docker never asked', async () => {
    const r = await cli(['delete-data'], env);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, /^optivolt: stack delete-data removes the stored measurements .*: add --yes to confirm\n$/);
    // With --yes it goes on (and meets the absent engine).
    const yes = await cli(['delete-data', '--yes'], env);
    assert.equal(yes.status, 1);
    assert.match(yes.stderr, /Docker is not reachable/);
  });

  it('delete-data on a terminal asks y/N; anything but y deletes nothing', function () {
    // `script` gives the CLI a pseudo-terminal for stdin and stderr, as a user's shell does.
    if (spawnSync('script', ['--version']).status !== 0) return this.skip();
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} stack delete-data`;
    const no = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      input: 'n\n',
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 10000,
    });
    assert.match(no.stdout, /Delete the monitoring stack's stored measurements .*\? \[y\/N\]/);
    assert.match(no.stdout, /optivolt: nothing deleted\./);
    assert.equal(no.status, 1);
    const yes = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      input: 'y\n',
      encoding: 'utf8',
      env: { ...process.env, ...env },
      timeout: 10000,
    });
    assert.match(yes.stdout, /Docker is not reachable/, 'answered y: it went on to the engine');
  });

  it('bad values are named by their flag, without "using X", exit 2 (was: --powerExporter ... using "auto")', async () => {
    const r = await cli(['up', '--power-exporter', 'foo'], env);
    assert.equal(r.status, 2);
    assert.equal(r.stderr, 'optivolt: --power-exporter must be one of auto, scaphandre, optivolt (got "foo")\n');
    const p = await cli(['up', '--exporter-port', 'abc'], env);
    assert.equal(p.status, 2);
    assert.match(p.stderr, /^optivolt: --exporter-port .*\(got "abc"\)\n$/);
    const n = await cli(['up', '--exporter-port', '-5'], env);
    assert.equal(n.status, 2);
    assert.match(n.stderr, /^optivolt: --exporter-port .*\(got -5\)\n$/, 'a negative number is named, not "ambiguous"');
  });

  it('--services prometheus creates no Grafana password file', async () => {
    await cli(['up', '--services', 'prometheus', '--power-exporter', 'scaphandre'], env);
    assert.ok(!fs.existsSync(path.join(dir, 'config', 'optivolt', 'grafana-password')));
    await cli(['up', '--services', 'prometheus,grafana', '--power-exporter', 'scaphandre'], env);
    assert.ok(fs.existsSync(path.join(dir, 'config', 'optivolt', 'grafana-password')), 'with Grafana: created');
  });

  it('status columns are as wide as their widest cell', () => {
    const out = table([
      ['SERVICE', 'STATE', 'HEALTH', 'ADDRESS'],
      ['prometheus', 'running', 'healthy', '127.0.0.1:9090'],
      ['node-exporter', 'missing', '', '127.0.0.1:9100'],
      ['optivolt-exporter (host)', 'running', '', '172.17.0.1:8080'],
    ]);
    const lines = out.trimEnd().split('\n');
    for (const word of ['STATE', 'ADDRESS']) {
      const col = lines[0].indexOf(word);
      for (const l of lines.slice(1)) assert.match(l.slice(col), /^\S/, `${word} column in:\n${out}`);
      for (const l of lines.slice(1)) assert.equal(l[col - 1], ' ', out);
    }
  });

  it('each surface names options its own way', () => {
    assert.equal(SETTING_NAMES.option('pull', 'never'), 'optivolt.stack.pull = never');
    assert.equal(CLI_FLAGS.option('pull', 'never'), '--pull never');
    assert.equal(CLI_FLAGS.option('images'), '--image SERVICE=IMAGE');
  });
});
