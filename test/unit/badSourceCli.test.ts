// The built CLI (dist/cli.js) over power sources that never yield a value or yield impossible ones (issue 20): fixture
// powercap trees and a local Prometheus stand-in. `sample` and `measure` end promptly with the reason instead of
// waiting forever or printing null; auto falls back to the estimate and says why.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { SCAPH_HOST_QUERY } from '../../src/core/power/prometheusSource';
import { PowercapTree } from '../fixtures/powercapTree';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
}

/** Runs the CLI; `during` is called every 200 ms while it runs (to move a counter), killed after `timeoutMs`. */
function run(args: string[], during?: () => void, timeoutMs = 20000): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const tick = during ? setInterval(during, 200) : undefined;
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearInterval(tick);
      clearTimeout(kill);
      resolve({ status, stdout, stderr, seconds: Number(process.hrtime.bigint() - t0) / 1e9 });
    });
  });
}

describe('CLI with power sources that yield no value or impossible ones (issue 20)', function () {
  this.timeout(30000);
  const trees: PowercapTree[] = [];
  // Port 9 (discard) has no listener here: auto's Prometheus candidate fails fast with ECONNREFUSED.
  const noPrometheus = ['--prometheus-url', 'http://127.0.0.1:9'];
  /** The repro: one package whose energy_uj is "garbage". */
  const garbageTree = (): PowercapTree => {
    const t = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 'garbage' }]);
    trees.push(t);
    return t;
  };

  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });
  afterEach(() => {
    while (trees.length) trees.pop()!.dispose();
  });

  it('sample --source rapl: exit 1 at once, naming the zone and its text, nothing on stdout', async () => {
    const t = garbageTree();
    const r = await run(['sample', '--source', 'rapl', '--powercap-root', t.root, '--count', '1']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr,
      /^optivolt: no power source: RAPL at .* gives no power value: package-0: energy_uj is not a counter \("garbage"\)/m,
    );
    assert.equal(r.stdout, '');
    assert.ok(r.seconds < 5, `${r.seconds} s`);
  });

  it('sample in auto: falls back to the estimate and says why (the issue repro)', async () => {
    const t = garbageTree();
    const r = await run(['sample', '--powercap-root', t.root, '--count', '1', ...noPrometheus]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /energy_uj is not a counter \("garbage"\)\. Using the CPU-load estimate/);
    assert.equal(r.stdout.split('\n').filter(Boolean).length, 1, r.stdout);
    assert.match(r.stdout, / ≈ *\d+\.\d W {2}estimate /);
  });

  it('sample --source rapl over a counter only going backwards: exit 1 naming it, after a few intervals', async () => {
    const t = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 900_000_000 }]);
    trees.push(t);
    let energy = 900_000_000;
    const back = (): void => t.setEnergy('intel-rapl:0', (energy -= 1_000_000));
    const r = await run(['sample', '--source', 'rapl', '--powercap-root', t.root, '--interval', '500', '--count', '1'], back);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /package-0: energy_uj went backwards/);
    assert.equal(r.stdout, '');
    assert.ok(r.seconds < 10, `${r.seconds} s`);
  });

  it('sample --source rapl whose counter turns to garbage after a few samples: exit 1 with the reason, not a wait forever', async () => {
    const t = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 0 }]);
    trees.push(t);
    const t0 = Date.now();
    const advance = (): void => (Date.now() - t0 < 1500 ? t.addJoules('intel-rapl:0', 1) : t.setEnergy('intel-rapl:0', 'garbage'));
    const r = await run(['sample', '--source', 'rapl', '--powercap-root', t.root, '--interval', '500', '--count', '100'], advance);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(r.stdout.split('\n').filter(Boolean).length >= 1, r.stdout);
    assert.match(r.stderr, /^optivolt: the power source stopped working: RAPL at .* energy_uj is not a counter/m);
    assert.ok(r.seconds < 10, `${r.seconds} s`);
  });

  it('measure --source rapl: refuses before starting the command, exit 1 with the reason', async () => {
    const t = garbageTree();
    const r = await run([
      'measure',
      '--source',
      'rapl',
      '--powercap-root',
      t.root,
      '--json',
      '--',
      process.execPath,
      '-e',
      'console.log("RAN")',
    ]);
    assert.equal(r.status, 1, r.stderr);
    assert.ok(!r.stdout.includes('RAN'), 'the command must not run unmeasured');
    assert.match(r.stderr, /cannot measure .*: no power source: RAPL at .* energy_uj is not a counter \("garbage"\)/);
    assert.ok(r.seconds < 5, `${r.seconds} s`);
  });

  it('measure in auto: runs the command on the estimate and says why RAPL was not used', async () => {
    const t = garbageTree();
    const r = await run([
      'measure',
      '--powercap-root',
      t.root,
      '--baseline',
      '0',
      '--json',
      ...noPrometheus,
      '--',
      process.execPath,
      '-e',
      'console.log("RAN")',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^RAN$/m);
    assert.match(r.stderr, /RAPL not used: RAPL at .* energy_uj is not a counter/);
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string) as { source: string; estimated: boolean };
    assert.equal(summary.source, 'estimate');
    assert.equal(summary.estimated, true);
  });

  it('measure --source rapl whose counter turns to garbage mid-run: the summary says the figures stop there', async () => {
    const t = PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 0 }]);
    trees.push(t);
    const t0 = Date.now();
    const advance = (): void => (Date.now() - t0 < 1500 ? t.addJoules('intel-rapl:0', 1) : t.setEnergy('intel-rapl:0', 'garbage'));
    const args = ['measure', '--source', 'rapl', '--powercap-root', t.root, '--interval', '500', '--baseline', '0.5', '--json'];
    const r = await run([...args, '--', process.execPath, '-e', 'setTimeout(() => {}, 4000)'], advance);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /the power source failed during the run, so the figures cover only the time before: .*energy_uj is not a counter/,
    );
    const summary = JSON.parse(r.stdout.trim().split('\n').pop() as string) as Record<string, unknown>;
    for (const [k, v] of Object.entries(summary)) assert.notEqual(v, null, k);
  });

  describe('a Prometheus whose host power is 1e308 W (it made baselineWatts null)', () => {
    let server: http.Server;
    let url: string;
    before(async () => {
      // Answers every instant query with one sample: 1e308 W for Scaphandre's host power, nothing else.
      server = http.createServer((req, res) => {
        const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query');
        const result = q === SCAPH_HOST_QUERY ? [{ metric: {}, value: [1700000000, '1e308'] }] : [];
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    });

    it('measure --source prometheus: exit 1 with the reason, the command not run, no null in a summary', async () => {
      const r = await run([
        'measure',
        '--source',
        'prometheus',
        '--prometheus-url',
        url,
        '--json',
        '--',
        process.execPath,
        '-e',
        'console.log("RAN")',
      ]);
      assert.equal(r.status, 1, r.stderr);
      assert.ok(!r.stdout.includes('RAN') && !r.stdout.includes('null'), r.stdout);
      assert.match(r.stderr, /no power source: Prometheus at .* scaph_host_power_microwatts says 1\.00e\+308 W is above 100 kW/);
    });

    it('sample in auto: not used, and says why', async () => {
      const r = await run(['sample', '--prometheus-url', url, '--powercap-root', path.join(garbageTree().root, 'none'), '--count', '1']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, /scaph_host_power_microwatts says 1\.00e\+308 W .* Using the CPU-load estimate/);
    });
  });
});
