/**
 * Energy per test: `optivolt test` and the editor's Measure Test Energy run the project's test command under the
 * measurement core (measureCommand: same power sources, process-tree attribution, signals and exit codes) with
 * profile-core's per-process timeline recorded, and with hooks injected (testHooksEnv: a Node preload for mocha,
 * node:test and jest, a pytest plugin) that write each test case's window in the process that ran it. Each test gets
 * its process's attributed energy over its window (testAttribution.ts).
 */
import * as path from 'node:path';
import type { SourceKind } from '../../shared/power';
import { InterruptedError, measureCommand } from '../energy/measureCommand';
import type { EndingSignal, SignalWatch } from '../energy/processGroup';
import { recordTimeline, TimelineRecorder } from '../profile/timeline';
import type { OptiVoltSettings } from '../settings';
import { testHooksEnv } from './hooksEnv';
import { testEnergies } from './testAttribution';
import { findTestLines, readHookRecords } from './testRecords';
import { assembleTestReport, RunSummary, TestEnergyReport } from './testReport';

export { InterruptedError };

export interface TestEnergyOptions {
  readonly settings: OptiVoltSettings;
  readonly cwd?: string;
  /** The command's environment before the hooks are injected (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Runs (default 1); an interrupted run ends the series, a failing one does not (its tests still count). */
  readonly repeat?: number;
  readonly signals?: SignalWatch;
  readonly killGraceMs?: number;
  readonly log?: (message: string) => void;
  readonly procRoot?: string;
  readonly terminal?: boolean;
  /** After each run (for a progress line). */
  readonly onRun?: (run: number, joules: number, seconds: number, tests: number) => void;
}

export interface TestEnergyOutcome {
  readonly report: TestEnergyReport;
  /** The last run's exit code (128 + N when a signal ended it); the first failing run's code when one failed. */
  readonly exitCode: number;
  readonly interrupted?: EndingSignal;
}

const NO_TESTS =
  'No test was recorded: the hooks reach mocha, node:test and jest run by Node, and pytest; vitest needs the one setupFiles line the README shows; or the runner ran no test.';

/** Runs `command` `repeat` times with the hooks and returns the energy of each test (see the module comment). */
export async function testEnergyCommand(command: string, args: readonly string[], opts: TestEnergyOptions): Promise<TestEnergyOutcome> {
  const repeat = opts.repeat ?? 1;
  const startedAt = new Date().toISOString();
  const runs: RunSummary[] = [];
  const limits: string[] = [];
  const note = (s: string): void => void (limits.includes(s) || limits.push(s));
  let exitCode = 0;
  let source: SourceKind = 'estimate';
  let estimated = true;
  for (let i = 0; i < repeat && !opts.signals?.received; i++) {
    const hooks = testHooksEnv(opts.env ?? process.env);
    try {
      let recorder: TimelineRecorder | undefined;
      let m;
      try {
        m = await measureCommand(command, args, {
          settings: opts.settings,
          procRoot: opts.procRoot,
          baselineSeconds: 0,
          log: opts.log,
          signals: opts.signals,
          killGraceMs: opts.killGraceMs,
          terminal: opts.terminal,
          env: hooks.env,
          cwd: opts.cwd,
          onTree: (tree) => (recorder = recordTimeline(tree)),
        });
      } catch (err) {
        if (err instanceof InterruptedError && runs.length > 0) break;
        throw err;
      }
      const timeline = (recorder as TimelineRecorder | undefined)?.finish(m.result.energyJoules);
      const recs = readHookRecords(hooks.dir);
      for (const p of recs.problems) opts.log?.(p);
      const tests = findTestLines(recs.tests);
      if (timeline) {
        const energy = testEnergies(timeline, tests, recs.exitCpuUs);
        if (energy.concurrent)
          note(
            "Tests ran concurrently within one process: their CPU time is the whole process's, so those tests share its energy by time, not by their own CPU.",
          );
        runs.push({ energy, durationSeconds: m.result.durationSeconds });
      }
      if (tests.length === 0) note(NO_TESTS);
      if (m.note) note(m.note);
      if (m.partial !== undefined) note(`The power source failed during the run, so the figures cover only the time before: ${m.partial}`);
      source = m.result.source;
      estimated = m.result.estimated;
      if (exitCode === 0 || m.interrupted) exitCode = m.exitCode;
      opts.onRun?.(i + 1, m.result.energyJoules, m.result.durationSeconds, tests.length);
      if (m.interrupted) break;
    } finally {
      hooks.dispose();
    }
  }
  const interrupted = opts.signals?.received;
  if (interrupted) note(`The run was interrupted by ${interrupted}: the tests it finished are counted.`);
  if (runs.some((r) => r.durationSeconds < 1))
    note('A run shorter than a second spans one or two power intervals: its split between tests is coarse.');
  note(
    "A test lasting less than a power interval (500 ms by default) gets its process's power of that interval, pro-rated by its CPU time.",
  );
  const report = assembleTestReport(runs, {
    command: [command, ...args],
    cwd: path.resolve(opts.cwd ?? process.cwd()),
    startedAt,
    exitCode,
    source,
    estimated,
    limits,
  });
  return { report, exitCode, ...(interrupted ? { interrupted } : {}) };
}
