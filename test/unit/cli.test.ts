// The built CLI (dist/cli.js) run as a child process: JSON and text output, RAPL from a fixture tree, bad arguments.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { twoPackageTree } from '../fixtures/powercapTree';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

function run(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 10000 });
}
const linesOf = (s: string): string[] => s.split('\n').filter((l) => l !== '');

interface JsonSample {
  time: string;
  watts: number;
  source: string;
  estimated: boolean;
  zones: Record<string, number>;
}

function parseJsonLine(line: string): JsonSample {
  const o = JSON.parse(line) as JsonSample;
  assert.deepEqual(Object.keys(o).sort(), ['estimated', 'source', 'time', 'watts', 'zones'], line);
  assert.match(o.time, ISO);
  assert.equal(new Date(o.time).toISOString(), o.time);
  assert.equal(typeof o.watts, 'number');
  assert.ok(Number.isFinite(o.watts) && o.watts >= 0, line);
  assert.equal(typeof o.zones, 'object');
  assert.ok(o.zones !== null && !Array.isArray(o.zones), line);
  return o;
}

async function closedPort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('CLI (dist/cli.js)', function () {
  this.timeout(15000);

  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });

  it('sample --source estimate --json prints one JSON object per sample', () => {
    const r = run(['sample', '--source', 'estimate', '--count', '2', '--interval', '500', '--json']);
    assert.equal(r.status, 0, r.stderr);
    const lines = linesOf(r.stdout);
    assert.equal(lines.length, 2, r.stdout);
    const samples = lines.map(parseJsonLine);
    for (const s of samples) {
      assert.equal(s.source, 'estimate');
      assert.equal(s.estimated, true);
      assert.deepEqual(Object.keys(s.zones), ['cpu']);
      assert.equal(s.zones.cpu, s.watts);
    }
    assert.ok(Date.parse(samples[1].time) > Date.parse(samples[0].time));
    assert.match(r.stderr, /ESTIMATE/);
  });

  it('plain text lines: ISO time, then Watts with " W"', () => {
    const r = run(['sample', '--source', 'estimate', '--count', '1', '--interval', '500']);
    assert.equal(r.status, 0, r.stderr);
    const lines = linesOf(r.stdout);
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z {2}≈ *\d+\.\d W {2}estimate {2}estimate: Teads curve, TDP \d+ W, CPU \d+%$/,
    );
  });

  it('sample --source rapl reads a powercap tree whose counters advance', async () => {
    const tree = twoPackageTree();
    const child = spawn(process.execPath, [
      CLI,
      'sample',
      '--source',
      'rapl',
      '--powercap-root',
      tree.root,
      '--count',
      '2',
      '--interval',
      '500',
      '--json',
    ]);
    // Advance atomically (write + rename) so the child never reads a half-written counter.
    const advance = (id: string, joules: number): void => {
      const next = tree.readEnergy(id) + Math.round(joules * 1e6);
      const tmp = `${tree.energyFile(id)}.tmp`;
      fs.writeFileSync(tmp, `${next}\n`);
      fs.renameSync(tmp, tree.energyFile(id));
    };
    const timer = setInterval(() => {
      advance('intel-rapl:0', 1); // ~10 W
      advance('intel-rapl:0:1', 0.2); // ~2 W
      advance('intel-rapl:1', 1); // ~10 W
    }, 100);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    try {
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, stderr);
    } finally {
      clearInterval(timer);
      if (child.exitCode === null) child.kill();
      tree.dispose();
    }
    const samples = linesOf(stdout).map(parseJsonLine);
    assert.equal(samples.length, 2, stdout);
    for (const s of samples) {
      assert.equal(s.source, 'rapl');
      assert.equal(s.estimated, false);
      for (const z of ['package-0', 'package-0/dram', 'package-1'])
        assert.equal(typeof s.zones[z], 'number', `zone ${z} in ${JSON.stringify(s.zones)}`);
      assert.ok(s.watts >= 10 && s.watts <= 30, `about 20 W, got ${s.watts}`);
      assert.ok(
        Math.abs(s.watts - (s.zones['package-0'] + s.zones['package-1'] + s.zones['package-0/dram'])) < 1e-9,
        'total = packages + DRAM',
      );
    }
    assert.match(stderr, /RAPL/);
  });

  const badArgs: string[][] = [
    ['sample', '--source', 'foo'],
    ['sample', '--interval', '100'],
    ['sample', '--count', '0'],
    ['sample', '--bogus'],
    ['sample', '--prometheus-url', 'ftp://127.0.0.1:9090'],
    ['frobnicate'],
  ];
  for (const args of badArgs) {
    it(`${args.join(' ')} => exit 2 and one "optivolt:" line on stderr`, () => {
      const r = run(args);
      assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
      const err = linesOf(r.stderr);
      assert.equal(err.length, 1, r.stderr);
      assert.ok(err[0].startsWith('optivolt:'), err[0]);
      assert.equal(r.stdout, '');
    });
  }

  it('--help prints the usage and exits 0', () => {
    const r = run(['sample', '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /^Usage: optivolt sample/);
    assert.equal(r.stderr, '');
  });

  it('--source rapl with a missing tree exits 1 naming the folder', () => {
    const missing = path.join(os.tmpdir(), `optivolt-no-such-powercap-${process.pid}`);
    const r = run(['sample', '--source', 'rapl', '--powercap-root', missing, '--count', '1', '--interval', '500']);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stderr.includes(missing), r.stderr);
    assert.ok(
      linesOf(r.stderr).every((l) => l.startsWith('optivolt:')),
      r.stderr,
    );
    assert.equal(r.stdout, '');
  });

  it('auto without RAPL or Prometheus uses the estimate and says so', async () => {
    const port = await closedPort();
    const args = ['sample', '--count', '2', '--interval', '500', '--prometheus-url', `http://127.0.0.1:${port}`];
    // This machine has no powercap tree; elsewhere, point RAPL at a folder that does not exist.
    if (fs.existsSync('/sys/class/powercap')) args.push('--powercap-root', path.join(os.tmpdir(), `optivolt-none-${process.pid}`));
    const r = run(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Using the CPU-load estimate/);
    assert.match(r.stderr, /ESTIMATE/);
    assert.match(r.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
    const lines = linesOf(r.stdout);
    assert.equal(lines.length, 2, r.stdout);
    for (const l of lines) {
      assert.ok(l.includes('≈'), l);
      assert.match(l, /^\S+Z {2}≈ *\d+\.\d W {2}estimate {2}/);
    }
  });
});
