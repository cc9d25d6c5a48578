import type { SourceKind } from '../../shared/power';
import {
  ENERGY_PROFILE_VERSION,
  EnergyProfile,
  FunctionEnergy,
  LineEnergy,
  ProfiledProcess,
  ProfileFrame,
  ProfileNode,
  ProfileRuntime,
} from '../../shared/energyProfile';
import { DEFAULT_MAX_PROFILE_BYTES, readProfiles } from './profileFiles';
import { attributeSamples, FrameKey, ProcessSamples } from './sampleEnergy';
import type { ProcessTimeline } from './timeline';

/** One run's energy by process and stack, before runs are merged into an EnergyProfile. */
export interface RunEnergy {
  readonly durationSeconds: number;
  /** The tree's measured energy (J). */
  readonly totalJoules: number;
  readonly processes: readonly RunProcess[];
  /** Joules by `file\0line`. */
  readonly lines: ReadonlyMap<string, number>;
  /** Why parts of this run's profiles could not be used. */
  readonly problems: readonly string[];
}

export interface RunProcess {
  readonly pid: number;
  readonly comm: string;
  readonly runtime: ProfileRuntime;
  readonly profiled: boolean;
  readonly joules: number;
  readonly stacks: readonly { readonly frames: readonly FrameKey[]; readonly joules: number; readonly samples: number }[];
}

export interface ProfileMeta {
  readonly command: readonly string[];
  readonly cwd: string;
  readonly startedAt: string;
  readonly source: SourceKind;
  readonly estimated: boolean;
  readonly intervalUs: number;
  /** Limits known beyond the ones the profile finds itself (perf unavailable, a run interrupted ...). */
  readonly limits?: readonly string[];
  /** The command ran under Linux perf (its other programs have native stacks). */
  readonly perf?: boolean;
}

/** The model paragraph every profile carries. */
export function profileModel(source: SourceKind, estimated: boolean): string {
  const from =
    source === 'rapl'
      ? "the host's RAPL energy counters"
      : source === 'prometheus'
        ? 'host power read from Prometheus'
        : 'an ESTIMATE of host power from CPU load (≈)';
  return (
    `Each profile sample's time is priced at its process's attributed Watts at that moment, never at whole-machine power: ` +
    `host power (${from}${estimated && source !== 'estimate' ? ', estimated' : ''}) is shared among the processes that ran ` +
    `by their CPU time in each interval, the program's process tree keeps its share, each of its processes its own CPU ` +
    `time's part, and that part is spread over the process's samples in the interval by the time each sample stands for. ` +
    `Idle samples are not charged; a process's interval energy with no sample to carry it stays on its own frame. ` +
    `The functions' self energies add up to the tree's measured energy.`
  );
}

/** What every profile leaves out, whatever the run. */
export const BASE_LIMITS: readonly string[] = [
  "Other threads of a process (V8's garbage collector and compiler threads, libuv workers, Python threads) are charged through its main thread's samples.",
  'Node processes ended by a signal (Ctrl-C, SIGTERM) without a handler of their own write no profile, nor does any process killed by SIGKILL: their energy stays on their process frame. Python writes its profile on SIGINT, SIGTERM and SIGHUP.',
  "V8 samples wall time: within an interval, a function blocked in a synchronous call (spawnSync, readFileSync, Atomics.wait) shares its process's CPU energy as if it ran; time waiting in the event loop is '(idle)' and free. Python samples CPU time only.",
  "Intervals are as long as the power sampling interval: within one, a process's energy is spread by its samples' time, not by the power at each sample.",
];

/** Process names (/proc comm) of the runtimes that are profiled. */
const RUNTIME_COMM = /^(node|nodejs|python[\d.]*)$/;

const frameKeyOf = (f: FrameKey): string => `${f.name}\u0000${f.file ?? ''}\u0000${f.line ?? ''}\u0000${f.column ?? ''}`;
const functionKeyOf = (f: FrameKey): string => `${f.name}\u0000${f.file ?? ''}\u0000${f.line ?? ''}`;

