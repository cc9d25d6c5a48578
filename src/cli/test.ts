import * as path from 'node:path';
import { formatEnergy } from '../core/energy/cost';
import { DEFAULT_KILL_GRACE_MS, SignalWatch } from '../core/energy/processGroup';
import { errorMessage } from '../core/errors';
import { readSettings } from '../core/settings';
import { BudgetCheck, checkTestBudgets, readTestBudgets, TestBudgets } from '../core/testEnergy/testBudget';
import { InterruptedError, testEnergyCommand } from '../core/testEnergy/testCommand';
import type { TestEnergyReport } from '../core/testEnergy/testReport';
import { DEFAULT_PUSH_TESTS, MAX_PUSH_TESTS, OTHER_TESTS, testSamples } from '../core/push/pushResults';
import {
  checkSourceMode,
  inFlags,
  num,
  parseFlags,
  parsePushFlags,
  PUSH_FLAGS,
  PUSH_USAGE,
  pushLimit,
  PushPlan,
  pushResult,
  refuseInvalid,
  SOURCE_FLAGS,
  sourceOverrides,
  UsageError,
} from './flags';
import { dieBy } from './measure';

export const TEST_USAGE = `Usage: optivolt test [options] -- TEST COMMAND [ARGS...]

Runs the project's test command (stdio passed through) like optivolt measure, and reports the energy of each test
case: its process's attributed energy over the test's time window, split by the test's own CPU time. Tests are
found without changing the project: a Node preload (NODE_OPTIONS --require) hooks mocha, node:test and jest, and a
pytest plugin is loaded through PYTEST_PLUGINS. Each test process's time outside tests is its '(outside tests)' row.

Options:
  --json                   print one JSON object on stdout (after the command's output): tests (name, suite, file,
                           line, joules, durationSeconds, pid, outcome ...), totalJoules, source, estimated, model
  --budget FILE            per-test limits: a JSON object { "test name": maxJoules } (name or 'suite > name'), or a
                           previous --json output (its tests' Joules are the limits)
  --repeat N               run the tests N times: per-test mean and 95% CI (default 1)
  --top N                  tests in the table (default 20)
  --kill-after SECONDS     after SIGINT/SIGTERM/SIGHUP, how long the command has to end before SIGKILL (default 5)
  --source auto|rapl|estimate|prometheus, --powercap-root DIR, --proc-root DIR, --prometheus-url URL
  --interval MS            power sampling interval, 500-60000 (default 500)
${PUSH_USAGE}
  --push-tests N           tests pushed, heaviest first, 1-${MAX_PUSH_TESTS} (default ${DEFAULT_PUSH_TESTS}); the rest are summed as
                           test="${OTHER_TESTS}", so a run adds at most N + 1 test series
  -h, --help               this help

Budgets fail only outside the noise: with --repeat N (N >= 2) a test is over its budget when its mean is above the
limit and its 95% confidence interval too; with one run, when its one value is above it (said as a single run's verdict).

Exit codes:
  C      the test command failed with exit code C (not 0): results are still printed, and its code is kept
  127    the command was not found;  1  the tests could not be measured, the budget file read, or a push failed;  2  bad usage
  128+N  a signal N interrupted the run (what ran until then is printed)
  3      the tests passed and at least one test is over its budget
  0      the tests passed (and every budgeted test is within its budget)`;

interface TestArgs {
  readonly command: string;
  readonly args: string[];
  readonly json: boolean;
  readonly budget?: TestBudgets;
  readonly repeat: number;
  readonly top: number;
  readonly killGraceMs: number;
  readonly procRoot?: string;
  readonly overrides: Record<string, unknown>;
  readonly push?: PushPlan;
  readonly pushTests: number;
}

