import type { SourceKind } from '../../shared/power';
import type { TestOutcome } from './testRecords';
import type { TestRunEnergy } from './testAttribution';

/** One test case over the runs (`optivolt test --json`'s `tests`, the editor's view). */
export interface TestCaseEnergy {
  readonly name: string;
  readonly suite: string;
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  readonly framework: string;
  /** The last run's outcome. */
  readonly outcome: TestOutcome;
  /** The last run's process. */
  readonly pid: number;
  /** Mean over the runs that ran it. */
  readonly joules: number;
  readonly durationSeconds: number;
  readonly cpuSeconds: number;
  /** Its part of the runs' total energy (mean joules / mean total). */
  readonly share: number;
  /** One value per run that ran it, in run order. */
  readonly joulesPerRun: readonly number[];
}

export interface TestEnergyReport {
  readonly kind: 'optivolt-test-energy';
  readonly version: 1;
  readonly command: readonly string[];
  readonly cwd: string;
  readonly startedAt: string;
  readonly runs: number;
  readonly exitCode: number;
  /** Means over the runs. */
  readonly totalJoules: number;
  readonly durationSeconds: number;
  /** Tests + outside tests of the processes that ran tests (mean). */
  readonly testProcessJoules: number;
  readonly outsideTestsJoules: number;
  /** Processes that ran no test, and energy no process carried (mean). */
  readonly otherJoules: number;
  readonly source: SourceKind;
  readonly estimated: boolean;
  readonly model: string;
  /** Heaviest first. */
  readonly tests: readonly TestCaseEnergy[];
  /** The last run's '(outside tests)' rows, one per process that ran tests. */
  readonly outside: readonly { readonly pid: number; readonly comm: string; readonly joules: number }[];
  /** The last run's processes that ran no test (pid 0: energy no process carried). */
  readonly others: readonly { readonly pid: number; readonly comm: string; readonly joules: number }[];
  readonly limits: readonly string[];
}

export function testModel(source: SourceKind, estimated: boolean): string {
  const from =
    source === 'rapl'
      ? "the host's RAPL energy counters"
      : source === 'prometheus'
        ? 'host power read from Prometheus'
        : 'an ESTIMATE of host power from CPU load (≈)';
  return (
    `Host power (${from}${estimated && source !== 'estimate' ? ', estimated' : ''}) is shared among the processes that ran by their CPU time ` +
    `in each interval; each test process's share of an interval goes to the tests that ran in it by their own CPU time in their window, ` +
    `the rest of the process's CPU to '(outside tests)'. Tests and '(outside tests)' add up to the test processes' measured energy.`
  );
}

const testKey = (t: { file?: string; suite: string; name: string }): string => `${t.file ?? ''}\u0000${t.suite}\u0000${t.name}`;
const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

export interface RunSummary {
  readonly energy: TestRunEnergy;
  readonly durationSeconds: number;
}

/** Merges runs into one report: tests matched by file, suite and name (a repeated name counts its occurrences). */
export function assembleTestReport(
  runs: readonly RunSummary[],
  meta: Pick<TestEnergyReport, 'command' | 'cwd' | 'startedAt' | 'exitCode' | 'source' | 'estimated' | 'limits'>,
): TestEnergyReport {
  const cases = new Map<string, { last: TestRunEnergy['tests'][number]; joules: number[]; secs: number[]; cpu: number[] }>();
  for (const run of runs) {
    const seen = new Map<string, number>();
    for (const t of [...run.energy.tests].sort((a, b) => a.startUs - b.startUs)) {
      const base = testKey(t);
      const n = seen.get(base) ?? 0;
      seen.set(base, n + 1);
      const key = n === 0 ? base : `${base}\u0000${n}`;
      const c = cases.get(key) ?? { last: t, joules: [], secs: [], cpu: [] };
      c.last = t;
      c.joules.push(t.joules);
      c.secs.push((t.endUs - t.startUs) / 1e6);
      c.cpu.push(t.cpuUs / 1e6);
      cases.set(key, c);
    }
  }
  const total = mean(runs.map((r) => r.energy.totalJoules));
  const sum = (xs: readonly { joules: number }[]): number => xs.reduce((a, x) => a + x.joules, 0);
  const outsideJ = mean(runs.map((r) => sum(r.energy.outside)));
  const testsJ = mean(runs.map((r) => sum(r.energy.tests)));
  const tests: TestCaseEnergy[] = [...cases.values()].map(({ last, joules, secs, cpu }) => ({
    name: last.name,
    suite: last.suite,
    ...(last.file !== undefined ? { file: last.file } : {}),
    ...(last.line !== undefined ? { line: last.line } : {}),
    framework: last.framework,
    outcome: last.outcome,
    pid: last.pid,
    joules: mean(joules),
    durationSeconds: mean(secs),
    cpuSeconds: mean(cpu),
    share: total > 0 ? mean(joules) / total : 0,
    joulesPerRun: joules,
  }));
  tests.sort((a, b) => b.joules - a.joules);
  const last = runs[runs.length - 1];
  return {
    kind: 'optivolt-test-energy',
    version: 1,
    command: meta.command,
    cwd: meta.cwd,
    startedAt: meta.startedAt,
    runs: runs.length,
    exitCode: meta.exitCode,
    totalJoules: total,
    durationSeconds: mean(runs.map((r) => r.durationSeconds)),
    testProcessJoules: testsJ + outsideJ,
    outsideTestsJoules: outsideJ,
    otherJoules: mean(runs.map((r) => sum(r.energy.others))),
    source: meta.source,
    estimated: meta.estimated,
    model: testModel(meta.source, meta.estimated),
    tests,
    outside: last ? last.energy.outside : [],
    others: last ? last.energy.others : [],
    limits: meta.limits,
  };
}
