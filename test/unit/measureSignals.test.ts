// `optivolt measure` from the built CLI (dist/cli.js) when it is signalled (issue 20): SIGINT, SIGTERM and SIGHUP
// reach the command's whole process group, a group that ignores them is killed after --kill-after, what was
// measured is always printed and measure ends by the signal; and a budget is not judged on a partial figure.
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCAPH_HOST_QUERY } from '../../src/core/power/prometheusSource';
import { until } from '../fixtures/lspHarness';
import { onEstimate } from '../fixtures/cliArgs';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const FAST = ['--source', 'estimate', '--baseline', '0', '--interval', '500'];
/** A node process that starts `sleep 100` (its grandchild under measure), writes both pids to argv[1], then idles. */
const PARENT = `const c = require('child_process').spawn('sleep', ['100'], { stdio: 'ignore' }); require('fs').writeFileSync(process.argv[1], process.pid + '\\n' + c.pid + '\\n'); setInterval(() => {}, 1000);`;

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** ms from `since` (set when the test signals) to the exit. */
  ms: number;
}

interface Running {
  readonly proc: ChildProcess;
  since: number;
  readonly ended: Promise<Ended>;
}

function start(args: string[]): Running {
  const proc = spawn(process.execPath, [CLI, 'measure', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const r: Running = {
    proc,
    since: Date.now(),
    ended: new Promise((resolve) =>
      proc.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - r.since })),
    ),
  };
  return r;
}

/** Running or stopped, not a zombie waiting for init to reap it (it runs no code). */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    return !['Z', 'X'].includes(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
}

/** The pids the command wrote to `file` (one per line), once there are `n`. */
const pidsIn = (file: string, n: number): Promise<number[]> =>
  until(() => {
    const pids = fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number) : [];
    return pids.length >= n ? pids : undefined;
  }, 15000);

