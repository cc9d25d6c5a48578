import * as fs from 'node:fs';
import * as path from 'node:path';
import { energyFigures, formatCo2, formatCost, formatEnergy, formatWatts } from '../core/energy/cost';
import * as os from 'node:os';
import { InterruptedError, measureCommand } from '../core/energy/measureCommand';
import type { MeterResult } from '../core/energy/meter';
import { DEFAULT_KILL_GRACE_MS, EndingSignal, SignalWatch } from '../core/energy/processGroup';
import { OptiVoltSettings, readSettings } from '../core/settings';
import {
  checkSourceMode,
  inFlags,
  num,
  parseFlags,
  parsePushFlags,
  prometheusToken,
  PUSH_FLAGS,
  PUSH_USAGE,
  PushPlan,
  pushResult,
  refuseInvalid,
  SOURCE_FLAGS,
  sourceOverrides,
  UsageError,
} from './flags';
import { resultSamples } from '../core/push/pushResults';
import { errorMessage } from '../core/errors';
import type { SampleSummary } from '../core/stats/descriptive';
import { planRuns, runFigures, SeriesStatistics, seriesStatistics } from '../core/stats/runSeries';

// stack.ts imports it from here.
export { UsageError };

export const MEASURE_USAGE = `Usage: optivolt measure [options] -- COMMAND [ARGS...]

Runs COMMAND (stdio passed through, exit code preserved) and reports the energy of its process tree.

Options:
  --json                   print one JSON object (on stdout, after the command's output)
  --json-file FILE         write that JSON object to FILE instead (replaced at once, never half-written): stdout
                           stays the command's own, for a pipe
  --baseline SECONDS       host power measured before the command, subtracted in "above baseline" (default 2)
  --budget-joules J        exit 3 when the program's energy is over J (an energy regression gate for CI);
                           exit 1 when the figure is partial (the power source failed during a run). The verdict
                           is printed and in the JSON's "budget" field whatever the exit code
  --repeat N               run N times and report the mean, standard deviation and 95% confidence interval of
                           the program's energy, the host's energy above baseline and the duration (default 1);
                           peakWatts is the highest of the runs, pids every process seen in any run; a failing run
                           ends the series. The JSON then lists each run (runResults) and the statistics, which
                           \`optivolt compare\` reads
  --warmup K               K runs first (of the baseline command too) that are not counted (default 0)
  --baseline-command CMD   also measure CMD (run by /bin/sh -c) as many times, interleaved with the command's runs:
                           its figures are in the JSON's baselineCommand; a failing baseline run ends the series
                           (exit 1)
  --shuffle                run the measured runs in a random order (seeded: --seed N, default from the clock, and
                           printed in the JSON) instead of interleaved
  --kill-after SECONDS     after SIGINT/SIGTERM/SIGHUP, how long the command has to end before SIGKILL (default 5)
  --source auto|rapl|estimate|prometheus, --powercap-root DIR, --proc-root DIR, --prometheus-url URL,
  --prometheus-header 'K: V', --prometheus-ca FILE, --prometheus-token-file FILE (or $OPTIVOLT_PROMETHEUS_TOKEN)
  --interval MS            sampling interval, 500-60000 (default 500)
${PUSH_USAGE}
  -h, --help               this help

Exit code, the first that applies:
  128+N  a signal N ended measure (see below)
  C      the command failed with exit code C (not 0): its failure is never hidden by the budget's verdict
  127    the command was not found;  1  measure could not measure, check the budget, write --json-file or
         push (--push), or a --baseline-command run failed
  3      the command succeeded and its energy is over --budget-joules
  0      the command succeeded (and is within the budget)

COMMAND runs in its own process group: SIGINT (Ctrl-C), SIGTERM and SIGHUP are passed on to all of it, then
SIGKILL after --kill-after. What was measured up to then (the finished runs of --repeat) is printed, and measure
ends by the same signal (the shell shows 128+N: 130, 143, 129).`;

interface MeasureArgs {
  readonly command: string;
  readonly args: string[];
  readonly json: boolean;
  readonly jsonFile?: string;
  readonly baseline: number;
  readonly budget?: number;
  readonly repeat: number;
  readonly warmup: number;
  readonly baselineCommand?: string;
  readonly shuffleSeed?: number;
  readonly killGraceMs: number;
  readonly procRoot?: string;
  readonly push?: PushPlan;
  readonly prometheusToken?: string;
  readonly overrides: Record<string, unknown>;
}

