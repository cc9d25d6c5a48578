/**
 * Energy per function: `optivolt profile` and the editor's Profile Energy run a command under the measurement core
 * (measureCommand: same power sources, process-tree attribution, signals and exit codes) with every Node and Python
 * process of its tree writing a CPU profile, then price each sample at its process's attributed Watts.
 *
 * API (stable, used by src/client):
 * - profileCommand(command, args, opts): runs and profiles like the CLI (cwd, env, intervalUs, repeat, signals, log).
 * - profilingEnv(baseEnv, intervalUs) -> { env, dir, dispose() } (profilingEnv.ts): for debug sessions and tasks the
 *   editor starts itself; recordTimeline(treeMeasurement) (timeline.ts) records the per-process timeline from the
 *   TreeMeasurement the editor already runs; buildEnergyProfile(timeline, dir, meta) (buildProfile.ts) makes the
 *   EnergyProfile; then dispose() the env.
 * - toSpeedscope / toFolded (profileExport.ts): the files `--out` writes beside the profile.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnergyProfile } from '../../shared/energyProfile';
import { InterruptedError, measureCommand } from '../energy/measureCommand';
import type { EndingSignal, SignalWatch } from '../energy/processGroup';
import type { OptiVoltSettings } from '../settings';
import { assembleProfile, RunEnergy, runEnergy } from './buildProfile';
import { findExecutable, perfCommand, readPerfProfiles } from './perfProfile';
import { DEFAULT_MAX_PROFILE_BYTES, readProfiles } from './profileFiles';
import { DEFAULT_INTERVAL_US, profilingEnv } from './profilingEnv';
import { recordTimeline, TimelineRecorder } from './timeline';

export { InterruptedError };

export interface ProfileOptions {
  readonly settings: OptiVoltSettings;
  readonly cwd?: string;
  /** The command's environment before the profilers are injected (default: this process's). */
  readonly env?: NodeJS.ProcessEnv;
  /** Sampling interval (µs), default 1000 (V8's default). */
  readonly intervalUs?: number;
  /** Runs (default 1); a failing or interrupted run ends the series. */
  readonly repeat?: number;
  readonly signals?: SignalWatch;
  readonly killGraceMs?: number;
  readonly log?: (message: string) => void;
  readonly procRoot?: string;
  readonly prometheusToken?: string;
  /** Seconds of host power measured before each run (default 0: the profile reports no above-baseline figure). */
  readonly baselineSeconds?: number;
  readonly terminal?: boolean;
  /** Profiles larger than this are not read (default 256 MiB). */
  readonly maxProfileBytes?: number;
  /** The command's stdout and stderr (see MeasureOptions.output); default: passed through. */
  readonly output?: (text: string) => void;
  /** Sample programs that are neither Node nor Python with Linux perf (the command runs under perf record). */
  readonly perf?: boolean;
  /** After each run (for a progress line). */
  readonly onRun?: (run: number, joules: number, seconds: number) => void;
}

export interface ProfileOutcome {
  readonly profile: EnergyProfile;
  /** The last run's exit code (128 + N when a signal ended it). */
  readonly exitCode: number;
  readonly interrupted?: EndingSignal;
  /** Why the figures cover only part of a run (the power source failed during it). */
  readonly partial?: string;
  /** The measurement's notes (CPU time it could not count ...). */
  readonly notes: readonly string[];
}

/** CAP_SYS_ADMIN (21) or CAP_PERFMON (38) in this process's effective set (/proc/self/status CapEff). */
function perfPrivileged(procRoot: string): boolean {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(path.join(procRoot, 'self/status'), 'utf8'));
    const caps = m ? BigInt(`0x${m[1]}`) : 0n;
    return (caps & ((1n << 21n) | (1n << 38n))) !== 0n;
  } catch {
    return false;
  }
}

/**
 * Whether Linux perf could sample other programs here, in one sentence for the profile's limits. perf_event_paranoid
 * (Documentation/admin-guide/sysctl/kernel.rst): >= 2 forbids kernel profiling to unprivileged users, user space of
 * their own processes stays allowed; Debian and Ubuntu add 3, no perf_event_open at all without privilege;
 * CAP_PERFMON or CAP_SYS_ADMIN bypass it.
 */