describe('optivolt measure under signals (dist/cli.js, issue 20)', function () {
  this.timeout(30000);
  let dir: string;
  const started: number[] = [];

  before(function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
  });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-signals-'));
  });
  afterEach(() => {
    // Whatever a failing run left behind: only the processes this test started.
    for (const pid of started.splice(0)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${sig}: reaches the grandchild too, no process of the group survives, the summary is printed, measure dies by ${sig}`, async () => {
      const file = path.join(dir, 'pids');
      const m = start(['--json', ...FAST, '--', process.execPath, '-e', PARENT, file]);
      started.push(m.proc.pid!);
      const pids = await pidsIn(file, 2);
      started.push(...pids);
      m.since = Date.now();
      m.proc.kill(sig);
      const end = await m.ended;
      assert.equal(end.signal, sig, `died by ${sig} (the shell shows ${128 + os.constants.signals[sig]}): code ${end.code}, ${end.stderr}`);
      const summary = JSON.parse(end.stdout.trim().split('\n').pop() ?? '') as {
        interrupted?: string;
        durationSeconds: number;
        exitCode: number;
      };
      assert.equal(summary.interrupted, sig, end.stdout);
      assert.ok(Number.isFinite(summary.durationSeconds) && summary.durationSeconds > 0, end.stdout);
      assert.equal(summary.exitCode, 128 + os.constants.signals[sig]);
      assert.deepEqual(pids.filter(alive), [], `still running after measure exited: ${pids.filter(alive).join(', ')}`);
    });
  }

  it('a group that ignores SIGTERM is killed after --kill-after; text summary printed', async () => {
    const file = path.join(dir, 'pids');
    // The trap is inherited by the background loop: nothing in the group ends on SIGTERM.
    const script = `trap '' TERM; (while :; do sleep 0.2; done) & echo $$ >> ${file}; echo $! >> ${file}; wait; wait`;
    const m = start([...FAST, '--kill-after', '1', '--', 'sh', '-c', script]);
    started.push(m.proc.pid!);
    const pids = await pidsIn(file, 2);
    started.push(...pids);
    m.since = Date.now();
    m.proc.kill('SIGTERM');
    const end = await Promise.race([m.ended, until(() => (Date.now() - m.since > 10000 ? 'hung' : undefined), 11000)]);
    assert.notEqual(end, 'hung', 'measure still running 10 s after SIGTERM');
    const e = end as Ended;
    assert.equal(e.signal, 'SIGTERM', e.stderr);
    assert.ok(e.ms >= 900 && e.ms < 5000, `SIGKILL after the 1 s grace period: exited after ${e.ms} ms`);
    assert.match(e.stderr, /interrupted by SIGTERM/);
    assert.match(e.stderr, /exit 137/, 'the command was killed by SIGKILL');
    assert.match(e.stderr, /program: /);
    assert.deepEqual(pids.filter(alive), []);
  });

  it('SIGTERM between --repeat runs keeps and prints the finished runs', async () => {
    const file = path.join(dir, 'runs');
    // A 2 s baseline before each run: the signal lands in the second run's baseline (or at the first's end).
    const m = start(['--json', '--repeat', '5', ...onEstimate('2'), '--', 'sh', '-c', `echo $$ >> ${file}`]);
    started.push(m.proc.pid!);
    await pidsIn(file, 1);
    m.proc.kill('SIGTERM');
    const end = await m.ended;
    assert.equal(end.signal, 'SIGTERM', end.stderr);
    const summary = JSON.parse(end.stdout.trim().split('\n').pop() ?? '') as {
      interrupted?: string;
      energyJoules: number;
      exitCode: number;
      runs?: number;
    };
    assert.equal(summary.interrupted, 'SIGTERM');
    assert.equal(summary.exitCode, 0, 'the finished run exited 0');
    assert.ok(Number.isFinite(summary.energyJoules), end.stdout);
    assert.equal(summary.runs ?? 1, fs.readFileSync(file, 'utf8').trim().split('\n').length, 'every finished run, only those');
  });
});

// On a terminal (a real pty from util-linux's `script`), the command stays in the terminal's foreground group: it
// keeps its controlling terminal (prompts on /dev/tty work), and SIGTERM to measure still reaches its whole tree.
describe('optivolt measure on a terminal (dist/cli.js under a pty)', function () {
  this.timeout(30000);
  const hasScript = fs.existsSync('/usr/bin/script');
  let dir: string;
  beforeEach(function () {
    if (!hasScript) this.skip();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-tty-'));
  });
  afterEach(() => dir && fs.rmSync(dir, { recursive: true, force: true }));
  const shq = (a: string): string => `'${a.replace(/'/g, "'\\''")}'`;
  const underPty = (args: string[]): ChildProcess =>
    spawn('script', ['-qec', [process.execPath, CLI, 'measure', ...args].map(shq).join(' '), '/dev/null'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });

  it('the command keeps the controlling terminal: it can open /dev/tty (a new session could not)', async () => {
    const p = underPty([...FAST, '--', 'sh', '-c', 'echo prompt > /dev/tty && echo TTY-OK']);
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => p.on('close', r));
    assert.match(out, /TTY-OK/, out);
    assert.equal(code, 0, out);
  });

  it('SIGTERM to measure reaches the grandchild too; nothing of the tree survives', async () => {
    const file = path.join(dir, 'pids');
    const p = underPty(['--json', ...FAST, '--', process.execPath, '-e', PARENT, file]);
    const pids = await pidsIn(file, 2);
    const stat = fs.readFileSync(`/proc/${pids[0]}/stat`, 'latin1');
    const measure = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    try {
      process.kill(measure, 'SIGTERM');
      await new Promise((r) => p.on('close', r));
      await until(() => (pids.filter(alive).length === 0 ? true : undefined), 10000);
    } finally {
      for (const pid of [...pids, measure]) if (alive(pid)) process.kill(pid, 'SIGKILL');
    }
  });
});

describe('optivolt measure --budget-joules on a partial figure (dist/cli.js)', function () {
  this.timeout(30000);

  it('the power source fails during the run: exit 1 saying why, not a pass', async () => {
    // Prometheus with Scaphandre's 42 W until the command calls /break, then HTTP 500 for everything.
    let broken = false;
    const server = http.createServer((req, res) => {
      if (req.url === '/break') broken = true;
      const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query');
      res.writeHead(broken ? 500 : 200, { 'Content-Type': 'application/json' });
      if (broken) return void res.end('{"status":"error","errorType":"internal","error":"down"}');
      res.end(
        JSON.stringify({
          status: 'success',
          data: { resultType: 'vector', result: q === SCAPH_HOST_QUERY ? [{ metric: {}, value: [1, '42'] }] : [] },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const cmd = `fetch('${url}/break').then(() => setTimeout(() => {}, 2000))`;
      const m = start([
        '--budget-joules',
        '1000000',
        '--source',
        'prometheus',
        '--prometheus-url',
        url,
        '--baseline',
        '0',
        '--interval',
        '500',
        '--',
        process.execPath,
        '-e',
        cmd,
      ]);
      const end = await m.ended;
      assert.equal(end.code, 1, end.stderr);
      assert.match(end.stderr, /cannot check the budget: the power source failed during the run/);
      assert.doesNotMatch(end.stderr, /over budget/);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
