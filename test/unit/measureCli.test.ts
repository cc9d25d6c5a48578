// `optivolt measure` from the built CLI (dist/cli.js), run as a child process on this machine with the real
// CPU-load estimate: exit code pass-through, the JSON summary, the process tree followed, budget, repeat, bad usage.
import { strict as assert } from 'node:assert';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onEstimate } from '../fixtures/cliArgs';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const linesOf = (s: string): string[] => s.split('\n').filter((l) => l !== '');

function measure(args: string[], timeout = 20000): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, 'measure', ...args], { encoding: 'utf8', timeout });
}

/** Source of a function burning `ms` of this process's CPU time in a busy loop (robust to a loaded machine). */
const BURN = `const burn = (ms) => { const s = process.cpuUsage(); let x = 0; for (;;) { for (let i = 0; i < 100000; i++) x = (x * 31 + i) % 1000003; const u = process.cpuUsage(s); if ((u.user + u.system) / 1000 >= ms) return x; } };`;
/** Burns ~1 s, then a child node burns ~1 s (waited for with spawnSync), then exits 7. */
const PARENT_AND_CHILD = `${BURN} burn(1000); const r = require('child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(`${BURN} burn(1000);`)}], { stdio: 'inherit' }); if (r.status !== 0) process.exit(99); process.exit(7);`;
const ONLY_PARENT = `${BURN} burn(1000); process.exit(7);`;

const KEYS = [
  'averageWatts',
  'baselineWatts',
  'co2Grams',
  'cost',
  'costPerKWh',
  'currency',
  'durationSeconds',
  'energyJoules',
  'estimated',
  'exitCode',
  'hostEnergyAboveBaselineJoules',
  'hostEnergyJoules',
  'peakWatts',
  'pids',
  'source',
];

interface Summary {
  durationSeconds: number;
  energyJoules: number;
  hostEnergyJoules: number;
  hostEnergyAboveBaselineJoules: number;
  baselineWatts: number;
  averageWatts: number;
  peakWatts: number;
  source: string;
  estimated: boolean;
  costPerKWh: number;
  currency: string;
  cost: number;
  co2Grams: number;
  exitCode: number;
  pids: number[];
  runs?: number;
  energyJoulesStd?: number;
  durationSecondsStd?: number;
}

/** The JSON summary: the last stdout line. */
function summaryOf(r: SpawnSyncReturns<string>): Summary {
  const lines = linesOf(r.stdout);
  assert.ok(lines.length > 0, `no stdout; stderr: ${r.stderr}`);
  return JSON.parse(lines[lines.length - 1]) as Summary;
}

const finite = (o: Summary, k: keyof Summary): void => {
  const v = o[k];
  assert.ok(typeof v === 'number' && Number.isFinite(v) && v >= 0, `${k} = ${String(v)}`);
};

