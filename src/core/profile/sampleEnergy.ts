import type { ProfileRuntime } from '../../shared/energyProfile';
import { USER_HZ } from '../attribution/attribute';
import type { ProcessTimeline } from './timeline';

/**
 * Attribution of a measured tree's energy to profile samples, as pure functions.
 *
 * Each interval's Joules (the tree's ticks priced at that interval's Watts per tick, by the meter) are shared among
 * the tree's processes by their own CPU ticks in it; ticks the meter counted that no live process shows (processes
 * that ended in the interval, whose last ticks reach it through their reaper) go to the processes that ended, or to
 * profiled processes that have samples in the interval and no ticks of their own (born and gone between two scans),
 * by the CPU time they spent unseen (see processShares). A process's share of an interval is then spread over its samples in the interval, weighted
 * by each sample's time, idle samples excluded; a share with no sample to carry it stays on the process itself
 * ('(program)' when it was profiled, '(unprofiled)' when not). Nothing is lost: the process shares add up to the
 * interval's Joules, and the samples' shares to the process share.
 */

/** A code location as a profile gives it (already mapped to the source file where a source map says so). */
export interface FrameKey {
  readonly name: string;
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
  readonly synthetic?: boolean;
}

/** One process's samples, time-ordered. */
export interface ProcessSamples {
  readonly pid: number;
  readonly runtime: ProfileRuntime;
  readonly frames: readonly FrameKey[];
  /** Frame indices, root first. */
  readonly stacks: readonly (readonly number[])[];
  /** Stacks whose leaf is V8's '(idle)': the process waited, no code ran; never charged. */
  readonly idleStacks: ReadonlySet<number>;
  /** CLOCK_MONOTONIC µs of each sample, ascending. */
  readonly times: readonly number[];
  readonly stackOf: readonly number[];
  /** The time each sample stands for (µs). */
  readonly weights: readonly number[];
  /** Line of each sample's leaf (1-based; 0 unknown), or per stack line ticks (V8's positionTicks). */
  readonly lines?: readonly number[];
  readonly lineTicks?: ReadonlyMap<number, readonly { readonly line: number; readonly ticks: number }[]>;
  /** The process's name as the profiler saw it (perf), for a process no /proc scan saw. */
  readonly comm?: string;
  /** The process's whole CPU time (user + system, µs) as it reported it at exit. */
  readonly cpuUs?: number;
}

/** Energy of one process of one run, by stack. */
export interface ProcessEnergy {
  readonly pid: number;
  readonly joules: number;
  /** Joules and sample count per stack index of its ProcessSamples. */
  readonly stackJoules: ReadonlyMap<number, { joules: number; samples: number }>;
  /** Joules no sample carried (the process's own frame). */
  readonly unsampledJoules: number;
  /** Joules of each sample index that has a line of its own (Python); V8's positionTicks are spread later, by stack. */
  readonly sampleLineJoules: ReadonlyMap<number, number>;
}