export function parseMeasureArgs(argv: string[]): MeasureArgs | 'help' {
  const dash = argv.indexOf('--');
  const opts = dash >= 0 ? argv.slice(0, dash) : argv;
  const cmd = dash >= 0 ? argv.slice(dash + 1) : [];
  const v = parseFlags(
    opts,
    {
      json: { type: 'boolean', default: false },
      'json-file': { type: 'string' },
      baseline: { type: 'string' },
      'budget-joules': { type: 'string' },
      repeat: { type: 'string' },
      warmup: { type: 'string' },
      'baseline-command': { type: 'string' },
      shuffle: { type: 'boolean', default: false },
      seed: { type: 'string' },
      'kill-after': { type: 'string' },
      ...SOURCE_FLAGS,
      ...PUSH_FLAGS,
      help: { type: 'boolean', short: 'h', default: false },
    },
    false,
    dash < 0 ? ' (put the command after --)' : '',
  ).values;
  if (v.help) return 'help';
  const push = parsePushFlags(v);
  if (cmd.length === 0) throw new UsageError('no command to measure: optivolt measure [options] -- COMMAND [ARGS...]');
  checkSourceMode(v.source);
  const jsonFile = v['json-file'];
  if (jsonFile !== undefined) {
    // Said before the command runs, not after a long run whose report then has nowhere to go.
    const dir = path.dirname(path.resolve(jsonFile));
    if (jsonFile.trim() === '' || !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
      throw new UsageError(`--json-file needs a file in an existing folder (got "${jsonFile}")`);
    }
  }
  const baselineCommand = v['baseline-command'];
  if (baselineCommand !== undefined && baselineCommand.trim() === '') throw new UsageError('--baseline-command needs a command line');
  const seed = num('seed', v.seed, 0, true);
  if (seed !== undefined && !v.shuffle) throw new UsageError('--seed only orders --shuffle: add --shuffle');
  return {
    command: cmd[0],
    args: cmd.slice(1),
    json: v.json ?? false,
    jsonFile,
    baseline: num('baseline', v.baseline, 0, false) ?? 2,
    budget: num('budget-joules', v['budget-joules'], 0, false),
    repeat: num('repeat', v.repeat, 1, true) ?? 1,
    warmup: num('warmup', v.warmup, 0, true) ?? 0,
    baselineCommand,
    shuffleSeed: v.shuffle ? (seed ?? Date.now() % 2 ** 31) : undefined,
    killGraceMs: (num('kill-after', v['kill-after'], 0, false) ?? DEFAULT_KILL_GRACE_MS / 1000) * 1000,
    procRoot: v['proc-root'],
    push,
    prometheusToken: prometheusToken(v),
    overrides: sourceOverrides(v, 500),
  };
}

export async function runMeasure(argv: string[]): Promise<number> {
  const a = parseMeasureArgs(argv);
  if (a === 'help') {
    process.stdout.write(`${MEASURE_USAGE}\n`);
    return 0;
  }
  const { settings, invalid } = readSettings((k) => a.overrides[k]);
  refuseInvalid(invalid);
  // Listening from the start to the end, between runs too: a signal then still prints the finished runs.
  const watch = new SignalWatch();
  try {
    return await measureRuns(a, settings, watch);
  } finally {
    watch.dispose();
  }
}

