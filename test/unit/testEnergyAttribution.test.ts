// Splitting a measured tree's energy between test cases, as pure functions on hand-made timelines: by each test's CPU
// time in its window, nested windows counted once, concurrent tests by time, nothing lost; the hooks' files read back.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ProcessTimeline, TimelineInterval } from '../../src/core/profile/timeline';
import { testEnergies } from '../../src/core/testEnergy/testAttribution';
import { checkTestBudgets, readTestBudgets } from '../../src/core/testEnergy/testBudget';
import { readHookRecords, TestRecord } from '../../src/core/testEnergy/testRecords';
import { assembleTestReport } from '../../src/core/testEnergy/testReport';

const PID = 100;
/** Intervals of 1 s (µs) where process PID spent `ticks` each (USER_HZ 100: 100 ticks = 1 s of CPU). */
function timeline(joules: number[], ticks: number[], extra: Map<number, number>[] = []): ProcessTimeline {
  const intervals: TimelineInterval[] = joules.map((j, k) => {
    const own = new Map([[PID, ticks[k]], ...(extra[k] ?? new Map())]);
    return { startUs: k * 1e6, endUs: (k + 1) * 1e6, joules: j, ticks: [...own.values()].reduce((a, b) => a + b, 0), own, gone: [] };
  });
  return {
    intervals,
    processes: new Map([[PID, { pid: PID, ppid: 1, comm: 'node' }]]),
    rootPids: [PID],
    energyJoules: joules.reduce((a, b) => a + b, 0),
  };
}
const rec = (name: string, startUs: number, endUs: number, cpuUs: number, pid = PID): TestRecord => ({
  pid,
  framework: 'mocha',
  name,
  suite: 's',
  outcome: 'passed',
  startUs,
  endUs,
  cpuUs,
});
const near = (a: number, b: number, what: string): void => assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);

describe('test energy attribution (pure)', () => {
  it("splits a process's interval by the tests' CPU time, the rest of its CPU outside tests", () => {
    // 1 s, 10 J, the process busy 0.9 s: a 0.5 s test at full CPU, a 0.25 s test at 40%, 0.3 s of CPU outside.
    const r = testEnergies(timeline([10], [90]), [rec('heavy', 0, 500_000, 500_000), rec('light', 600_000, 850_000, 100_000)], new Map());
    near(r.tests[0].joules, (10 * 0.5) / 0.9, 'heavy');
    near(r.tests[1].joules, (10 * 0.1) / 0.9, 'light');
    near(r.outside[0].joules, (10 * 0.3) / 0.9, 'outside');
    assert.equal(r.concurrent, false);
  });

  it('a test spanning intervals gets each interval at its own price; tests + outside add up to the process', () => {
    const r = testEnergies(timeline([4, 12], [100, 100]), [rec('long', 500_000, 1_500_000, 1_000_000)], new Map());
    near(r.tests[0].joules, 2 + 6, 'half of each interval');
    near(r.tests[0].joules + r.outside[0].joules, 16, 'sum');
  });

  it('a subtest inside its parent counts once: the parent keeps only its own time', () => {
    const r = testEnergies(
      timeline([10], [100]),
      [rec('parent', 0, 1_000_000, 1_000_000), rec('child', 200_000, 700_000, 500_000)],
      new Map(),
    );
    near(r.tests[1].joules, 5, 'child');
    near(r.tests[0].joules, 5, 'parent');
    near(r.outside[0].joules, 0, 'outside');
  });

  it('concurrent tests in one process share by time and say so; other processes stay apart', () => {
    const other = [new Map([[200, 100]])];
    const r = testEnergies(timeline([20], [100], other), [rec('a', 0, 600_000, 600_000), rec('b', 300_000, 1_000_000, 700_000)], new Map());
    assert.equal(r.concurrent, true);
    near(r.tests.reduce((s, t) => s + t.joules, 0) + r.outside[0].joules, 10, 'the test process keeps its half');
    near(r.others.find((o) => o.pid === 200)?.joules ?? 0, 10, 'the other process');
  });

  it("reads the hooks' lines (a torn last line is skipped and named), merges runs and checks budgets", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-records-'));
    try {
      const line = (o: object): string => `${JSON.stringify(o)}\n`;
      fs.writeFileSync(
        path.join(dir, 'tests-7.jsonl'),
        line({
          pid: 7,
          framework: 'jest',
          name: 'x',
          suite: 'S',
          file: '/a.js',
          line: 3,
          outcome: 'failed',
          startUs: 1,
          endUs: 2,
          cpuUs: 1,
        }) +
          line({ pid: 7, exit: true, cpuUs: 55 }) +
          '{"pid": 7, "na',
      );
      const r = readHookRecords(dir);
      assert.equal(r.tests.length, 1);
      assert.equal(r.tests[0].outcome, 'failed');
      assert.equal(r.exitCpuUs.get(7), 55);
      assert.match(r.problems.join(), /tests-7.jsonl line 3 is not JSON/);
      const run = (j: number) => ({
        energy: { tests: [{ ...rec('t', 0, 1, 1), joules: j }], outside: [], others: [], totalJoules: 10, concurrent: false },
        durationSeconds: 1,
      });
      const report = assembleTestReport([run(2), run(2.2), run(1.8)], {
        command: ['x'],
        cwd: '/',
        startedAt: '',
        exitCode: 0,
        source: 'rapl',
        estimated: false,
        limits: [],
      });
      near(report.tests[0].joules, 2, 'mean');
      assert.deepEqual(report.tests[0].joulesPerRun, [2, 2.2, 1.8]);
      const budgets = path.join(dir, 'b.json');
      fs.writeFileSync(budgets, JSON.stringify({ 's > t': 1.9 }));
      assert.equal(checkTestBudgets(report.tests, readTestBudgets(budgets)).checks[0].verdict, 'within-noise');
      fs.writeFileSync(budgets, JSON.stringify({ t: 1 }));
      assert.equal(checkTestBudgets(report.tests, readTestBudgets(budgets)).checks[0].verdict, 'over');
      fs.writeFileSync(budgets, JSON.stringify({ t: 'much' }));
      assert.throws(() => readTestBudgets(budgets), /"t" must be a number of Joules/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
