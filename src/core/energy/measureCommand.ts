import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { PowerSample, PowerStatus } from '../../shared/power';
import { PowerMonitor } from '../power/monitor';
import { createSource } from '../power/sources';
import { pidStatFields } from '../proc/stat';
import type { OptiVoltSettings } from '../settings';
import type { MeterResult } from './meter';
import { DEFAULT_KILL_GRACE_MS, EndingSignal, GroupGuard, SignalWatch } from './processGroup';
import { TreeMeasurement, TreeSampler } from './treeMeasurement';

export interface MeasureOptions {
  readonly settings: OptiVoltSettings;
  readonly procRoot?: string;
  /** Bearer token for a Prometheus source (never a setting). */
  readonly prometheusToken?: string;
  /** Seconds of host power measured before the command starts (its average is the baseline). */
  readonly baselineSeconds: number;
  readonly log?: (message: string) => void;
  /** The signals that end the measurement: passed on to the command's whole process group. */
  readonly signals?: SignalWatch;
  /** After a signal was passed on, how long the command's group has before SIGKILL (default 5 s). */
  readonly killGraceMs?: number;
  /** Whether measure runs on a terminal (default: stdin is a TTY): the command then keeps the terminal. */
  readonly terminal?: boolean;
  /** The command's environment (default: this process's) and working folder (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Told of the measurement before the command starts (a profile records its per-process timeline). */
  readonly onTree?: (tree: TreeMeasurement) => void;
  /** The command's stdout and stderr, for a host without a terminal (the editor); default: passed through (inherited). */
  readonly output?: (text: string) => void;
}

/** A signal arrived before the command started: nothing of this run was measured. */
export class InterruptedError extends Error {
  constructor(readonly signal: EndingSignal) {
    super(`interrupted by ${signal} before the command started`);
  }
}

export interface CommandMeasurement {
  readonly result: MeterResult;
  /** The command's exit code (128 + signal number when a signal ended it). */
  readonly exitCode: number;
  readonly note?: string;
  /** Why the figures cover only part of the run (the power source failed during it). */
  readonly partial?: string;
  /** The signal that ended the run early (passed on to the command's process group). */
  readonly interrupted?: EndingSignal;
  /** The command's own pid: a run too short for any scan lists no pids in `result`, yet it ran (--repeat lists every run's). */
  readonly pid?: number;
}

/** CPU time of this process's waited-for children (cutime + cstime), in ticks. */
function childTicksOfSelf(): number {
  const f = pidStatFields(fs.readFileSync('/proc/self/stat', 'latin1'));
  return Number(f[13]) + Number(f[14]);
}

/**
 * Runs a command with stdio passed through and measures its process tree's energy: host power from the
 * configured source, shared out by CPU time each interval; the last moments, which sampling misses once the
 * tree has ended, are taken from this process's own cutime/cstime after waiting for the command (Linux).
 */
