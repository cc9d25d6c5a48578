import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PowerSample, PowerStatus } from '../shared/power';
import { formatWatts } from '../core/energy/cost';
import { PowerMonitor } from '../core/power/monitor';
import { createSource } from '../core/power/sources';
import { OptiVoltSettings, readSettings } from '../core/settings';
import { runExporter } from './exporter';
import { checkSourceMode, inFlags, parseFlags, prometheusToken, refuseInvalid, SOURCE_FLAGS, sourceOverrides, UsageError } from './flags';
import { runCompare } from './compare';
import { runMeasure } from './measure';
import { runProfile } from './profile';
import { guardOutput, onOutputClosed } from './output';
import { runStack } from './stack';
import { runTest } from './test';

const USAGE = `Usage: optivolt sample [options]
       optivolt measure [options] -- COMMAND [ARGS...]   (optivolt measure --help)
       optivolt profile [options] -- COMMAND [ARGS...]   (optivolt profile --help)
       optivolt compare [options] BEFORE.json AFTER.json (optivolt compare --help)
       optivolt test [options] -- TEST COMMAND [ARGS...] (optivolt test --help)
       optivolt exporter [options]                       (optivolt exporter --help)
       optivolt stack up|down|status|logs|restart ...    (optivolt stack --help)

Prints host power, one line per sample (Ctrl-C to stop). Exits 1 with the reason when no source gives power, or
when a source chosen with --source (not auto) stops giving it.

Options:
  --source auto|rapl|estimate|prometheus   power source (default auto)
  --powercap-root DIR                      powercap tree (default /sys/class/powercap)
  --proc-root DIR                          /proc tree for the estimate (default /proc)
  --prometheus-url URL                     Prometheus-API engine (default http://127.0.0.1:9090; user:password@ = basic auth)
  --prometheus-header 'K: V'               extra header, repeatable (e.g. 'X-Scope-OrgID: team-a')
  --prometheus-ca FILE                     PEM CA for an https engine
  --prometheus-token-file FILE             bearer token (first line); else $OPTIVOLT_PROMETHEUS_TOKEN
  --interval MS                            milliseconds between samples, >= 500 (default 2000)
  --count N                                stop after N samples (default: run until interrupted)
  --json                                   one JSON object per line
  -h, --help                               this help
  --version                                the version of optivolt`;

interface SampleArgs {
  readonly settings: OptiVoltSettings;
  readonly procRoot?: string;
  readonly prometheusToken?: string;
  readonly count?: number;
  readonly json: boolean;
}

function positiveInt(name: string, raw: string | undefined, min: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min) throw new UsageError(`--${name} must be a whole number >= ${min} (got "${raw}")`);
  return Number(raw);
}

export function parseSampleArgs(argv: string[]): SampleArgs | 'help' {
  const v = parseFlags(argv, {
    ...SOURCE_FLAGS,
    count: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }).values;
  if (v.help) return 'help';
  checkSourceMode(v.source);
  const overrides = sourceOverrides(v);
  const { settings, invalid } = readSettings((k) => overrides[k]);
  refuseInvalid(invalid);
  return {
    settings,
    procRoot: v['proc-root'],
    prometheusToken: prometheusToken(v),
    count: positiveInt('count', v.count, 1),
    json: v.json ?? false,
  };
}

function textLine(s: PowerSample): string {
  const zones = Object.entries(s.zones)
    .filter(([k]) => !(s.source === 'estimate' && k === 'cpu'))
    .map(([k, w]) => `${k} ${formatWatts(w)}`)
    .join(', ');
  return `${new Date(s.time).toISOString()}  ${s.estimated ? '≈' : ' '}${formatWatts(s.watts).padStart(9)}  ${s.source}  ${s.detail}${zones ? `  [${zones}]` : ''}`;
}

export function jsonLine(s: PowerSample): string {
  return JSON.stringify({ time: new Date(s.time).toISOString(), watts: s.watts, source: s.source, estimated: s.estimated, zones: s.zones });
}

async function sample(args: SampleArgs): Promise<number> {
  const s = args.settings;
  const monitor = new PowerMonitor({
    mode: s['power.source'],
    intervalMs: s.refreshInterval,
    createSource: (kind, forAuto) => createSource(kind, s, { procRoot: args.procRoot, prometheusToken: args.prometheusToken }, forAuto),
    log: (level, msg) => {
      if (level === 'warn') process.stderr.write(`optivolt: ${inFlags(msg)}\n`);
    },
  });
  return new Promise<number>((resolve) => {
    let unguard = (): void => undefined;
    let printed = 0;
    let lastSample: PowerSample | undefined;
    let announced: string | undefined;
    const finish = (code: number): void => {
      monitor.stop();
      sub.dispose();
      unguard();
      resolve(code);
    };
    const sub = monitor.onStatus((st: PowerStatus) => {
      if (st.state === 'error') {
        process.stderr.write(`optivolt: no power source: ${inFlags(st.reason)}\n`);
        return finish(1);
      }
      // A source the user chose that stops working ends the run with the reason, rather than waiting for samples
      // that will not come (auto would have moved on to another source).
      if (st.state === 'stale' && st.mode !== 'auto') {
        process.stderr.write(`optivolt: the power source stopped working: ${inFlags(st.reason)}\n`);
        return finish(1);
      }
      if (st.state !== 'live' || !st.last || st.last === lastSample) return;
      lastSample = st.last;
      if (announced !== st.reason) {
        announced = st.reason;
        const note = st.last.estimated ? ' Figures marked ≈ are an ESTIMATE from CPU load, not a measurement.' : '';
        process.stderr.write(`optivolt: ${inFlags(st.reason)}${note}\n`);
      }
      process.stdout.write(`${args.json ? jsonLine(st.last) : textLine(st.last)}\n`);
      if (args.count !== undefined && ++printed >= args.count) finish(0);
    });
    process.once('SIGINT', () => finish(0));
    process.once('SIGTERM', () => finish(0));
    monitor.start();
    // The reader went away (`| head -1`): it has what it wanted, as with --count.
    unguard = onOutputClosed(() => finish(0));
  });
}

/** The version in the package.json beside dist/ (the bundle's folder), as installed. */
function version(): string {
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  guardOutput();
  try {
    if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    }
    if (command === '--version' || command === '-V' || command === 'version') {
      process.stdout.write(`optivolt ${version()}\n`);
      return 0;
    }
    if (command === 'measure') return await runMeasure(rest);
    if (command === 'profile') return await runProfile(rest);
    if (command === 'compare') return await runCompare(rest, version());
    if (command === 'test') return await runTest(rest);
    if (command === 'exporter') return await runExporter(rest);
    if (command === 'stack') return await runStack(rest);
    if (command !== 'sample')
      throw new UsageError(
        `unknown command "${command}" (try: optivolt sample --help, optivolt measure --help, optivolt compare --help, optivolt exporter --help)`,
      );
    const args = parseSampleArgs(rest);
    if (args === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    return await sample(args);
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`optivolt: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    // Exit only once stdout and stderr are flushed: writes to a pipe are asynchronous, and process.exit would
    // cut them short (seen with `optivolt stack up` read through a pipe).
    (code) => process.stdout.write('', () => process.stderr.write('', () => process.exit(code))),
    (err) => {
      process.stderr.write(`optivolt: ${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
