import { parseArgs } from 'node:util';
import { energyFigures, formatCo2, formatCost, formatEnergy, formatWatts } from '../core/energy/cost';
import { measureCommand } from '../core/energy/measureCommand';
import type { MeterResult } from '../core/energy/meter';
import { readSettings } from '../core/settings';
import { SOURCE_MODES, SourceMode } from '../shared/power';

export const MEASURE_USAGE = `Usage: optivolt measure [options] -- COMMAND [ARGS...]

Runs COMMAND (stdio passed through, exit code preserved) and reports the energy of its process tree.

Options:
  --json                   print one JSON object (on stdout, after the command's output)
  --baseline SECONDS       host power measured before the command, subtracted in "above baseline" (default 2)
  --budget-joules J        exit 3 when the program's energy is over J (an energy regression gate for CI)
  --repeat N               run N times and report the mean and spread (default 1)
  --source auto|rapl|estimate|prometheus, --powercap-root DIR, --proc-root DIR, --prometheus-url URL
  --interval MS            sampling interval, >= 500 (default 500)
  -h, --help               this help`;

export class UsageError extends Error {}

interface MeasureArgs {
  readonly command: string;
  readonly args: string[];
  readonly json: boolean;
  readonly baseline: number;
  readonly budget?: number;
  readonly repeat: number;
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
  const runs: MeterResult[] = [];
  let exitCode = 0;
  const label = [a.command, ...a.args].join(' ');
  for (let i = 0; i < a.repeat; i++) {
    let m;
    try {
      m = await measureCommand(a.command, a.args, {
        settings,
        procRoot: a.procRoot,
        baselineSeconds: a.baseline,
        log: (msg) => process.stderr.write(`optivolt: ${msg}\n`),
      });
    } catch (err) {
      process.stderr.write(`optivolt: cannot measure "${label}": ${(err as Error).message}\n`);
      return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 1;
    }
    runs.push(m.result);
    exitCode = m.exitCode;
    if (m.note) process.stderr.write(`optivolt: ${m.note}\n`);
    if (a.repeat > 1) process.stderr.write(`optivolt: run ${i + 1}/${a.repeat}: ${formatEnergy(m.result.energyJoules)} in ${m.result.durationSeconds.toFixed(2)} s\n`);
    if (exitCode !== 0) break;
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
  };
  if (a.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const spread = runs.length > 1 ? ` ± ${formatEnergy(summary.energyJoulesStd ?? 0)} over ${runs.length} runs` : '';
    process.stderr.write(
      `optivolt: "${label}" ran ${summary.durationSeconds.toFixed(2)} s (exit ${exitCode}), source ${last.source}${last.estimated ? ' (≈ ESTIMATE from CPU load)' : ''}\n` +
        `  program: ${formatEnergy(energy)}${spread}, average ${formatWatts(summary.averageWatts)}, peak ${formatWatts(summary.peakWatts)}\n` +
        `  host: ${formatEnergy(summary.hostEnergyJoules)}, ${formatEnergy(summary.hostEnergyAboveBaselineJoules)} above the ${formatWatts(summary.baselineWatts)} baseline\n` +
        `  cost: ${formatCost(money.cost, settings.currency)} at ${settings.costPerKWh} ${settings.currency}/kWh · ${formatCo2(money.co2Grams)}\n`,
    );
  }
  if (a.budget !== undefined && energy > a.budget) {
    process.stderr.write(`optivolt: over budget: ${formatEnergy(energy)} > ${a.budget} J\n`);
    return 3;
  }
  return exitCode;
}