export async function measureCommand(command: string, args: readonly string[], opts: MeasureOptions): Promise<CommandMeasurement> {
  const s = opts.settings;
  const monitor = new PowerMonitor({
    mode: s['power.source'],
    intervalMs: s.refreshInterval,
    createSource: (kind, forAuto) => createSource(kind, s, { procRoot: opts.procRoot, prometheusToken: opts.prometheusToken }, forAuto),
    log: (level, msg) => level === 'warn' && opts.log?.(msg),
  });
  const samples: PowerSample[] = [];
  let failed: string | undefined;
  const sub = monitor.onStatus((st: PowerStatus) => {
    if (st.state === 'error') failed = st.reason;
    if (st.state !== 'live' || !st.last || st.last === samples[samples.length - 1]) return;
    samples.push(st.last);
  });
  monitor.start();
  let trees: TreeSampler | undefined;
  try {
    // Baseline: the host's own draw before the command, from the samples of the first seconds.
    // The monitor fails a source that gives no value; the deadline also covers one whose read never returns.
    const t0 = Date.now();
    const deadline = t0 + opts.baselineSeconds * 1000 + Math.max(FIRST_SAMPLE_DEADLINE_MS, 10 * s.refreshInterval);
    while (!failed && !opts.signals?.received && (samples.length === 0 || Date.now() - t0 < opts.baselineSeconds * 1000)) {
      if (samples.length === 0 && Date.now() > deadline)
        failed = `no power sample in ${Math.round((Date.now() - t0) / 1000)} s (${monitor.snapshot.reason})`;
      else await delay(50);
    }
    if (opts.signals?.received) throw new InterruptedError(opts.signals.received);
    if (failed) throw new Error(`no power source: ${failed}`);
    const base = opts.baselineSeconds > 0 ? samples : [];
    const baselineWatts = base.length ? base.reduce((sum, p) => sum + p.watts, 0) / base.length : 0;
    // Sources bound their figures, so this is a last guard: never a silent null in the JSON.
    if (!Number.isFinite(baselineWatts))
      throw new Error(`the baseline power is not a number (${baselineWatts} W from ${monitor.snapshot.reason})`);

    // The baseline's last sample is the first scan, just before the start (the sampler takes it at once).
    trees = new TreeSampler(monitor, { procRoot: opts.procRoot, onError: opts.log });
    const tree = trees.begin({ baselineWatts });
    opts.onTree?.(tree);
    const linuxTicks = os.platform() === 'linux' && opts.procRoot === undefined;
    const before = linuxTicks ? childTicksOfSelf() : 0;
    if (opts.signals?.received) throw new InterruptedError(opts.signals.received);
    // Without a terminal: its own process group (Node's detached also starts a session), so a signal reaches every
    // process it starts. On a terminal: the terminal's foreground group, so it keeps /dev/tty for prompts and
    // Ctrl-C reaches it from the terminal; SIGTERM/SIGHUP are passed on to its process tree (processGroup.ts).
    const onTerminal = opts.terminal ?? process.stdin.isTTY === true;
    const child = spawn(command, args, {
      stdio: opts.output ? ['ignore', 'pipe', 'pipe'] : 'inherit',
      detached: opts.signals !== undefined && !onTerminal,
      ...(opts.env ? { env: opts.env } : {}),
      ...(opts.cwd !== undefined ? { cwd: opts.cwd } : {}),
    });
    if (child.pid !== undefined) tree.addRoot(child.pid);
    if (opts.output) for (const stream of [child.stdout, child.stderr]) stream?.setEncoding('utf8').on('data', opts.output);
    const group =
      child.pid !== undefined && opts.signals
        ? new GroupGuard(child.pid, opts.signals, opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS, onTerminal ? 'tree' : 'group')
        : undefined;
    const exitCode = await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? os.constants.signals[signal] : 0)));
    });
    await group?.settle();
    await monitor.tick(); // one more interval, ending now
    // The exact total from our own cutime/cstime, less what the sampling (and the reaper correction) counted.
    if (linuxTicks) tree.addTicks(childTicksOfSelf() - before - tree.meter.countedTicks);
    else tree.addNote('CPU time after the last sample is not counted (only on Linux with the real /proc).');
    const end = monitor.snapshot;
    const partial = end.state !== 'live' ? end.reason : undefined;
    if (partial !== undefined)
      tree.addNote(`the power source failed during the run, so the figures cover only the time before: ${partial}`);
    const { result, note } = trees.end(tree);
    const interrupted = opts.signals?.received;
    return {
      result,
      exitCode,
      pid: child.pid,
      ...(note ? { note } : {}),
      ...(partial !== undefined ? { partial } : {}),
      ...(interrupted ? { interrupted } : {}),
    };
  } finally {
    trees?.dispose();
    sub.dispose();
    monitor.stop();
  }
}

/** How long to wait for the first power sample at least (a Prometheus or /proc far slower than usual). */
const FIRST_SAMPLE_DEADLINE_MS = 15000;

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
