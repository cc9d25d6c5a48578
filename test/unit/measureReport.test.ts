// `optivolt measure`'s report (issue 19): --json-file keeps stdout for the command (a pipe to jq sees only its
// output), --repeat aggregates peakWatts and pids over the runs, and a failing command's exit code wins over the
// budget's verdict, which is still printed and in the JSON.
import { strict as assert } from 'node:assert';
import { spawnSync, SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const QUICK = ['--source', 'estimate', '--baseline', '0', '--interval', '500'];
/** Burns `ms` of CPU time (robust to a loaded machine), then exits with `code`. */
const burn = (ms: number, code = 0): string =>
  `const s = process.cpuUsage(); let x = 0; for (;;) { for (let i = 0; i < 100000; i++) x = (x * 31 + i) % 1000003; const u = process.cpuUsage(s); if ((u.user + u.system) / 1000 >= ${ms}) break; } process.exit(${code});`;

function measure(args: string[]): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [CLI, 'measure', ...args], { encoding: 'utf8', timeout: 20000 });
}

interface Summary {
  peakWatts: number;
  averageWatts: number;
  pids: number[];
  exitCode: number;
  runs?: number;
  budget?: { limitJoules: number; verdict: string };
}

describe('optivolt measure: --json-file, --repeat aggregate, exit-code precedence (dist/cli.js)', function () {
  this.timeout(30000);
  let dir: string;
  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-report-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("--json-file FILE: the JSON goes to FILE, stdout is only the command's output", () => {
    const file = path.join(dir, 'energy.json');
    const r = measure(['--json-file', file, ...QUICK, '--', process.execPath, '-e', 'console.log(JSON.stringify({ mine: 1 }))']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '{"mine":1}\n');
    const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Summary;
    assert.equal(s.exitCode, 0);
    assert.deepEqual(fs.readdirSync(dir), ['energy.json'], 'no temporary file left beside it');
    assert.match(r.stderr, /program: /, 'the text summary is still on stderr');
  });

  it('--json-file in a folder that does not exist: exit 2 before the command runs', () => {
    const r = measure(['--json-file', path.join(dir, 'no', 'such.json'), ...QUICK, '--', process.execPath, '-e', 'console.log("ran")']);
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  });

  it('--repeat 2 of a command shorter than one sample: peakWatts > 0, both runs in pids', () => {
    const r = measure(['--json', '--repeat', '2', ...QUICK, '--', process.execPath, '-e', burn(50)]);
    assert.equal(r.status, 0, r.stderr);
    const s = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Summary;
    assert.equal(s.runs, 2);
    assert.ok(s.peakWatts > 0 && s.peakWatts >= s.averageWatts, JSON.stringify(s));
    assert.ok(s.pids.length >= 2 && new Set(s.pids).size === s.pids.length, JSON.stringify(s.pids));
  });

  it("over budget with a failing command: the command's code (7) wins, the verdict is printed and in the JSON", () => {
    const r = measure(['--json', '--budget-joules', '0.000001', ...QUICK, '--', process.execPath, '-e', burn(100, 7)]);
    assert.equal(r.status, 7, r.stderr);
    assert.match(r.stderr, /over budget: .* \(measure exits 7, the command's own code\)/);
    const s = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as Summary;
    assert.deepEqual(s.budget, { limitJoules: 0.000001, verdict: 'over' });
    assert.equal(s.exitCode, 7);
  });

  it('over budget with a succeeding command: exit 3; within it: exit 0 and verdict "within"', () => {
    assert.equal(measure(['--budget-joules', '0.000001', ...QUICK, '--', process.execPath, '-e', burn(100)]).status, 3);
    const r = measure(['--json', '--budget-joules', '1000000', ...QUICK, '--', process.execPath, '-e', '0']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout.trim()) as Summary).budget?.verdict, 'within');
  });

  it('--help states the exit-code precedence', () => {
    const r = measure(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /Exit code, the first that applies:/);
    assert.match(r.stdout, /C +the command failed with exit code C/);
    assert.match(r.stdout, /--json-file FILE/);
  });
});