export function perfAvailability(procRoot = '/proc'): string {
  let paranoid: number | undefined;
  try {
    paranoid = Number(fs.readFileSync(path.join(procRoot, 'sys/kernel/perf_event_paranoid'), 'utf8').trim());
  } catch {
    paranoid = undefined;
  }
  const perf = (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((d) => d !== '' && fs.statSync(path.join(d, 'perf'), { throwIfNoEntry: false })?.isFile());
  const privileged = perfPrivileged(procRoot);
  const kernel =
    paranoid === undefined || !Number.isFinite(paranoid)
      ? 'the kernel has no perf events (no /proc/sys/kernel/perf_event_paranoid)'
      : privileged
        ? `perf_event_paranoid is ${paranoid}, which does not restrict this user (CAP_PERFMON or CAP_SYS_ADMIN)`
        : paranoid >= 3
          ? `perf_event_paranoid is ${paranoid}, which forbids perf to users without CAP_PERFMON`
          : `perf_event_paranoid is ${paranoid}, which allows sampling the user space of one's own processes`;
  return `Linux perf is not used by OptiVolt yet: ${kernel}, and the perf binary is ${perf ? 'installed' : 'not installed'}.`;
}

/** Runs `command` `repeat` times, each profiled, and returns the merged EnergyProfile (see the module comment). */
export async function profileCommand(command: string, args: readonly string[], opts: ProfileOptions): Promise<ProfileOutcome> {
  const intervalUs = opts.intervalUs ?? DEFAULT_INTERVAL_US;
  const repeat = opts.repeat ?? 1;
  const startedAt = new Date().toISOString();
  const runs: RunEnergy[] = [];
  const notes: string[] = [];
  let exitCode = 0;
  let partial: string | undefined;
  let source: EnergyProfile['source'] = 'estimate';
  let estimated = true;
  const baseEnv = opts.env ?? process.env;
  if (opts.perf && !findExecutable('perf', baseEnv.PATH))
    throw new Error('sampling with perf needs the perf binary (Debian: linux-perf), which is not on PATH');
  for (let i = 0; i < repeat && !opts.signals?.received; i++) {
    const penv = profilingEnv(baseEnv, intervalUs);
    try {
      let recorder: TimelineRecorder | undefined;
      let m;
      try {
        // perf itself would only exit 255 for a command it cannot start: say it as a shell would (127).
        if (opts.perf && !findExecutable(command, baseEnv.PATH))
          throw Object.assign(new Error(`spawn ${command} ENOENT`), { code: 'ENOENT' });
        const [cmd, argv] = opts.perf ? ['perf', perfCommand(command, args, penv.dir, intervalUs)] : [command, args];
        m = await measureCommand(cmd, argv, {
          settings: opts.settings,
          procRoot: opts.procRoot,
          prometheusToken: opts.prometheusToken,
          baselineSeconds: opts.baselineSeconds ?? 0,
          log: opts.log,
          signals: opts.signals,
          killGraceMs: opts.killGraceMs,
          terminal: opts.terminal,
          env: penv.env,
          cwd: opts.cwd,
          onTree: (tree) => (recorder = recordTimeline(tree)),
          ...(opts.output ? { output: opts.output } : {}),
        });
      } catch (err) {
        if (err instanceof InterruptedError && runs.length > 0) break;
        throw err;
      }
      const recorded = (recorder as TimelineRecorder | undefined)?.finish(m.result.energyJoules);
      // A command that ended before the first scan was never named by /proc: its name is the command's.
      const timeline =
        recorded && m.pid !== undefined && !recorded.processes.has(m.pid)
          ? {
              ...recorded,
              processes: new Map([
                ...recorded.processes,
                [m.pid, { pid: m.pid, ppid: process.pid, comm: path.basename(command).slice(0, 15) }],
              ]),
            }
          : recorded;
      const maxBytes = opts.maxProfileBytes ?? DEFAULT_MAX_PROFILE_BYTES;
      const { profiles, problems } = readProfiles(penv.dir, maxBytes);
      if (opts.perf) {
        const native = readPerfProfiles(penv.dir, new Set(profiles.keys()), maxBytes);
        for (const [pid, p] of native.profiles) profiles.set(pid, p);
        problems.push(...native.problems);
      }
      if (timeline) runs.push(runEnergy(timeline, profiles, m.result.durationSeconds, problems));
      for (const p of problems) opts.log?.(p);
      exitCode = m.exitCode;
      partial ??= m.partial;
      source = m.result.source;
      estimated = m.result.estimated;
      if (m.note && !notes.includes(m.note)) notes.push(m.note);
      opts.onRun?.(i + 1, m.result.energyJoules, m.result.durationSeconds);
      if (exitCode !== 0 || m.interrupted) break;
    } finally {
      penv.dispose();
    }
  }
  const limits: string[] = [...notes];
  const interrupted = opts.signals?.received;
  if (interrupted)
    limits.push(`The run was interrupted by ${interrupted}: the profile covers it up to then, and processes it ended wrote no profile.`);
  if (exitCode !== 0 && !interrupted) limits.push(`The command exited with code ${exitCode}: the profile covers it up to then.`);
  if (partial !== undefined) limits.push(`The power source failed during the run, so the figures cover only the time before: ${partial}`);
  if (opts.perf)
    limits.push(
      "Programs other than Node and Python were sampled with Linux perf: native frames (symbol and binary), no source lines; perf's own CPU (writing its samples) is in the tree's energy, on its '(unprofiled) perf' frame.",
    );
  else if (runs.some((r) => r.processes.some((p) => !p.profiled && p.pid > 0))) limits.push(perfAvailability());
  if (runs.some((r) => r.durationSeconds < 1))
    limits.push('A run shorter than a second spans one or two power intervals: its split between processes is coarse.');
  const profile = assembleProfile(runs, {
    command: [command, ...args],
    cwd: path.resolve(opts.cwd ?? process.cwd()),
    startedAt,
    source,
    estimated,
    intervalUs,
    limits,
    perf: opts.perf === true,
  });
  return {
    profile,
    exitCode,
    notes,
    ...(interrupted ? { interrupted } : {}),
    ...(partial !== undefined ? { partial } : {}),
  };
}