describe('optivolt measure (dist/cli.js, real estimate)', function () {
  this.timeout(30000);

  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });

  it('passes exit code 7 through, prints the JSON summary, follows the child and counts its CPU', () => {
    const both = measure(['--json', ...onEstimate('0.5'), '--', process.execPath, '-e', PARENT_AND_CHILD]);
    assert.equal(both.status, 7, both.stderr);
    const s = summaryOf(both);
    assert.deepEqual(Object.keys(s).sort(), KEYS, JSON.stringify(s));
    for (const k of [
      'durationSeconds',
      'energyJoules',
      'hostEnergyJoules',
      'hostEnergyAboveBaselineJoules',
      'baselineWatts',
      'averageWatts',
      'peakWatts',
      'costPerKWh',
      'cost',
      'co2Grams',
    ] as const)
      finite(s, k);
    assert.ok(s.durationSeconds >= 1.6 && s.durationSeconds <= 4, `duration ~2 s, got ${s.durationSeconds}`);
    assert.ok(s.energyJoules > 0, `energy ${s.energyJoules}`);
    assert.ok(s.hostEnergyJoules >= s.energyJoules * 0.99, `host ${s.hostEnergyJoules} >= program ${s.energyJoules}`);
    assert.ok(s.baselineWatts > 0, `baseline ${s.baselineWatts}`);
    assert.ok(Math.abs(s.averageWatts - s.energyJoules / s.durationSeconds) < 1e-6, 'average = energy / duration');
    assert.ok(s.peakWatts > 0);
    assert.equal(s.source, 'estimate');
    assert.equal(s.estimated, true);
    assert.equal(s.exitCode, 7);
    assert.equal(typeof s.currency, 'string');
    assert.ok(Array.isArray(s.pids) && s.pids.every((p) => Number.isInteger(p) && p > 0), JSON.stringify(s.pids));
    assert.ok(s.pids.length >= 2, `the child was followed: pids ${JSON.stringify(s.pids)}`);

    const one = measure(['--json', ...onEstimate('0.5'), '--', process.execPath, '-e', ONLY_PARENT]);
    assert.equal(one.status, 7, one.stderr);
    const o = summaryOf(one);
    assert.ok(o.energyJoules > 0, `energy ${o.energyJoules}`);
    assert.ok(
      o.energyJoules < 0.75 * s.energyJoules,
      `1 s of CPU (${o.energyJoules} J) clearly below 2 s with the child (${s.energyJoules} J)`,
    );
  });

  it('sh -> sh -> node (node and the inner sh end together, the root sh lives on) costs the same as sh -> node', () => {
    // The same 1 s of CPU behind one or two shells; the root sh then sleeps 1 s so it reaps the inner one mid-run.
    const burn = `${BURN} burn(1000);`;
    const run = (script: string): Summary => {
      const r = measure(['--json', '--source', 'estimate', '--baseline', '0', '--interval', '500', '--', 'sh', '-c', script, burn]);
      assert.equal(r.status, 0, r.stderr);
      return summaryOf(r);
    };
    const direct = run('node -e "$0"; sleep 1');
    const chain = run(`sh -c 'node -e "$0"; true' "$0"; sleep 1`);
    assert.ok(chain.pids.length >= 3, `sh, sh, node followed: ${JSON.stringify(chain.pids)}`);
    assert.ok(direct.energyJoules > 0);
    assert.ok(
      chain.energyJoules < 1.3 * direct.energyJoules,
      `same CPU, same energy: chain ${chain.energyJoules.toFixed(1)} J vs direct ${direct.energyJoules.toFixed(1)} J (peak ${chain.peakWatts.toFixed(1)} W vs ${direct.peakWatts.toFixed(1)} W)`,
    );
  });

  it('200 concurrent short-lived children: the program never costs more than the host, and average <= peak (issue 20)', () => {
    const kids = "for i in $(seq 200); do sh -c 'i=0; while [ $i -lt 500 ]; do i=$((i+1)); done' & done; wait";
    const r = measure(['--json', '--source', 'estimate', '--baseline', '0.5', '--interval', '500', '--', 'sh', '-c', kids]);
    assert.equal(r.status, 0, r.stderr);
    const o = summaryOf(r);
    assert.ok(o.energyJoules > 0, JSON.stringify(o));
    assert.ok(o.energyJoules <= o.hostEnergyJoules + 1e-9, `program ${o.energyJoules} J > host ${o.hostEnergyJoules} J`);
    assert.ok(o.averageWatts <= o.peakWatts + 1e-9, `average ${o.averageWatts} W > peak ${o.peakWatts} W`);
  });

  it("passes the command's stdout through, before the JSON line", () => {
    const r = measure(['--json', ...onEstimate('0'), '--', process.execPath, '-e', 'console.log("hello")']);
    assert.equal(r.status, 0, r.stderr);
    const lines = linesOf(r.stdout);
    assert.equal(lines.length, 2, r.stdout);
    assert.equal(lines[0], 'hello');
    const s = summaryOf(r);
    assert.equal(s.exitCode, 0);
    assert.equal(s.baselineWatts, 0, '--baseline 0: no baseline');
  });

  it('--budget-joules 0.000001 => exit 3 and "over budget" on stderr', () => {
    const r = measure(['--budget-joules', '0.000001', ...onEstimate('0'), '--', process.execPath, '-e', `${BURN} burn(300);`]);
    assert.equal(r.status, 3, `${r.stdout}\n${r.stderr}`);
    assert.ok(
      linesOf(r.stderr).some((l) => /over budget/.test(l)),
      r.stderr,
    );
  });

  it('a generous budget passes: exit 0', () => {
    const r = measure(['--budget-joules', '1000000', ...onEstimate('0'), '--', process.execPath, '-e', '0']);
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /over budget/);
  });

  it('--repeat 3 => JSON with runs 3 and spreads >= 0', () => {
    const r = measure(['--json', '--repeat', '3', ...onEstimate('0'), '--', process.execPath, '-e', `${BURN} burn(100);`]);
    assert.equal(r.status, 0, r.stderr);
    const s = summaryOf(r);
    assert.equal(s.runs, 3);
    assert.ok(typeof s.energyJoulesStd === 'number' && s.energyJoulesStd >= 0, JSON.stringify(s));
    assert.ok(typeof s.durationSecondsStd === 'number' && s.durationSecondsStd >= 0, JSON.stringify(s));
    // The series fields `optivolt compare` reads (issue 17).
    const series = ['command', 'host', 'intervalSeconds', 'order', 'runResults', 'statistics', 'warmup'];
    assert.deepEqual(Object.keys(s).sort(), [...KEYS, 'durationSecondsStd', 'energyJoulesStd', 'runs', ...series].sort());
    for (const n of [1, 2, 3]) assert.match(r.stderr, new RegExp(`run ${n}/3`));
  });

  const bad: Array<[string, string[]]> = [
    ['no -- and no command', ['--json']],
    ['a command without --', ['--json', 'node', '-v']],
    ['-- with nothing after it', ['--json', '--']],
    ['--repeat 0', ['--repeat', '0', '--', 'node', '-v']],
    ['--interval 100', ['--interval', '100', '--', 'node', '-v']],
    ['--budget-joules abc', ['--budget-joules', 'abc', '--', 'node', '-v']],
    ['--source foo', ['--source', 'foo', '--', 'node', '-v']],
  ];
  for (const [what, args] of bad) {
    it(`bad usage (${what}) => exit 2 and one "optivolt:" line, nothing run`, () => {
      const r = measure(args, 10000);
      assert.equal(r.status, 2, `${r.stdout}\n${r.stderr}`);
      const err = linesOf(r.stderr);
      assert.equal(err.length, 1, r.stderr);
      assert.ok(err[0].startsWith('optivolt:'), err[0]);
      assert.equal(r.stdout, '', 'the command did not run');
    });
  }

  it('a command that does not exist => exit 127 and a message naming it', () => {
    const name = `optivolt-no-such-command-${process.pid}`;
    const r = measure(['--json', '--source', 'estimate', '--baseline', '0', '--interval', '500', '--', name, 'arg']);
    assert.equal(r.status, 127, `${r.stdout}\n${r.stderr}`);
    assert.ok(r.stderr.includes(name), r.stderr);
    assert.equal(r.stdout, '', 'no summary for a command that never ran');
  });
});
