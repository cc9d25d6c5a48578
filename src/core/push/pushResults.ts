// What a result pushes: a few gauges per result, and for a profile its top functions, so history stays bounded.
import * as path from 'node:path';
import type { EnergyProfile } from '../../shared/energyProfile';
import type { PushSample } from './pushFormat';

/** Functions pushed by default from a profile; the rest are summed into function="(other)". */
export const DEFAULT_PUSH_TOP = 10;
/** The most a profile may push: each function is one series per (session, commit, host). */
export const MAX_PUSH_TOP = 50;
export const OTHER_FUNCTIONS = '(other)';

/** The measure figures pushed (the fields of `optivolt measure --json` they come from). */
export interface MeasureFigures {
  readonly energyJoules: number;
  readonly hostEnergyAboveBaselineJoules?: number;
  readonly durationSeconds: number;
  readonly source: string;
  readonly estimated: boolean;
  readonly exitCode: number;
  readonly runs: number;
  readonly energyJoulesStd?: number;
}

const gauge = (name: string, help: string, value: number, labels: Record<string, string> = {}): PushSample => ({
  name,
  help,
  labels,
  value,
});

/** The gauges every kind of result pushes. `source` rides on the energy: a chart can tell an estimate from RAPL. */
export function resultSamples(f: MeasureFigures, nowMs: number): PushSample[] {
  const src = { source: f.source, estimated: String(f.estimated) };
  return [
    gauge('optivolt_energy_joules', "The program's energy (J), mean over its runs.", f.energyJoules, src),
    ...(f.hostEnergyAboveBaselineJoules !== undefined
      ? [
          gauge(
            'optivolt_host_energy_above_baseline_joules',
            "The host's energy above its baseline (J) during the program, mean over runs.",
            f.hostEnergyAboveBaselineJoules,
          ),
        ]
      : []),
    ...(f.energyJoulesStd !== undefined
      ? [gauge('optivolt_energy_joules_stddev', "Sample standard deviation of the program's energy over its runs (J).", f.energyJoulesStd)]
      : []),
    gauge('optivolt_duration_seconds', "The program's duration (s), mean over its runs.", f.durationSeconds),
    gauge('optivolt_runs', 'How many runs the figures are the mean of.', f.runs),
    gauge('optivolt_exit_code', "The program's exit code (0: it succeeded).", f.exitCode),
    // A Pushgateway's samples carry their scrape time; this orders commits by when they were measured.
    gauge('optivolt_result_timestamp_seconds', 'When the result was measured (Unix time, s).', Math.round(nowMs / 1000)),
  ];
}

/**
 * A function's label value: its name and file name, without the line (which moves from commit to commit, and a chart
 * follows one function across commits) and without the folder (which differs from runner to runner).
 */
function functionLabel(name: string, file: string | undefined): string {
  return file ? `${name} (${path.basename(file)})` : name;
}

/**
 * A profile's gauges: its result's, plus the self energy of its top `top` functions and the rest as "(other)", so
 * a profile adds at most top + 1 series per (session, commit, host) whatever the program's size. Functions with
 * the same label (same name in two files of one name) are summed, never sent as two samples of one series.
 */
export function profileSamples(p: EnergyProfile, exitCode: number, top: number, nowMs: number): PushSample[] {
  const byLabel = new Map<string, number>();
  for (const f of p.functions.slice(0, top)) {
    const key = functionLabel(f.name, f.file);
    byLabel.set(key, (byLabel.get(key) ?? 0) + f.selfJoules);
  }
  const other = p.functions.slice(top).reduce((s, f) => s + f.selfJoules, 0);
  if (p.functions.length > top) byLabel.set(OTHER_FUNCTIONS, (byLabel.get(OTHER_FUNCTIONS) ?? 0) + other);
  return [
    ...resultSamples(
      { energyJoules: p.totalJoules, durationSeconds: p.durationSeconds, source: p.source, estimated: p.estimated, exitCode, runs: p.runs },
      nowMs,
    ),
    ...[...byLabel].map(([fn, j]) =>
      gauge('optivolt_function_self_energy_joules', "A function's self energy (J), mean over runs; the top functions and (other).", j, {
        function: fn,
      }),
    ),
  ];
}

/** The gauges --push-minimal keeps: what the "Energy per commit" dashboard charts (the README's Scale section). */
const MINIMAL = new Set([
  'optivolt_energy_joules',
  'optivolt_duration_seconds',
  'optivolt_function_self_energy_joules',
  'optivolt_test_energy_joules',
]);

export function minimalSamples(samples: readonly PushSample[]): PushSample[] {
  return samples.filter((s) => MINIMAL.has(s.name));
}

/** Tests pushed by default by `optivolt test`; the rest are summed into test="(other tests)". */
export const DEFAULT_PUSH_TESTS = 100;
/** The most `optivolt test` may push: each test is one series per (session, commit, host). */
export const MAX_PUSH_TESTS = 500;
export const OTHER_TESTS = '(other tests)';

/** A test as `optivolt test` reports it: its name, and its mean energy (J) over the runs. */
export interface TestFigure {
  readonly name: string;
  readonly suite: string;
  readonly joules: number;
}

/** A test's label value: "suite > name" as the budget file and the table name it, stable across commits. */
export function testLabel(t: Pick<TestFigure, 'name' | 'suite'>): string {
  return t.suite ? `${t.suite} > ${t.name}` : t.name;
}

/**
 * A test run's gauges: its result's, plus the energy of its `top` heaviest tests and the rest as "(other tests)", so a
 * run adds at most top + 1 test series per (session, commit, host) whatever the suite's size. `tests` is heaviest
 * first; two tests of one label (same suite and name in two files) are summed.
 */
export function testSamples(figures: MeasureFigures, tests: readonly TestFigure[], top: number, nowMs: number): PushSample[] {
  const byLabel = new Map<string, number>();
  for (const t of tests.slice(0, top)) byLabel.set(testLabel(t), (byLabel.get(testLabel(t)) ?? 0) + t.joules);
  if (tests.length > top) byLabel.set(OTHER_TESTS, (byLabel.get(OTHER_TESTS) ?? 0) + tests.slice(top).reduce((s, t) => s + t.joules, 0));
  return [
    ...resultSamples(figures, nowMs),
    ...[...byLabel].map(([test, j]) =>
      gauge('optivolt_test_energy_joules', "A test's energy (J), mean over runs; the heaviest tests and (other tests).", j, { test }),
    ),
  ];
}