async function measureRuns(a: MeasureArgs, settings: OptiVoltSettings, watch: SignalWatch): Promise<number> {
  const runs: MeterResult[] = [];
  const baselineRuns: MeterResult[] = [];
  const pids = new Set<number>();
  let exitCode = 0;
  let partial: string | undefined;
  const label = [a.command, ...a.args].join(' ');
  const plan = planRuns({ repeat: a.repeat, warmup: a.warmup, withBaseline: a.baselineCommand !== undefined, shuffleSeed: a.shuffleSeed });
  let programRun = 0;
  for (const step of plan) {
    if (watch.received) break;
    const baseline = step.kind === 'baseline';
    const what = baseline ? `baseline command "${a.baselineCommand}"` : `"${label}"`;
    let m;
    try {
      m = await measureCommand(baseline ? '/bin/sh' : a.command, baseline ? ['-c', a.baselineCommand as string] : a.args, {
        settings,
        procRoot: a.procRoot,
        prometheusToken: a.prometheusToken,
        baselineSeconds: a.baseline,
        log: (msg) => process.stderr.write(`optivolt: ${inFlags(msg)}\n`),
        signals: watch,
        killGraceMs: a.killGraceMs,
      });
    } catch (err) {
      if (err instanceof InterruptedError) break;
      process.stderr.write(`optivolt: cannot measure ${what}: ${inFlags(errorMessage(err))}\n`);
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 1;
    }
    if (m.note) process.stderr.write(`optivolt: ${inFlags(m.note)}\n`);
    const figures = `${formatEnergy(m.result.energyJoules)} in ${m.result.durationSeconds.toFixed(2)} s`;
    if (baseline) {
      if (m.exitCode !== 0) {
        process.stderr.write(`optivolt: the baseline command failed (exit ${m.exitCode}): the series ends\n`);
        return 1;
      }
      if (!step.warmup) baselineRuns.push(m.result);
      process.stderr.write(`optivolt: ${step.warmup ? 'warm-up ' : ''}baseline run: ${figures}\n`);
      continue;
    }
    exitCode = m.exitCode;
    if (step.warmup) process.stderr.write(`optivolt: warm-up run (not counted): ${figures}\n`);
    else {
      runs.push(m.result);
      // Every run's processes: its command (which may end before the first scan sees it) and what the scans saw.
      if (m.pid !== undefined) pids.add(m.pid);
      for (const pid of m.result.pids) pids.add(pid);
      partial ??= m.partial;
      if (a.repeat > 1) process.stderr.write(`optivolt: run ${++programRun}/${a.repeat}: ${figures}\n`);
    }
    if (exitCode !== 0) break;
  }
  const signal = watch.received;
  if (runs.length === 0) {
    if (signal) {
      process.stderr.write(`optivolt: interrupted by ${signal} before "${label}" started: nothing measured\n`);
      return dieBy(signal);
    }
    process.stderr.write(`optivolt: a warm-up run of "${label}" failed (exit ${exitCode}): nothing measured\n`);
    return exitCode;
  }
  const last = runs[runs.length - 1];
  const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
  const energy = mean(runs.map((r) => r.energyJoules));
  const money = energyFigures(energy, settings.costPerKWh, settings.carbonIntensity);
  // A partial figure could pass a budget the whole run exceeds: the gate cannot say.
  const verdict = a.budget === undefined ? undefined : partial !== undefined ? 'unknown' : energy > a.budget ? 'over' : 'within';
  const series = runs.length > 1 || a.baselineCommand !== undefined || a.warmup > 0;
  const runResults = runs.map(runFigures);
  const stats = seriesStatistics(runResults);
  const summary = {
    durationSeconds: mean(runs.map((r) => r.durationSeconds)),
    energyJoules: energy,
    hostEnergyJoules: mean(runs.map((r) => r.hostEnergyJoules)),
    hostEnergyAboveBaselineJoules: mean(runs.map((r) => r.hostEnergyAboveBaselineJoules)),
    baselineWatts: mean(runs.map((r) => r.baselineWatts)),
    averageWatts: mean(runs.map((r) => r.averageWatts)),
    peakWatts: Math.max(...runs.map((r) => r.peakWatts)),
    source: last.source,
    estimated: last.estimated,
    costPerKWh: settings.costPerKWh,
    currency: settings.currency,
    cost: money.cost,
    co2Grams: money.co2Grams,
    exitCode,
    pids: [...pids].sort((x, y) => x - y),
    ...(runs.length > 1 ? { runs: runs.length, energyJoulesStd: stats.energyJoules.sd, durationSecondsStd: stats.durationSeconds.sd } : {}),
    // What `optivolt compare` reads: each run, the statistics, and what tells two files apart (host, source, interval).
    ...(series
      ? {
          command: [a.command, ...a.args],
          host: os.hostname(),
          intervalSeconds: settings.refreshInterval / 1000,
          warmup: a.warmup,
          order: a.shuffleSeed !== undefined ? 'shuffled' : a.baselineCommand !== undefined ? 'interleaved' : 'sequential',
          ...(a.shuffleSeed !== undefined ? { seed: a.shuffleSeed } : {}),
          runResults,
          statistics: stats,
        }
      : {}),
    ...(a.baselineCommand !== undefined && baselineRuns.length > 0
      ? {
          baselineCommand: {
            command: a.baselineCommand,
            runs: baselineRuns.length,
            runResults: baselineRuns.map(runFigures),
            statistics: seriesStatistics(baselineRuns.map(runFigures)),
          },
        }
      : {}),
    ...(a.budget !== undefined ? { budget: { limitJoules: a.budget, verdict } } : {}),
    ...(signal ? { interrupted: signal } : {}),
    ...(partial !== undefined ? { partial } : {}),
  };
  const json = `${JSON.stringify(summary)}\n`;
  if (a.json) process.stdout.write(json);
  else {
    const spread = runs.length > 1 ? ` ± ${formatEnergy(stats.energyJoules.sd)} over ${runs.length} runs` : '';
    const cut = signal ? `, interrupted by ${signal}${a.repeat > 1 ? ` after ${runs.length} of ${a.repeat} runs` : ''}` : '';
    process.stderr.write(
      `optivolt: "${label}" ran ${summary.durationSeconds.toFixed(2)} s (exit ${exitCode}${cut}), source ${last.source}${last.estimated ? ' (≈ ESTIMATE from CPU load)' : ''}\n` +
        `  program: ${formatEnergy(energy)}${spread}, average ${formatWatts(summary.averageWatts)}, peak ${formatWatts(summary.peakWatts)}\n` +
        `  host: ${formatEnergy(summary.hostEnergyJoules)}, ${formatEnergy(summary.hostEnergyAboveBaselineJoules)} above the ${formatWatts(summary.baselineWatts)} baseline\n` +
        (runs.length > 1 ? statisticsLines(stats) : '') +
        (summary.baselineCommand
          ? `  baseline command (${baselineRuns.length} runs):\n${statisticsLines(summary.baselineCommand.statistics, 'its energy')}`
          : '') +
        `  cost: ${formatCost(money.cost, settings.currency)} at ${settings.costPerKWh} ${settings.currency}/kWh · ${formatCo2(money.co2Grams)}\n`,
    );
  }
  const written = a.jsonFile === undefined || writeAtomically(a.jsonFile, json);
  // An interrupted or partial series is not a commit's figure: it is not pushed to the history.
  const pushed =
    a.push === undefined ||
    signal !== undefined ||
    partial !== undefined ||
    (await pushResult(a.push, 'measure', label, resultSamples({ ...summary, runs: runs.length }, Date.now())));
  if (signal) return dieBy(signal);
  // The verdict is said whatever the exit code, so a failing command's code does not hide it (nor it the code).
  const failed = exitCode !== 0 ? ` (measure exits ${exitCode}, the command's own code)` : '';
  if (verdict === 'unknown')
    process.stderr.write(
      `optivolt: cannot check the budget: the power source failed during the run, so ${formatEnergy(energy)} covers only part of it (${partial})${failed}\n`,
    );
  if (verdict === 'over') process.stderr.write(`optivolt: over budget: ${formatEnergy(energy)} > ${a.budget} J${failed}\n`);
  if (exitCode !== 0) return exitCode;
  if (verdict === 'unknown' || !written || !pushed) return 1;
  return verdict === 'over' ? 3 : 0;
}

