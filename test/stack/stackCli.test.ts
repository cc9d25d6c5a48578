// CLI parity for headless machines: optivolt stack up / status / logs / down against the real Docker engine.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Docker from 'dockerode';
import { freePort } from './prometheusProcess';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

describe('optivolt stack (CLI) on a real Docker engine', function () {
  this.timeout(120000);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-cli-home-'));
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_STATE_HOME: path.join(home, 'state') };
  let common: string[];
  const run = (args: string[]) => spawnSync(process.execPath, [CLI, 'stack', ...args, ...common], { encoding: 'utf8', env, timeout: 90000 });

  before(async () => {
    common = ['--services', 'prometheus', '--image', 'prometheus=local/prometheus:optivolt', '--pull', 'never', '--power-exporter', 'scaphandre', '--port', `prometheus=${await freePort()}`];
  });

  after(async () => {
    run(['down']);
    const docker = new Docker();
    const vols = await docker.listVolumes({ filters: JSON.stringify({ label: ['com.optivolt.project=optivolt'] }) });
    for (const v of vols.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('up starts Prometheus and prints its URL; without Grafana, no Grafana password file is made', () => {
    const r = run(['up']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /prometheus\s+running\s+http:\/\/127\.0\.0\.1:\d+/, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    // The file's mode (0600, made private again when not) is tested in test/unit/stackDeadlines.test.ts.
    assert.ok(!fs.existsSync(path.join(home, 'config/optivolt/grafana-password')));
  });

  it('status lists the service running; logs shows Prometheus\' own lines', () => {
    const s = run(['status']);
    assert.equal(s.status, 0, s.stderr);
    assert.match(s.stdout, /prometheus\s+running/);
    const l = run(['logs', 'prometheus']);
    assert.equal(l.status, 0, l.stderr);
    assert.match(l.stdout, /Server is ready to receive web requests|Starting Prometheus/);
  });

  it('down removes the containers and keeps the volumes', () => {
    const d = run(['down']);
    assert.equal(d.status, 0, d.stderr);
    assert.match(d.stdout, /1 containers removed; volumes kept/);
    assert.match(run(['status']).stdout, /prometheus\s+missing/);
  });

  it('bad usage exits 2; an absent image with --pull never exits 1 naming it', () => {
    assert.equal(spawnSync(process.execPath, [CLI, 'stack', 'bogus'], { encoding: 'utf8' }).status, 2);
    assert.equal(spawnSync(process.execPath, [CLI, 'stack', 'logs'], { encoding: 'utf8' }).status, 2);
    const r = spawnSync(process.execPath, [CLI, 'stack', 'up', '--services', 'prometheus', '--image', 'prometheus=local/absent:x', '--pull', 'never'], { encoding: 'utf8', env });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /local\/absent:x/);
  });
});

// Its own describe: no hooks that start or remove containers, so it can run beside other stack tests.
describe('optivolt stack (CLI): missing stack files with a real Docker engine up', function () {
  this.timeout(30000);

  it('names the missing --stack-dir or docker-compose.yml and says the engine answers (was: "Docker is not reachable")', () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-cli-missing-'));
    try {
      const env = { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_STATE_HOME: path.join(home, 'state') };
      const nowhere = path.join(home, 'no-such-stack');
      for (const action of ['up', 'status']) {
        const r = spawnSync(process.execPath, [CLI, 'stack', action, '--power-exporter', 'scaphandre', '--stack-dir', nowhere], { encoding: 'utf8', env, timeout: 20000 });
        assert.equal(r.status, 1, r.stderr);
        assert.ok(r.stderr.includes(`The stack folder ${nowhere} does not exist`), r.stderr);
        assert.match(r.stderr, /The Docker Engine at \S+ answers: only the stack's files are missing/);
        assert.doesNotMatch(r.stderr, /not reachable/);
      }
      const empty = path.join(home, 'empty');
      fs.mkdirSync(empty);
      const r = spawnSync(process.execPath, [CLI, 'stack', 'status', '--stack-dir', empty], { encoding: 'utf8', env, timeout: 20000 });
      assert.equal(r.status, 1, r.stderr);
      assert.ok(r.stderr.includes(`has no docker-compose.yml (looked for ${path.join(empty, 'docker-compose.yml')})`), r.stderr);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('optivolt stack (CLI): offline images, Ctrl-C and status on a real Docker engine (issue 19)', function () {
  this.timeout(120000);
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-cli-manners-'));
  const env = { ...process.env, XDG_CONFIG_HOME: path.join(home, 'config'), XDG_STATE_HOME: path.join(home, 'state') };
  const docker = new Docker();
  const ours = async (): Promise<Docker.ContainerInfo[]> => docker.listContainers({ all: true, filters: JSON.stringify({ label: ['com.optivolt.project=optivolt'] }) });

  after(async () => {
    spawnSync(process.execPath, [CLI, 'stack', 'down'], { encoding: 'utf8', env, timeout: 60000 });
    const vols = await docker.listVolumes({ filters: JSON.stringify({ label: ['com.optivolt.project=optivolt'] }) });
    for (const v of vols.Volumes ?? []) await docker.getVolume(v.Name).remove().catch(() => undefined);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('names every missing image with the commands that load it, in the CLI\'s words (was: the first one only)', () => {
    const r = spawnSync(
      process.execPath,
      [CLI, 'stack', 'up', '--services', 'prometheus,node-exporter', '--image', 'prometheus=local/absent:a', '--image', 'node-exporter=local/absent:b', '--pull', 'never', '--power-exporter', 'scaphandre'],
      { encoding: 'utf8', env, timeout: 30000 },
    );
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /2 images are missing and pulling is off \(--pull never\)/);
    for (const [svc, image] of [['prometheus', 'local/absent:a'], ['node-exporter', 'local/absent:b']]) {
      assert.ok(r.stderr.includes(`docker load -i optivolt-${svc}.tar`), r.stderr);
      assert.ok(r.stderr.includes(`docker pull ${image} && docker save -o optivolt-${svc}.tar ${image}`), r.stderr);
    }
    assert.match(r.stderr, /--image SERVICE=IMAGE/);
    assert.doesNotMatch(r.stderr, /optivolt\.stack\./);
  });

  it('Ctrl-C on `stack up` with OptiVolt\'s exporter stops the exporter and removes the containers; status shows the host exporter row, aligned; no Grafana volume', async () => {
    const volumes = async (): Promise<string[]> =>
      ((await docker.listVolumes()).Volumes ?? []).map((v) => v.Name);
    const hadGrafanaVolume = (await volumes()).includes('optivolt-grafana-data');
    const promPort = await freePort();
    const args = ['--services', 'prometheus', '--image', 'prometheus=local/prometheus:optivolt', '--pull', 'never', '--power-exporter', 'optivolt', '--exporter-port', String(await freePort()), '--port', `prometheus=${promPort}`];
    const up = spawn(process.execPath, [CLI, 'stack', 'up', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const serving = new Promise<void>((resolve, reject) => {
      up.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/keep it running/.test(stderr)) resolve();
      });
      up.once('close', (code) => reject(new Error(`stack up ended (${code}) before serving:\n${stderr}`)));
    });
    await serving;
    const closed = new Promise<number | null>((resolve) => up.once('close', resolve));

    const st = spawnSync(process.execPath, [CLI, 'stack', 'status', ...args], { encoding: 'utf8', env, timeout: 30000 });
    assert.equal(st.status, 0, st.stderr);
    const lines = st.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^SERVICE\s+STATE\s+HEALTH\s+ADDRESS$/);
    assert.match(st.stdout, /^prometheus\s+running\s+/m);
    assert.match(st.stdout, /^optivolt-exporter \(host\)\s+running\s+\S+:\d+$/m);
    const col = lines[0].indexOf('STATE');
    for (const l of lines.slice(1)) assert.match(l.slice(col), /^running/, st.stdout);

    up.kill('SIGINT');
    assert.equal(await closed, 0, stderr);
    assert.match(stderr, /SIGINT: stopping OptiVolt's exporter and the stack's containers/);
    assert.match(stderr, /stopped OptiVolt's exporter; 1 containers removed; volumes kept/);
    assert.deepEqual(await ours(), [], 'nothing of the stack left running');
    assert.ok((await volumes()).includes('optivolt-prometheus-data'), 'the measurements are kept');
    // --services prometheus: no Grafana volume made (one left by an earlier run on this engine is not ours to judge).
    if (!hadGrafanaVolume) assert.ok(!(await volumes()).includes('optivolt-grafana-data'));
  });
});
