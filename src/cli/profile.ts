import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatEnergy } from '../core/energy/cost';
import { DEFAULT_KILL_GRACE_MS, SignalWatch } from '../core/energy/processGroup';
import { errorMessage } from '../core/errors';
import { InterruptedError, profileCommand } from '../core/profile/profileCommand';
import { DEFAULT_INTERVAL_US, MAX_INTERVAL_US, MIN_INTERVAL_US } from '../core/profile/profilingEnv';
import { writeProfileFiles } from '../core/profile/profileWrite';
import { readSettings } from '../core/settings';
import type { EnergyProfile } from '../shared/energyProfile';
import {
  checkSourceMode,
  inFlags,
  num,
  parseFlags,
  parsePushFlags,
  prometheusToken,
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
import { DEFAULT_PUSH_TOP, MAX_PUSH_TOP, profileSamples } from '../core/push/pushResults';
import { dieBy } from './measure';

export const PROFILE_USAGE = `Usage: optivolt profile [options] -- COMMAND [ARGS...]

Runs COMMAND (stdio passed through, exit code preserved) like optivolt measure, with every Node.js and Python
process of its tree sampled, and reports which functions spent the tree's energy: each sample is priced at its
process's attributed Watts at that moment. Other programs get their process's energy, without functions.

Options:
  --json                   print the profile as one JSON object on stdout (after the command's output)
  --out FILE               write the profile to FILE (JSON, replaced at once), and beside it FILE's stem +
                           .speedscope.json (open in https://www.speedscope.app, weights in Joules) and .folded
                           (folded stacks in µJ, for flamegraph.pl or inferno)
  --repeat N               run N times: per-function mean and spread (default 1); a failing run ends the series
  --interval-us N          sampling interval in µs, ${MIN_INTERVAL_US}-${MAX_INTERVAL_US} (default ${DEFAULT_INTERVAL_US})
  --top N                  functions in the summary (default 15)
  --perf                   sample programs that are neither Node nor Python with Linux perf (the command runs
                           under perf record -g; needs the perf binary and perf_event_paranoid <= 2 or CAP_PERFMON)
  --kill-after SECONDS     after SIGINT/SIGTERM/SIGHUP, how long the command has to end before SIGKILL (default 5)
  --source auto|rapl|estimate|prometheus, --powercap-root DIR, --proc-root DIR, --prometheus-url URL,
  --prometheus-header 'K: V', --prometheus-ca FILE, --prometheus-token-file FILE (or $OPTIVOLT_PROMETHEUS_TOKEN)
  --interval MS            power sampling interval, 500-60000 (default 500)
${PUSH_USAGE}
  --push-top N             functions pushed, 1-${MAX_PUSH_TOP} (default ${DEFAULT_PUSH_TOP}); the rest are summed as "(other)"
  -h, --help               this help

Exit codes as optivolt measure: the command's own code, 127 when it is not found, 128+N after a signal N
(what was profiled up to then is printed), 1 when profiling, writing --out or pushing failed.`;

interface ProfileArgs {
  readonly command: string;
  readonly args: string[];
  readonly json: boolean;
  readonly out?: string;
  readonly repeat: number;
  readonly intervalUs: number;
  readonly top: number;
  readonly perf: boolean;
  readonly killGraceMs: number;
  readonly procRoot?: string;
  readonly push?: PushPlan;
  readonly pushTop: number;
  readonly prometheusToken?: string;
  readonly overrides: Record<string, unknown>;
}

export function parseProfileArgs(argv: string[]): ProfileArgs | 'help' {
  const dash = argv.indexOf('--');
  const opts = dash >= 0 ? argv.slice(0, dash) : argv;
  const cmd = dash >= 0 ? argv.slice(dash + 1) : [];
  const v = parseFlags(
    opts,
    {
      json: { type: 'boolean', default: false },
      out: { type: 'string' },
      repeat: { type: 'string' },
      'interval-us': { type: 'string' },
      top: { type: 'string' },
      perf: { type: 'boolean', default: false },
      'kill-after': { type: 'string' },
      ...SOURCE_FLAGS,
      ...PUSH_FLAGS,
      'push-top': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    false,
    dash < 0 ? ' (put the command after --)' : '',
  ).values;
  if (v.help) return 'help';
  const push = parsePushFlags(v);
  const pushTop = pushLimit('push-top', v['push-top'], push, DEFAULT_PUSH_TOP, MAX_PUSH_TOP);
  if (cmd.length === 0) throw new UsageError('no command to profile: optivolt profile [options] -- COMMAND [ARGS...]');
  checkSourceMode(v.source);
  const out = v.out;
  if (out !== undefined) {
    const dir = path.dirname(path.resolve(out));
    if (out.trim() === '' || !fs.statSync(dir, { throwIfNoEntry: false })?.isDirectory())
      throw new UsageError(`--out needs a file in an existing folder (got "${out}")`);
  }
  const intervalUs = num('interval-us', v['interval-us'], MIN_INTERVAL_US, true) ?? DEFAULT_INTERVAL_US;
  if (intervalUs > MAX_INTERVAL_US) throw new UsageError(`--interval-us must be at most ${MAX_INTERVAL_US} (got "${v['interval-us']}")`);
  return {
    command: cmd[0],
    args: cmd.slice(1),
    json: v.json ?? false,
    out,
    repeat: num('repeat', v.repeat, 1, true) ?? 1,
    intervalUs,
    top: num('top', v.top, 1, true) ?? 15,
    perf: v.perf ?? false,
    push,
    pushTop,
    killGraceMs: (num('kill-after', v['kill-after'], 0, false) ?? DEFAULT_KILL_GRACE_MS / 1000) * 1000,
    procRoot: v['proc-root'],
    prometheusToken: prometheusToken(v),
    overrides: sourceOverrides(v, 500),
  };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** The terminal summary: the run's line, the top functions (self, total, share, where), the model and limits. */
export function profileSummary(p: EnergyProfile, exitCode: number, top: number): string {
  const spread = p.runs > 1 ? ` (mean of ${p.runs} runs)` : '';
  const head =
    `optivolt: "${p.command.join(' ')}" ran ${p.durationSeconds.toFixed(2)} s (exit ${exitCode}), ` +
    `${formatEnergy(p.totalJoules)}${spread}, source ${p.source}${p.estimated ? ' (≈ ESTIMATE from CPU load)' : ''}`;
  const rows = p.functions.slice(0, top).map((f) => {
    const where = f.file !== undefined ? `${f.file}${f.line !== undefined ? `:${f.line}` : ''}` : '';
    const sd = f.stdSelfJoules !== undefined ? ` ± ${f.stdSelfJoules.toFixed(3)}` : '';
    return `  ${`${f.selfJoules.toFixed(3)}${sd}`.padStart(16)} ${f.totalJoules.toFixed(3).padStart(10)} ${pct(f.share).padStart(6)}  ${f.name}${where ? `  ${where}` : ''}`;
  });
  const profiled = p.processes.filter((x) => x.profiled).length;
  return [
    head,
    `  ${'self J'.padStart(16)} ${'total J'.padStart(10)} ${'share'.padStart(6)}  function`,
    ...rows,
    `  ${p.processes.length} process${p.processes.length === 1 ? '' : 'es'}, ${profiled} profiled; samples every ${p.intervalUs} µs`,
    `  model: ${p.model}`,
    ...p.limits.map((l) => `  limit: ${l}`),
  ].join('\n');
}

export async function runProfile(argv: string[]): Promise<number> {
  const a = parseProfileArgs(argv);
  if (a === 'help') {
    process.stdout.write(`${PROFILE_USAGE}\n`);
    return 0;
  }
  const { settings, invalid } = readSettings((k) => a.overrides[k]);
  refuseInvalid(invalid);
  const watch = new SignalWatch();
  const label = [a.command, ...a.args].join(' ');
  let outcome;
  try {
    outcome = await profileCommand(a.command, a.args, {
      settings,
      procRoot: a.procRoot,
      prometheusToken: a.prometheusToken,
      intervalUs: a.intervalUs,
      repeat: a.repeat,
      perf: a.perf,
      signals: watch,
      killGraceMs: a.killGraceMs,
      log: (msg) => process.stderr.write(`optivolt: ${inFlags(msg)}\n`),
      onRun: (i, j, s) => a.repeat > 1 && process.stderr.write(`optivolt: run ${i}/${a.repeat}: ${formatEnergy(j)} in ${s.toFixed(2)} s\n`),
    });
  } catch (err) {
    if (err instanceof InterruptedError) {
      process.stderr.write(`optivolt: interrupted by ${err.signal} before "${label}" started: nothing profiled\n`);
      return dieBy(err.signal);
    }
    process.stderr.write(`optivolt: cannot profile "${label}": ${inFlags(errorMessage(err))}\n`);
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? 127 : 1;
  } finally {
    watch.dispose();
  }
  const { profile, exitCode, interrupted } = outcome;
  const extra = { exitCode, ...(interrupted ? { interrupted } : {}) };
  process.stderr.write(`${profileSummary(profile, exitCode, a.top)}\n`);
  if (a.json) process.stdout.write(`${JSON.stringify({ ...profile, ...extra })}\n`);
  let written = true;
  if (a.out !== undefined) {
    try {
      const files = writeProfileFiles(a.out, profile, extra);
      process.stderr.write(`optivolt: wrote ${files.join(', ')}\n`);
    } catch (err) {
      written = false;
      process.stderr.write(`optivolt: cannot write --out ${a.out}: ${errorMessage(err)}\n`);
    }
  }
  // An interrupted profile is not a commit's figure: it is not pushed to the history.
  const pushed =
    a.push === undefined ||
    interrupted !== undefined ||
    (await pushResult(a.push, 'profile', label, profileSamples(profile, exitCode, a.pushTop, Date.now())));
  if (interrupted) return dieBy(interrupted);
  if (exitCode !== 0) return exitCode;
  return written && pushed ? 0 : 1;
}
