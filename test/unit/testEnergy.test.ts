// `optivolt test` from the built CLI on real mocha, node:test, jest, vitest and pytest suites (test/fixtures/testEnergy), on a
// powercap fixture drawing a known power: the test burning 5x the CPU of the others is on top, tests and
// '(outside tests)' add up to the test processes' energy within 2%, failures keep their exit code, budgets.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { FIXTURE_WATTS, frameworkBin, runTestCli, setChildTmp, TestRun } from '../fixtures/testEnergy/testRun';

const provision = createRequire(__filename)(path.resolve(__dirname, '../../../test/harness/provision.js')) as {
  runStep(name: string): string;
};

const tempDirs = (dir: string): string[] => fs.readdirSync(dir).filter((n) => n.startsWith('optivolt-tests-'));

/** `ratio`: how many times the next test's Joules the heavy test must have (it burns 5x their CPU time). */
function checkSuite(r: TestRun, file: string, expectedTests: number, ratio = 2.5): void {
  assert.equal(r.code, 0, r.stderr);
  const rep = r.report;
  assert.ok(rep, `no JSON on stdout: ${r.stdout.slice(-500)}`);
  assert.equal(rep.source, 'rapl');
  assert.equal(rep.tests.length, expectedTests, rep.tests.map((t) => t.name).join(', '));
  const [top, ...rest] = rep.tests;
  assert.match(top.name, /heavy/);
  assert.ok(top.file?.endsWith(file), `${top.file} is ${file}`);
  assert.ok(top.line !== undefined && top.line > 1, `line ${top.line}`);
  for (const t of rest) {
    if (t.durationSeconds < 0.05) continue; // a parent test whose time is its subtests'
    assert.ok(top.joules > ratio * t.joules, `heavy ${top.joules} J vs ${t.name} ${t.joules} J`);
  }
  for (const t of rep.tests) assert.ok(typeof t.name === 'string' && typeof t.joules === 'number' && t.pid > 0 && t.outcome === 'passed');
  const testsJ = rep.tests.reduce((a, t) => a + t.joules, 0);
  const outside = rep.outside.reduce((a, o) => a + o.joules, 0);
  assert.ok(
    Math.abs(testsJ + outside - rep.testProcessJoules) <= 0.02 * rep.testProcessJoules,
    `${testsJ} + ${outside} vs ${rep.testProcessJoules}`,
  );
  assert.ok(Math.abs(rep.testProcessJoules + rep.otherJoules - rep.totalJoules) <= 0.02 * rep.totalJoules, 'processes add up to the total');
  assert.ok(
    rep.totalJoules > 0 && rep.totalJoules <= FIXTURE_WATTS * (rep.durationSeconds + 1),
    `${rep.totalJoules} J in ${rep.durationSeconds} s`,
  );
  console.log(
    `      heavy ${top.joules.toFixed(2)} J (${(top.share * 100).toFixed(0)}%), next ${rest[0].joules.toFixed(2)} J; tests ${testsJ.toFixed(3)} + outside ${outside.toFixed(3)} = ${rep.testProcessJoules.toFixed(3)} J of ${rep.totalJoules.toFixed(3)} J`,
  );
  assert.match(r.stderr, /J +duration +share +test/);
}

