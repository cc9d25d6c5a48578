import { parseArgs } from 'node:util';
import { energyFigures, formatCo2, formatCost, formatEnergy, formatWatts } from '../core/energy/cost';
import * as os from 'node:os';
import { InterruptedError, measureCommand } from '../core/energy/measureCommand';
import type { MeterResult } from '../core/energy/meter';
import { DEFAULT_KILL_GRACE_MS, EndingSignal, SignalWatch } from '../core/energy/processGroup';
import { OptiVoltSettings, readSettings } from '../core/settings';
import { SOURCE_MODES, SourceMode } from '../shared/power';

export const MEASURE_USAGE = `Usage: optivolt measure [options] -- COMMAND [ARGS...]

Runs COMMAND (stdio passed through, exit code preserved) and reports the energy of its process tree.

Options:
  --json                   print one JSON object (on stdout, after the command's output)
  --baseline SECONDS       host power measured before the command, subtracted in "above baseline" (default 2)
  --budget-joules J        exit 3 when the program's energy is over J (an energy regression gate for CI);
                           exit 1 when the figure is partial (the power source failed during a run)
  --repeat N               run N times and report the mean and spread (default 1)
  --kill-after SECONDS     after SIGINT/SIGTERM/SIGHUP, how long the command has to end before SIGKILL (default 5)
  --source auto|rapl|estimate|prometheus, --powercap-root DIR, --proc-root DIR, --prometheus-url URL
  --interval MS            sampling interval, >= 500 (default 500)
  -h, --help               this help

COMMAND runs in its own process group: SIGINT (Ctrl-C), SIGTERM and SIGHUP are passed on to all of it, then
SIGKILL after --kill-after. What was measured up to then (the finished runs of --repeat) is printed, and measure
ends by the same signal (the shell shows 128+N: 130, 143, 129).`;

export class UsageError extends Error {}

interface MeasureArgs {
  readonly command: string;
  readonly args: string[];
  readonly json: boolean;
  readonly baseline: number;
  readonly budget?: number;
  readonly repeat: number;
  readonly killGraceMs: number;
  readonly procRoot?: string;
  readonly overrides: Record<string, unknown>;
}

function num(name: string, raw: string | undefined, min: number, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
    throw new UsageError(`--${name} must be ${integer ? 'a whole number' : 'a number'} >= ${min} (got "${raw}")`);
  }
  return v;
}

export function parseMeasureArgs(argv: string[]): MeasureArgs | 'help' {
  const dash = argv.indexOf('--');
  const opts = dash >= 0 ? argv.slice(0, dash) : argv;
  const cmd = dash >= 0 ? argv.slice(dash + 1) : [];
  let v;
  try {
    v = parseArgs({
      args: opts,
      strict: true,
      allowPositionals: false,
      options: {
        json: { type: 'boolean', default: false },
        baseline: { type: 'string' },
        'budget-joules': { type: 'string' },
        repeat: { type: 'string' },
        'kill-after': { type: 'string' },
        source: { type: 'string' },
        'powercap-root': { type: 'string' },
        'proc-root': { type: 'string' },
        'prometheus-url': { type: 'string' },
        interval: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] + (dash < 0 ? ' (put the command after --)' : ''));
  }
  if (v.help) return 'help';
  if (cmd.length === 0) throw new UsageError('no command to measure: optivolt measure [options] -- COMMAND [ARGS...]');
  if (v.source !== undefined && !SOURCE_MODES.includes(v.source as SourceMode)) {
    throw new UsageError(`--source must be one of ${SOURCE_MODES.join(', ')} (got "${v.source}")`);
  }
  return {
    command: cmd[0],
    args: cmd.slice(1),
    json: v.json ?? false,
    baseline: num('baseline', v.baseline, 0, false) ?? 2,
    budget: num('budget-joules', v['budget-joules'], 0, false),
    repeat: num('repeat', v.repeat, 1, true) ?? 1,
    killGraceMs: (num('kill-after', v['kill-after'], 0, false) ?? DEFAULT_KILL_GRACE_MS / 1000) * 1000,
    procRoot: v['proc-root'],
    overrides: {
      'power.source': v.source,
      'power.powercapRoot': v['powercap-root'],
      'prometheus.url': v['prometheus-url'],
      refreshInterval: num('interval', v.interval, 500, true) ?? 500,
    },
  };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const std = (xs: number[]): number => (xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1)));

