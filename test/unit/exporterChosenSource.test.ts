// `optivolt exporter --source rapl` on a host without RAPL (issue 19) used to run forever serving no power: now it
// ends at once with the reason (exit 1, like `sample`). What already held is kept: auto falls back to the estimate,
// and a source that worked and then fails is said once while the exporter keeps serving, without the power series.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { PowercapTree, twoPackageTree } from '../fixtures/powercapTree';
import { until } from '../fixtures/until';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

function exporter(args: string[]): {
  err: () => string;
  exitCode: () => number | null;
  exited: Promise<number | null>;
  kill: () => Promise<void>;
} {
  const child = spawn(process.execPath, [CLI, 'exporter', '--port', '0', '--interval', '500', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return {
    err: () => stderr,
    exitCode: () => child.exitCode,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

function metrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

const HOST_POWER = /^scaph_host_power_microwatts[{ ]/m;

const portOf = (stderr: string): number | undefined => {
  const m = /exporter serving http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(stderr);
  return m ? Number(m[1]) : undefined;
};

describe('CLI: optivolt exporter with a chosen source that gives no power (dist/cli.js)', function () {
  this.timeout(20000);
  const dirs: string[] = [];
  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  it('--source rapl without a powercap tree: exit 1 within a few seconds, the reason said once', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-norapl-'));
    dirs.push(dir);
    const run = exporter(['--source', 'rapl', '--powercap-root', path.join(dir, 'none')]);
    const t0 = Date.now();
    const killer = setTimeout(() => void run.kill(), 10000);
    const code = await run.exited;
    clearTimeout(killer);
    assert.equal(code, 1, run.err());
    assert.ok(Date.now() - t0 < 5000, `${Date.now() - t0} ms`);
    const reasons = run
      .err()
      .split('\n')
      .filter((l) => /No powercap tree at/.test(l));
    assert.equal(reasons.length, 1, run.err());
    assert.match(run.err(), /no power source: --source rapl gives none here, so the exporter stops/);
    assert.doesNotMatch(run.err(), /\n\s+at /);
  });

  it('auto without RAPL keeps what held: serves the labelled estimate', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-norapl-'));
    dirs.push(dir);
    const run = exporter(['--powercap-root', path.join(dir, 'none')]);
    try {
      const port = await until(8000, () => portOf(run.err()), run.err);
      const body = await until(8000, async () => ((await metrics(port)).includes('value_source="estimate"') ? 'ok' : undefined), run.err);
      assert.equal(body, 'ok');
    } finally {
      await run.kill();
    }
  });

  it('--source rapl that worked, then fails: said once, still serving, host power left out', async () => {
    const tree: PowercapTree = twoPackageTree();
    const timer = setInterval(() => {
      for (const id of ['intel-rapl:0', 'intel-rapl:1']) {
        const tmp = `${tree.energyFile(id)}.tmp`;
        fs.writeFileSync(tmp, `${tree.readEnergy(id) + 500000}\n`);
        fs.renameSync(tmp, tree.energyFile(id));
      }
    }, 100);
    const run = exporter(['--source', 'rapl', '--powercap-root', tree.root]);
    try {
      const port = await until(8000, () => portOf(run.err()), run.err);
      await until(8000, async () => (HOST_POWER.test(await metrics(port)) ? true : undefined), run.err);
      clearInterval(timer);
      fs.rmSync(tree.root, { recursive: true, force: true }); // RAPL gone, as when a module is unloaded
      await until(8000, async () => (!HOST_POWER.test(await metrics(port)) ? true : undefined), run.err);
      const first = Date.now();
      // Repeats can only be seen as absent over time: a few of the CLI's one-second status checks.
      await until(5000, () => (Date.now() - first > 2500 ? true : undefined), run.err);
      assert.equal(
        run
          .err()
          .split('\n')
          .filter((l) => /No powercap tree at/.test(l)).length,
        1,
        run.err(),
      );
      assert.equal(run.exitCode(), null, 'still running');
      assert.ok((await metrics(port)).length > 0, 'still serving');
    } finally {
      clearInterval(timer);
      await run.kill();
      tree.dispose();
    }
  });
});