describe('optivolt test (dist/cli.js, powercap fixture)', function () {
  this.timeout(90000);
  // Each test's CLI runs get a temp folder of their own (TMPDIR): what they leave there is theirs.
  let tmp = '';
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-cli-tmp-'));
    setChildTmp(tmp);
  });
  afterEach(() => {
    setChildTmp(undefined);
    const left = tempDirs(tmp);
    fs.rmSync(tmp, { recursive: true, force: true });
    assert.deepEqual(left, [], 'hook folders left in the temp folder');
  });

  it('mocha: the heavy test on top, tests + outside tests add up within 2%', async () => {
    const mocha = frameworkBin('mocha/bin/mocha.js');
    assert.ok(mocha, 'mocha is a devDependency');
    checkSuite(await runTestCli(['--json', '--', process.execPath, mocha, 'mocha/suite.test.cjs']), 'mocha/suite.test.cjs', 4);
  });

  it('mocha --parallel: the tests of its worker processes, each with its outside-tests row', async () => {
    const mocha = frameworkBin('mocha/bin/mocha.js') ?? '';
    const files = ['mocha/suite.test.cjs', 'mocha/second.test.cjs'];
    const r = await runTestCli(['--json', '--', process.execPath, mocha, '--parallel', '--jobs', '2', ...files]);
    checkSuite(r, 'mocha/suite.test.cjs', 6);
    const pids = new Set(r.report?.tests.map((t) => t.pid));
    assert.ok(!pids.has(r.report?.others.find((o) => o.comm.startsWith('node'))?.pid ?? -1), "mocha's parent ran no test");
    assert.deepEqual(new Set(r.report?.outside.map((o) => o.pid)), pids);
  });

  it('node:test: the heavy test on top, subtests counted once, add up within 2%', async () => {
    const r = await runTestCli(['--json', '--', process.execPath, '--test', 'nodeTest/suite.test.mjs']);
    checkSuite(r, 'nodeTest/suite.test.mjs', 5);
    const parent = r.report?.tests.find((t) => t.name === 'light three');
    const inner = r.report?.tests.find((t) => t.name === 'inner light');
    assert.ok(parent && inner && parent.joules < 0.2 * inner.joules, `parent ${parent?.joules} J, its subtest ${inner?.joules} J`);
  });

  it('node:test, the file run directly by node (no --test): its tests in that one process', async () => {
    const r = await runTestCli(['--json', '--', process.execPath, 'nodeTest/suite.test.mjs']);
    checkSuite(r, 'nodeTest/suite.test.mjs', 5);
    assert.equal(new Set(r.report?.tests.map((t) => t.pid)).size, 1);
  });

  it('jest (jest-circus) in band: the heavy test on top, add up within 2%', async function () {
    const jest = frameworkBin('jest/bin/jest');
    if (!jest) return this.skip();
    const args = ['--config', 'jest/jest.config.json', '--rootDir', 'jest', '--runInBand'];
    checkSuite(await runTestCli(['--json', '--', process.execPath, jest, ...args]), 'jest/suite.test.js', 6);
  });

  it('jest in two worker processes: each worker its tests and its outside-tests row, jest itself apart', async function () {
    const jest = frameworkBin('jest/bin/jest');
    if (!jest) return this.skip();
    // A fresh cache: with no timings from an earlier run, jest runs two files in workers (jest/core testSchedulerHelper).
    const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-jest-cache-'));
    try {
      const args = ['--config', 'jest/jest.config.json', '--rootDir', 'jest', '--maxWorkers', '2', '--cacheDirectory', cache];
      const r = await runTestCli(['--json', '--', process.execPath, jest, ...args]);
      checkSuite(r, 'jest/suite.test.js', 6);
      const pids = new Set(r.report?.tests.map((t) => t.pid));
      assert.equal(pids.size, 2, 'two workers ran the tests');
      assert.deepEqual(new Set(r.report?.outside.map((o) => o.pid)), pids);
      assert.ok((r.report?.otherJoules ?? 0) > 0, "jest's parent process is apart");
    } finally {
      fs.rmSync(cache, { recursive: true, force: true });
    }
  });

  it('vitest (forks pool, with the one setupFiles line in its config): the heavy test on top, add up within 2%', async function () {
    const vitest = frameworkBin('vitest/vitest.mjs');
    if (!vitest) return this.skip();
    const r = await runTestCli(['--json', '--', process.execPath, vitest, 'run', '--root', 'vitest', '--config', 'vitest.config.mjs']);
    checkSuite(r, 'vitest/suite.test.mjs', 4);
  });

  it('pytest through the plugin (nothing installed): the heavy test on top, add up within 2%', async function () {
    // python3 without pytest gets Debian's python3-pytest, fetched once into the cache (test/harness/provision-pytest.sh).
    const site = provision.runStep('pytest');
    const env = site ? { PYTHONPATH: [site, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) } : {};
    const r = await runTestCli(['--json', '--', 'python3', '-m', 'pytest', '-q', '-p', 'no:cacheprovider', 'pytest'], env);
    checkSuite(r, 'pytest/test_suite.py', 4);
  });

  it('a failing suite: its exit code is kept and the results are still printed', async () => {
    const mocha = frameworkBin('mocha/bin/mocha.js') ?? '';
    const r = await runTestCli(['--json', '--', process.execPath, mocha, 'mocha/suite.test.cjs'], { FIXTURE_FAIL: '1' });
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.report?.exitCode, 1);
    assert.equal(r.report?.tests.find((t) => t.name === 'light three')?.outcome, 'failed');
    assert.match(r.report?.tests[0].name ?? '', /heavy/);
  });

  it('Ctrl-C: the suite gets the signal, the tests that ended are printed, optivolt test ends by SIGINT', async () => {
    const mocha = frameworkBin('mocha/bin/mocha.js') ?? '';
    // Light tests of ~0.5 s and a heavy one of ~2.5 s: the signal comes during the heavy test.
    const r = await runTestCli(['--json', '--', process.execPath, mocha, 'mocha/suite.test.cjs'], { BURN_SCALE: '3.3' }, (proc) =>
      setTimeout(() => proc.kill('SIGINT'), 2000),
    );
    assert.equal(r.signal, 'SIGINT', `ended by SIGINT (code ${r.code}): ${r.stderr}`);
    assert.equal(r.report?.interrupted, 'SIGINT', r.stdout);
    const names = r.report?.tests.map((t) => t.name) ?? [];
    assert.ok(names.includes('light one') && names.length < 4, names.join(', '));
    assert.ok(r.report?.limits.some((l) => /interrupted by SIGINT/.test(l)));
    assert.match(r.stderr, /light one/);
  });

  it('budgets: a single run over a name budget exits 3 and says it is one run; a previous output as budgets passes', async () => {
    const mocha = frameworkBin('mocha/bin/mocha.js') ?? '';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-budget-'));
    try {
      const budget = path.join(dir, 'budget.json');
      fs.writeFileSync(budget, JSON.stringify({ heavy: 0.5, 'mocha fixture > light one': 1000, 'no such test': 1 }));
      const r = await runTestCli(['--json', '--budget', budget, '--', process.execPath, mocha, 'mocha/suite.test.cjs']);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /budget OVER: "mocha fixture > heavy" .*a single run's verdict/);
      assert.match(r.stderr, /no test named "no such test" ran/);
      assert.deepEqual(r.report?.budget?.checks.map((c) => c.verdict).sort(), ['over', 'within']);
      // The same suite with its own previous output, times two, as limits: within.
      const prev = { ...r.report, tests: r.report?.tests.map((t) => ({ ...t, joules: t.joules * 2 })) };
      fs.writeFileSync(budget, JSON.stringify(prev));
      const again = await runTestCli(['--budget', budget, '--repeat', '2', '--', process.execPath, mocha, 'mocha/suite.test.cjs']);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /budget within: "mocha fixture > heavy" .*95% CI .* 2 runs/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('bad input: no command, an unreadable budget file', async () => {
    const none = await runTestCli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no test command/);
    const bad = await runTestCli(['--budget', '/nonexistent/b.json', '--', 'true']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /cannot read the budget file/);
  });
});