/** One run's energy: the timeline priced onto the profiles the run's processes wrote. */
export function runEnergy(
  timeline: ProcessTimeline,
  profiles: ReadonlyMap<number, ProcessSamples>,
  durationSeconds: number,
  problems: readonly string[] = [],
): RunEnergy {
  const energies = attributeSamples(timeline, profiles);
  const processes: RunProcess[] = [];
  const lines = new Map<string, number>();
  const addLine = (file: string | undefined, line: number | undefined, j: number): void => {
    if (!file || !line || !(j > 0)) return;
    const k = `${file}\u0000${line}`;
    lines.set(k, (lines.get(k) ?? 0) + j);
  };
  let attributed = 0;
  for (const [pid, e] of energies) {
    const p = profiles.get(pid);
    const comm = timeline.processes.get(pid)?.comm ?? p?.comm ?? p?.runtime ?? 'process';
    const stacks: { frames: FrameKey[]; joules: number; samples: number }[] = [];
    if (p) {
      for (const [s, v] of e.stackJoules) {
        const frames = p.stacks[s].map((f) => p.frames[f]);
        stacks.push({ frames, joules: v.joules, samples: v.samples });
        const ticks = p.lineTicks?.get(s);
        const leaf = frames[frames.length - 1];
        const sum = ticks?.reduce((a, t) => a + t.ticks, 0) ?? 0;
        if (ticks && sum > 0) for (const t of ticks) addLine(leaf?.file, t.line, (v.joules * t.ticks) / sum);
      }
      for (const [s, j] of e.sampleLineJoules) {
        const frames = p.stacks[p.stackOf[s]];
        addLine(p.frames[frames[frames.length - 1]]?.file, p.lines?.[s], j);
      }
    }
    if (e.unsampledJoules > 0)
      stacks.push({
        frames: [{ name: p ? '(program)' : `(unprofiled) ${comm} [${pid}]`, synthetic: true }],
        joules: e.unsampledJoules,
        samples: 0,
      });
    attributed += e.joules;
    processes.push({ pid, comm, runtime: p?.runtime ?? 'other', profiled: p !== undefined, joules: e.joules, stacks });
  }
  const rest = timeline.energyJoules - attributed;
  if (rest > 1e-9 * Math.max(1, timeline.energyJoules))
    processes.push({
      pid: 0,
      comm: 'tree',
      runtime: 'other',
      profiled: false,
      joules: rest,
      stacks: [{ frames: [{ name: '(unattributed)', synthetic: true }], joules: rest, samples: 0 }],
    });
  processes.sort((a, b) => a.pid - b.pid);
  return { durationSeconds, totalJoules: timeline.energyJoules, processes, lines, problems };
}

const mean = (xs: readonly number[]): number => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const std = (xs: readonly number[]): number =>
  xs.length < 2 ? 0 : Math.sqrt(xs.reduce((a, x) => a + (x - mean(xs)) ** 2, 0) / (xs.length - 1));