export function parseTestArgs(argv: string[]): TestArgs | 'help' {
  const dash = argv.indexOf('--');
  const opts = dash >= 0 ? argv.slice(0, dash) : argv;
  const cmd = dash >= 0 ? argv.slice(dash + 1) : [];
  const v = parseFlags(
    opts,
    {
      json: { type: 'boolean', default: false },
      budget: { type: 'string' },
      repeat: { type: 'string' },
      top: { type: 'string' },
      'kill-after': { type: 'string' },
      ...SOURCE_FLAGS,
      ...PUSH_FLAGS,
      'push-tests': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    false,
    dash < 0 ? ' (put the test command after --)' : '',
  ).values;
  if (v.help) return 'help';
  const push = parsePushFlags(v);
  const pushTests = pushLimit('push-tests', v['push-tests'], push, DEFAULT_PUSH_TESTS, MAX_PUSH_TESTS);
  if (cmd.length === 0) throw new UsageError('no test command: optivolt test [options] -- TEST COMMAND [ARGS...]');
  checkSourceMode(v.source);
  let budget: TestBudgets | undefined;
  if (v.budget !== undefined) {
    try {
      budget = readTestBudgets(v.budget);
    } catch (err) {
      throw new UsageError(errorMessage(err));
    }
  }
  return {
    command: cmd[0],
    args: cmd.slice(1),
    json: v.json ?? false,
    ...(budget ? { budget } : {}),
    repeat: num('repeat', v.repeat, 1, true) ?? 1,
    top: num('top', v.top, 1, true) ?? 20,
    killGraceMs: (num('kill-after', v['kill-after'], 0, false) ?? DEFAULT_KILL_GRACE_MS / 1000) * 1000,
    procRoot: v['proc-root'],
    overrides: sourceOverrides(v, 500),
    ...(push ? { push } : {}),
    pushTests,
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The terminal table: heaviest tests first (J, duration, share), then the outside-tests rows and the check sum. */
export function testSummary(r: TestEnergyReport, top: number, cwd = r.cwd): string {
  const runs = r.runs > 1 ? ` (mean of ${r.runs} runs)` : '';
  const head =
    `optivolt: "${r.command.join(' ')}" ran ${r.durationSeconds.toFixed(2)} s (exit ${r.exitCode}), ${formatEnergy(r.totalJoules)}${runs}, ` +
    `source ${r.source}${r.estimated ? ' (≈ ESTIMATE from CPU load)' : ''}; ${r.tests.length} test${r.tests.length === 1 ? '' : 's'}`;
  const rows = r.tests.slice(0, top).map((t) => {
    const where = t.file ? `  ${path.relative(cwd, t.file) || t.file}${t.line ? `:${t.line}` : ''}` : '';
    const mark = t.outcome === 'failed' ? ' ✗' : t.outcome === 'skipped' ? ' (skipped)' : '';
    const name = t.suite ? `${t.suite} > ${t.name}` : t.name;
    return `  ${t.joules.toFixed(3).padStart(10)} ${`${t.durationSeconds.toFixed(3)} s`.padStart(10)} ${pct(t.share).padStart(6)}  ${name}${mark}${where}`;
  });
  const more = r.tests.length > top ? [`  … ${r.tests.length - top} more (--top N, or --json)`] : [];
  const testsJ = r.tests.reduce((a, t) => a + t.joules, 0);
  return [
    head,
    `  ${'J'.padStart(10)} ${'duration'.padStart(10)} ${'share'.padStart(6)}  test`,
    ...rows,
    ...more,
    `  ${r.outsideTestsJoules.toFixed(3).padStart(10)} ${''.padStart(10)} ${pct(r.totalJoules > 0 ? r.outsideTestsJoules / r.totalJoules : 0).padStart(6)}  (outside tests) in ${r.outside.length} test process${r.outside.length === 1 ? '' : 'es'}`,
    `  ${r.otherJoules.toFixed(3).padStart(10)} ${''.padStart(10)} ${pct(r.totalJoules > 0 ? r.otherJoules / r.totalJoules : 0).padStart(6)}  (other processes: the runner's parent, shells, npm)`,
    `  tests ${testsJ.toFixed(3)} J + outside tests ${r.outsideTestsJoules.toFixed(3)} J = the test processes' ${r.testProcessJoules.toFixed(3)} J`,
    `  model: ${r.model}`,
    ...r.limits.map((l) => `  limit: ${l}`),
  ].join('\n');
}

function budgetLines(checks: readonly BudgetCheck[], missing: readonly string[]): string {
  const lines = checks.map((c) => {
    const ci = c.ci95
      ? ` (95% CI ${c.ci95[0].toFixed(3)}–${c.ci95[1].toFixed(3)} J, ${c.runs} runs)`
      : " (a single run's verdict: --repeat N for one outside the noise)";
    const word = c.verdict === 'over' ? 'OVER' : c.verdict === 'within-noise' ? 'above, within the noise' : 'within';
    return `optivolt: budget ${word}: "${c.test}" ${c.meanJoules.toFixed(3)} J vs ${c.limitJoules.toFixed(3)} J${ci}`;
  });
  for (const m of missing) lines.push(`optivolt: budget: no test named "${m}" ran`);
  return lines.join('\n');
}

export async function runTest(argv: string[]): Promise<number> {
  const a = parseTestArgs(argv);
  if (a === 'help') {
    process.stdout.write(`${TEST_USAGE}\n`);
    return 0;
  }
  const { settings, invalid } = readSettings((k) => a.overrides[k]);
  refuseInvalid(invalid);
  const watch = new SignalWatch();
  const label = [a.command, ...a.args].join(' ');
  let outcome;
  try {
    outcome = await testEnergyCommand(a.command, a.args, {
      settings,
      procRoot: a.procRoot,
      repeat: a.repeat,
      signals: watch,
      killGraceMs: a.killGraceMs,
      log: (msg) => process.stderr.write(`optivolt: ${inFlags(msg)}\n`),
      onRun: (i, j, s, n) =>
        a.repeat > 1 && process.stderr.write(`optivolt: run ${i}/${a.repeat}: ${n} tests, ${formatEnergy(j)} in ${s.toFixed(2)} s\n`),
    });
  } catch (err) {
    if (err instanceof InterruptedError) {
      process.stderr.write(`optivolt: interrupted by ${err.signal} before "${label}" started: nothing measured\n`);
      return dieBy(err.signal);
    }
    process.stderr.write(`optivolt: cannot measure the tests of "${label}": ${inFlags(errorMessage(err))}\n`);
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 1;
  } finally {
    watch.dispose();
  }
  const { report, exitCode, interrupted } = outcome;
  process.stderr.write(`${testSummary(report, a.top)}\n`);
  const budget = a.budget ? checkTestBudgets(report.tests, a.budget) : undefined;
  if (budget) process.stderr.write(`${budgetLines(budget.checks, budget.missing)}\n`);
  if (a.json)
    process.stdout.write(`${JSON.stringify({ ...report, ...(interrupted ? { interrupted } : {}), ...(budget ? { budget } : {}) })}\n`);
  // An interrupted run is not a commit's figure: it is not pushed to the history.
  const pushed =
    a.push === undefined ||
    interrupted !== undefined ||
    (await pushResult(
      a.push,
      'test',
      label,
      testSamples(
        {
          energyJoules: report.totalJoules,
          durationSeconds: report.durationSeconds,
          source: report.source,
          estimated: report.estimated,
          exitCode,
          runs: report.runs,
        },
        report.tests,
        a.pushTests,
        Date.now(),
      ),
    ));
  if (interrupted) return dieBy(interrupted);
  if (exitCode !== 0) return exitCode;
  if (!pushed) return 1;
  return budget?.checks.some((c) => c.verdict === 'over') ? 3 : 0;
}