/** Mean ± sd and the 95% interval of each figure, one line each. */
function statisticsLines(st: SeriesStatistics, energyOf = 'program energy'): string {
  const line = (what: string, s: SampleSummary, unit: (x: number) => string): string =>
    `    ${what}: mean ${unit(s.mean)}, sd ${unit(s.sd)}${s.ci95 ? `, 95% CI [${unit(s.ci95[0])}, ${unit(s.ci95[1])}]` : ''}\n`;
  const seconds = (x: number): string => `${x.toFixed(3)} s`;
  return (
    line(energyOf, st.energyJoules, formatEnergy) +
    line('host energy above baseline', st.hostEnergyAboveBaselineJoules, formatEnergy) +
    line('duration', st.durationSeconds, seconds)
  );
}

/** Writes FILE whole or not at all (a temporary file beside it, renamed): a reader never sees half a report. */
function writeAtomically(file: string, text: string): boolean {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
    return true;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    process.stderr.write(`optivolt: cannot write --json-file ${file}: ${errorMessage(err)}\n`);
    return false;
  }
}

/**
 * Ends this process by the signal it received, once its output is flushed, so a shell sees "killed by SIGINT"
 * (its loop stops on Ctrl-C, $? is 128+N). Exits 128+N should the signal not end us.
 */
export async function dieBy(signal: EndingSignal): Promise<number> {
  await new Promise<void>((r) => process.stdout.write('', () => process.stderr.write('', () => r())));
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  return 128 + os.constants.signals[signal];
}
