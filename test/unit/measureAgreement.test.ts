// Issue 19, "the same program, three figures": one measurement core, one answer. The CLI (dist/cli.js measure, its
// own process: it corrects the end from its own cutime, so it must be the program's only parent) and the editor's way (a TreeSampler on a running monitor, the program adopted by pid after it started,
// the end learnt from an event) measure the same burner on the real /proc with the CPU-load estimate.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { bootTicks, TreeOutcome, TreeSampler } from '../../src/core/energy/treeMeasurement';
import { PowerMonitor } from '../../src/core/power/monitor';
import { createSource } from '../../src/core/power/sources';
import { DEFAULT_SETTINGS, OptiVoltSettings } from '../../src/core/settings';
import { until } from '../fixtures/until';
import { onEstimate } from '../fixtures/cliArgs';

const settings: OptiVoltSettings = { ...DEFAULT_SETTINGS, 'power.source': 'estimate', refreshInterval: 500 };

/**
 * burn.js's shape (half the work in the process, half in a child it waits for), bounded by CPU time instead of wall
 * time: on a shared machine each run then does the same work whatever else runs, so energies are comparable.
 */
const BURN = `const burn = (ms) => { const s = process.cpuUsage(); let x = 0; for (;;) { for (let i = 0; i < 100000; i++) x = (x * 31 + i) % 1000003; const u = process.cpuUsage(s); if ((u.user + u.system) / 1000 >= ms) return x; } };`;
const BURNER = `${BURN} burn(750); require('child_process').spawnSync(process.execPath, ['-e', ${JSON.stringify(`${BURN} burn(750);`)}]);`;

/** utime + stime of a live process, in ticks (0 once it is gone). */
function ticksOf(pid: number): number {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return 0;
  }
}

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

/** `optivolt measure --json`: spawned by the core after a baseline, the end corrected from its own cutime. */
async function asCli(): Promise<{ energyJoules: number; note?: string }> {
  const args = [CLI, 'measure', '--json', ...onEstimate('0.5'), '--', process.execPath, '-e', BURNER];
  const cli = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  cli.stdout.on('data', (d: Buffer) => (out += d.toString()));
  cli.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const code = await new Promise<number | null>((r) => cli.once('close', r));
  assert.equal(code, 0, err);
  return JSON.parse(out.trim().split('\n').pop() as string) as { energyJoules: number; note?: string };
}

/**
 * As the editor does for a debuggee: the measurement begins on a running monitor (the session's start), the program
 * is started by someone else and adopted by pid once it has run a while, and its end arrives as an event.
 * `lateBegin`: the measurement only begins after the program started (what the core cannot recover).
 */
async function asEditor(lateBegin = false): Promise<TreeOutcome> {
  const monitor = new PowerMonitor({
    mode: 'estimate',
    intervalMs: settings.refreshInterval,
    createSource: (kind, forAuto) => createSource(kind, settings, {}, forAuto),
  });
  monitor.start();
  let trees: TreeSampler | undefined;
  try {
    await until(
      10_000,
      () => (monitor.snapshot.state === 'live' ? true : undefined),
      () => monitor.snapshot.reason,
    );
    let intervals = 0;
    trees = new TreeSampler(monitor, { onInterval: () => intervals++ });
    const begin = (t: TreeSampler): ReturnType<TreeSampler['begin']> => t.begin({ baselineWatts: 0 });
    let tree = lateBegin ? undefined : begin(trees);
    const child = spawn(process.execPath, ['-e', BURNER], { stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const pid = child.pid as number;
    // Adopted late: after a scan has seen it and it has burnt a third of a second (as a DAP event arriving late).
    const seen = intervals;
    await until(
      10_000,
      () => (intervals > seen && ticksOf(pid) >= 30 ? true : undefined),
      () => `burner ${pid}: ${ticksOf(pid)} ticks`,
    );
    tree ??= begin(trees);
    tree.addRoot(pid);
    assert.equal(await exited, 0);
    return trees.end(tree, true);
  } finally {
    trees?.dispose();
    monitor.stop();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('one measurement core: the CLI and the editor agree on the same program (issue 19)', function () {
  this.timeout(120_000);

  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });

  it('spawned by the CLI vs adopted by pid after it started: program energy within 5% (medians of 3 concurrent pairs)', async () => {
    // Each pair runs at the same time, so both paths meet the same load from the rest of the machine; share-all
    // prices a tick by what else ran, so runs at different times would differ by the machine, not by the path.
    const cli: number[] = [];
    const editor: number[] = [];
    for (let k = 0; k < 3; k++) {
      const [a, b] = await Promise.all([asCli(), asEditor()]);
      assert.equal(b.note, undefined, 'adopted after it started, yet nothing of it is missing');
      assert.equal(a.note, undefined);
      cli.push(a.energyJoules);
      editor.push(b.result.energyJoules);
    }
    const [a, b] = [median(cli), median(editor)];
    console.log(
      `      CLI ${cli.map((j) => j.toFixed(2)).join(', ')} J; editor ${editor.map((j) => j.toFixed(2)).join(', ')} J; medians ${a.toFixed(2)} / ${b.toFixed(2)} J`,
    );
    assert.ok(a > 0 && Math.abs(b - a) <= 0.05 * a, `CLI ${a} J vs editor ${b} J: more than 5% apart`);
  });

  it('a program that started before the measurement began: its earlier CPU time is left out, and the record says so', async () => {
    const late = await asEditor(true);
    assert.match(late.note ?? '', /^Process \d+ started before the measurement began: its CPU time before then is not counted\.$/);
    assert.ok(late.result.energyJoules > 0);
  });
});

describe('bootTicks: the measurement start on the clock of process start times', () => {
  it('is a whole number of ticks for every uptime the kernel prints (no float error past the tick)', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-uptime-'));
    try {
      // 83884.99 * 100 === 8388499.000000001 in floating point: a process started in that tick has start 8388499.
      for (const [text, ticks] of [
        ['83884.99 1.00\n', 8388499],
        ['0.07 0.00\n', 7],
        ['12.00 3.00\n', 1200],
      ] as const) {
        fs.writeFileSync(path.join(dir, 'uptime'), text);
        assert.equal(bootTicks(dir), ticks, text);
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is undefined without an uptime file (a fixture /proc)', () => {
    assert.equal(bootTicks(path.join(os.tmpdir(), 'optivolt-no-such-proc')), undefined);
  });
});