/** Merges runs into one EnergyProfile: a call tree per process under a root frame per process, means over runs. */
export function assembleProfile(runs: readonly RunEnergy[], meta: ProfileMeta): EnergyProfile {
  const n = Math.max(1, runs.length);
  const frames: ProfileFrame[] = [];
  const frameIds = new Map<string, number>();
  const frameId = (f: FrameKey): number => {
    const k = frameKeyOf(f);
    let id = frameIds.get(k);
    if (id === undefined) {
      id = frames.length;
      frames.push({ ...f });
      frameIds.set(k, id);
    }
    return id;
  };
  const nodes: { frame: number; parent: number; selfJoules: number; samples: number }[] = [];
  const nodeIds = new Map<string, number>();
  const nodeId = (parent: number, frame: number): number => {
    const k = `${parent}:${frame}`;
    let id = nodeIds.get(k);
    if (id === undefined) {
      id = nodes.length;
      nodes.push({ frame, parent, selfJoules: 0, samples: 0 });
      nodeIds.set(k, id);
    }
    return id;
  };
  const fns = new Map<string, { key: FrameKey; self: number[]; total: number[]; samples: number }>();
  const fn = (f: FrameKey) => {
    const k = functionKeyOf(f);
    let e = fns.get(k);
    if (!e)
      fns.set(k, (e = { key: f, self: new Array<number>(runs.length).fill(0), total: new Array<number>(runs.length).fill(0), samples: 0 }));
    return e;
  };
  const processes: ProfiledProcess[] = [];
  const lines = new Map<string, number>();
  runs.forEach((run, r) => {
    for (const p of run.processes) {
      processes.push({ pid: p.pid, command: p.comm, runtime: p.runtime, joules: p.joules / n, profiled: p.profiled });
      const root = nodeId(-1, frameId({ name: p.pid > 0 ? `${p.comm} [${p.pid}]` : p.comm }));
      for (const s of p.stacks) {
        let at = root;
        for (const f of s.frames) at = nodeId(at, frameId(f));
        nodes[at].selfJoules += s.joules;
        nodes[at].samples += s.samples;
        const leaf = s.frames[s.frames.length - 1];
        if (!leaf) continue;
        const e = fn(leaf);
        e.self[r] += s.joules;
        e.samples += s.samples;
        const seen = new Set<string>();
        for (const f of s.frames) {
          const k = functionKeyOf(f);
          if (seen.has(k)) continue; // recursion: once per stack
          seen.add(k);
          fn(f).total[r] += s.joules;
        }
      }
    }
    for (const [k, j] of run.lines) lines.set(k, (lines.get(k) ?? 0) + j / n);
  });
  const totalJoules = mean(runs.map((r) => r.totalJoules));
  const functions: FunctionEnergy[] = [...fns.values()]
    .map((e) => {
      const self = mean(e.self);
      return {
        name: e.key.name,
        ...(e.key.file !== undefined ? { file: e.key.file } : {}),
        ...(e.key.line !== undefined ? { line: e.key.line } : {}),
        ...(e.key.synthetic ? { synthetic: true } : {}),
        selfJoules: self,
        totalJoules: mean(e.total),
        share: totalJoules > 0 ? self / totalJoules : 0,
        samples: e.samples,
        ...(runs.length > 1 ? { runs: e.self, stdSelfJoules: std(e.self) } : {}),
      };
    })
    .sort((a, b) => b.selfJoules - a.selfJoules || b.totalJoules - a.totalJoules);
  const lineList: LineEnergy[] = [...lines]
    .map(([k, joules]) => {
      const [file, line] = k.split('\u0000');
      return { file, line: Number(line), joules };
    })
    .sort((a, b) => b.joules - a.joules);
  const limits = [...BASE_LIMITS, ...(meta.limits ?? [])];
  for (const r of runs) for (const p of r.problems) if (!limits.includes(p)) limits.push(p);
  // Under --perf, perf itself is the tree's root: its own CPU is said in the limits, not blamed on a runtime.
  const unprofiled = processes.filter((p) => !p.profiled && p.pid > 0 && !(meta.perf && p.command === 'perf')).map((p) => p.command);
  // A Node or Python that wrote no profile: killed by a signal, or started so that the injection did not reach it.
  const runtimes = [...new Set(unprofiled.filter((c) => RUNTIME_COMM.test(c)))];
  const others = [...new Set(unprofiled.filter((c) => !RUNTIME_COMM.test(c)))];
  if (runtimes.length)
    limits.push(
      `${runtimes.join(', ')} wrote no profile (ended by a signal, or started without the injected environment: python -I or -E ignores PYTHONPATH, a NODE_OPTIONS replaced by the program): its energy is on its '(unprofiled)' frame.`,
    );
  if (others.length)
    limits.push(
      `Per-function energy needs Node.js or Python: ${others.join(', ')} ${others.length === 1 ? 'has' : 'have'} one '(unprofiled)' frame per process.`,
    );
  return {
    version: ENERGY_PROFILE_VERSION,
    command: [...meta.command],
    cwd: meta.cwd,
    startedAt: meta.startedAt,
    durationSeconds: mean(runs.map((r) => r.durationSeconds)),
    totalJoules,
    source: meta.source,
    estimated: meta.estimated,
    model: profileModel(meta.source, meta.estimated),
    limits,
    runs: runs.length,
    intervalUs: meta.intervalUs,
    processes,
    frames,
    nodes: nodes as ProfileNode[],
    functions,
    lines: lineList,
  };
}

/**
 * The EnergyProfile of one measured run: `timeline` from recordTimeline(...).finish(), `dir` the ProfilingEnv's folder
 * the run's processes wrote their profiles into.
 */
export function buildEnergyProfile(
  timeline: ProcessTimeline,
  dir: string,
  meta: ProfileMeta & { readonly durationSeconds: number; readonly maxProfileBytes?: number },
): EnergyProfile {
  const { profiles, problems } = readProfiles(dir, meta.maxProfileBytes ?? DEFAULT_MAX_PROFILE_BYTES);
  return assembleProfile([runEnergy(timeline, profiles, meta.durationSeconds, problems)], meta);
}