export async function runMeasure(argv: string[]): Promise<number> {
  const a = parseMeasureArgs(argv);
  if (a === 'help') {
    process.stdout.write(`${MEASURE_USAGE}\n`);
    return 0;
  }
  const { settings, problems } = readSettings((k) => a.overrides[k]);
  if (problems.length) throw new UsageError(problems[0].replace(/^optivolt\.prometheus\.url/, '--prometheus-url'));
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
  let exitCode = 0;
  let partial: string | undefined;
  const label = [a.command, ...a.args].join(' ');
  for (let i = 0; i < a.repeat && !watch.received; i++) {
    let m;
    try {
      m = await measureCommand(a.command, a.args, {
        settings,
        procRoot: a.procRoot,
        baselineSeconds: a.baseline,
        log: (msg) => process.stderr.write(`optivolt: ${msg}\n`),
        signals: watch,
        killGraceMs: a.killGraceMs,
      });
    } catch (err) {
      if (err instanceof InterruptedError) break;
      process.stderr.write(`optivolt: cannot measure "${label}": ${(err as Error).message}\n`);
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 1;
    }
    runs.push(m.result);
    exitCode = m.exitCode;
    partial ??= m.partial;
    if (m.note) process.stderr.write(`optivolt: ${m.note}\n`);
    if (a.repeat > 1) process.stderr.write(`optivolt: run ${i + 1}/${a.repeat}: ${formatEnergy(m.result.energyJoules)} in ${m.result.durationSeconds.toFixed(2)} s\n`);
    if (exitCode !== 0) break;
  }
  const signal = watch.received;
  if (signal) quietOutput(); // the terminal may be gone (SIGHUP): a failed write must not stop us
  if (runs.length === 0) {
    process.stderr.write(`optivolt: interrupted by ${signal} before "${label}" started: nothing measured\n`);
    return dieBy(signal ?? 'SIGTERM');
  }
  const last = runs[runs.length - 1];
  const energy = mean(runs.map((r) => r.energyJoules));
  const money = energyFigures(energy, settings.costPerKWh, settings.carbonIntensity);
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
    pids: last.pids,
    ...(runs.length > 1 ? { runs: runs.length, energyJoulesStd: std(runs.map((r) => r.energyJoules)), durationSecondsStd: std(runs.map((r) => r.durationSeconds)) } : {}),
    ...(signal ? { interrupted: signal } : {}),
    ...(partial !== undefined ? { partial } : {}),
  };
  if (a.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const spread = runs.length > 1 ? ` ± ${formatEnergy(summary.energyJoulesStd ?? 0)} over ${runs.length} runs` : '';
    const cut = signal ? `, interrupted by ${signal}${a.repeat > 1 ? ` after ${runs.length} of ${a.repeat} runs` : ''}` : '';
    process.stderr.write(
      `optivolt: "${label}" ran ${summary.durationSeconds.toFixed(2)} s (exit ${exitCode}${cut}), source ${last.source}${last.estimated ? ' (≈ ESTIMATE from CPU load)' : ''}\n` +
        `  program: ${formatEnergy(energy)}${spread}, average ${formatWatts(summary.averageWatts)}, peak ${formatWatts(summary.peakWatts)}\n` +
        `  host: ${formatEnergy(summary.hostEnergyJoules)}, ${formatEnergy(summary.hostEnergyAboveBaselineJoules)} above the ${formatWatts(summary.baselineWatts)} baseline\n` +
        `  cost: ${formatCost(money.cost, settings.currency)} at ${settings.costPerKWh} ${settings.currency}/kWh · ${formatCo2(money.co2Grams)}\n`,
    );
  }
  if (signal) return dieBy(signal);
  if (a.budget !== undefined && partial !== undefined) {
    // A figure that covers part of the run could pass a budget the whole run exceeds: the gate cannot say.
    process.stderr.write(`optivolt: cannot check the budget: the power source failed during the run, so ${formatEnergy(energy)} covers only part of it (${partial})\n`);
    return 1;
  }
  if (a.budget !== undefined && energy > a.budget) {
    process.stderr.write(`optivolt: over budget: ${formatEnergy(energy)} > ${a.budget} J\n`);
    return 3;
  }
  return exitCode;
}

function quietOutput(): void {
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
}

/**
 * Ends this process by the signal it received, once its output is flushed, so a shell sees "killed by SIGINT"
 * (its loop stops on Ctrl-C, $? is 128+N). Exits 128+N should the signal not end us.
 */
async function dieBy(signal: EndingSignal): Promise<number> {
  await new Promise<void>((r) => process.stdout.write('', () => process.stderr.write('', () => r())));
  process.removeAllListeners(signal);
  process.kill(process.pid, signal);
  return 128 + os.constants.signals[signal];
}