/** Index of the first time >= t (times ascending). */
function lowerBound(times: readonly number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The non-idle sampled time of a process in [start, end) (µs). */
function sampledTime(p: ProcessSamples, start: number, end: number): number {
  let sum = 0;
  for (let k = lowerBound(p.times, start); k < p.times.length && p.times[k] < end; k++) {
    if (!p.idleStacks.has(p.stackOf[k])) sum += p.weights[k];
  }
  return sum;
}

/** µs of CPU time per clock tick (USER_HZ 100, the unit of /proc's times). */
const US_PER_TICK = 1e6 / USER_HZ;

/**
 * Each process's Joules in each interval (see the module comment). Keyed by interval index, then pid. The ticks no
 * live process shows go by what each candidate spent after the scans last saw it: its own CPU total at exit (from
 * its profile) less the ticks the scans counted for it; else by its sampled time; else evenly among the ended ones.
 */
export function processShares(timeline: ProcessTimeline, profiles: ReadonlyMap<number, ProcessSamples>): Map<number, number>[] {
  const root = timeline.rootPids[0] ?? -1;
  const seen = new Map<number, number>();
  return timeline.intervals.map((iv) => {
    const weights = new Map<number, number>();
    let known = 0;
    for (const [pid, t] of iv.own) {
      weights.set(pid, t);
      known += t;
      seen.set(pid, (seen.get(pid) ?? 0) + t);
    }
    const rest = Math.max(0, iv.ticks - known);
    if (rest > 0 || known === 0) {
      const candidates = new Map<number, number>();
      for (const pid of iv.gone) candidates.set(pid, 0);
      for (const [pid, p] of profiles) {
        if (iv.own.has(pid)) continue;
        const sampled = sampledTime(p, iv.startUs, iv.endUs);
        if (sampled > 0 || candidates.has(pid)) candidates.set(pid, sampled / US_PER_TICK);
      }
      for (const pid of candidates.keys()) {
        const cpu = profiles.get(pid)?.cpuUs;
        if (cpu !== undefined) candidates.set(pid, Math.max(0, cpu / US_PER_TICK - (seen.get(pid) ?? 0)));
      }
      const share = rest > 0 ? rest : 1;
      const total = [...candidates.values()].reduce((a, b) => a + b, 0);
      if (total > 0) for (const [pid, w] of candidates) weights.set(pid, (weights.get(pid) ?? 0) + (share * w) / total);
      else if (iv.gone.length) for (const pid of iv.gone) weights.set(pid, (weights.get(pid) ?? 0) + share / iv.gone.length);
      else if (known === 0) weights.set(root, 1);
      for (const [pid, w] of weights) if (!iv.own.has(pid)) seen.set(pid, (seen.get(pid) ?? 0) + w);
    }
    const total = [...weights.values()].reduce((a, b) => a + b, 0);
    const out = new Map<number, number>();
    if (iv.joules > 0 && total > 0) for (const [pid, w] of weights) out.set(pid, (iv.joules * w) / total);
    return out;
  });
}

/** Spreads each interval's process share over its samples; returns every process that has energy or samples. */
export function attributeSamples(timeline: ProcessTimeline, profiles: ReadonlyMap<number, ProcessSamples>): Map<number, ProcessEnergy> {
  const shares = processShares(timeline, profiles);
  const acc = new Map<
    number,
    { joules: number; unsampled: number; stacks: Map<number, { joules: number; samples: number }>; lines: Map<number, number> }
  >();
  const entry = (pid: number) => {
    let e = acc.get(pid);
    if (!e) acc.set(pid, (e = { joules: 0, unsampled: 0, stacks: new Map(), lines: new Map() }));
    return e;
  };
  timeline.intervals.forEach((iv, k) => {
    for (const [pid, joules] of shares[k]) {
      const e = entry(pid);
      e.joules += joules;
      const p = profiles.get(pid);
      const weight = p ? sampledTime(p, iv.startUs, iv.endUs) : 0;
      if (!p || weight <= 0) {
        e.unsampled += joules;
        continue;
      }
      for (let s = lowerBound(p.times, iv.startUs); s < p.times.length && p.times[s] < iv.endUs; s++) {
        const stack = p.stackOf[s];
        if (p.idleStacks.has(stack)) continue;
        const j = (joules * p.weights[s]) / weight;
        const st = e.stacks.get(stack) ?? { joules: 0, samples: 0 };
        st.joules += j;
        st.samples++;
        e.stacks.set(stack, st);
        const line = p.lines?.[s];
        if (line) e.lines.set(s, j);
      }
    }
  });
  for (const pid of profiles.keys()) entry(pid);
  const result = new Map<number, ProcessEnergy>();
  for (const [pid, e] of acc)
    result.set(pid, { pid, joules: e.joules, stackJoules: e.stacks, unsampledJoules: e.unsampled, sampleLineJoules: e.lines });
  return result;
}
