// CLI parity for headless machines: optivolt stack up / status / logs / down against the real Docker engine.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
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

  it('up starts Prometheus and prints its URL; the Grafana password file is private', () => {
    const r = run(['up']);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /prometheus\s+running\s+http:\/\/127\.0\.0\.1:\d+/, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
    const st = fs.statSync(path.join(home, 'config/optivolt/grafana-password'));
    assert.equal(st.mode & 0o777, 0o600);
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
