import type { Interval } from '../attribution/intervalSampler';
import type { TreeMeasurement } from '../energy/treeMeasurement';

/** One energy interval of a measured tree, per process: what attribution needs to price profile samples. */
export interface TimelineInterval {
  /**
   * CLOCK_MONOTONIC, µs: hrClock is process.hrtime, libuv's uv_hrtime (clock_gettime(CLOCK_MONOTONIC), src/unix/linux.c),
   * the clock of V8's sample timestamps and of Python's time.monotonic() on Linux.
   */
  readonly startUs: number;
  readonly endUs: number;
  /** The tree's Joules in the interval, as the meter priced them (they add up to its energyJoules). */
  readonly joules: number;
  /** The tree's CPU ticks the meter counted in the interval. */
  readonly ticks: number;
  /** Each live member's own CPU ticks (utime + stime growth) in the interval. */
  readonly own: ReadonlyMap<number, number>;
  /** Members seen before that ended in the interval (their last ticks reach the meter through their reaper). */
  readonly gone: readonly number[];
}

export interface TimelineProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
}

/** A measured tree's energy per interval and per process. */
export interface ProcessTimeline {
  readonly intervals: readonly TimelineInterval[];
  readonly processes: ReadonlyMap<number, TimelineProcess>;
  readonly rootPids: readonly number[];
  /** The meter's energy for the whole run (J). */
  readonly energyJoules: number;
}

interface Pending {
  readonly startUs: number;
  readonly endUs: number;
  readonly own: Map<number, number>;
  readonly gone: number[];
}

const usOf = (ns: bigint): number => Number(ns / 1000n);

/**
 * Records a TreeMeasurement's intervals with each process's own CPU ticks, from the moment it is created. Call
 * finish() after the measurement ended (TreeSampler.end / measureCommand returned): the meter prices ticks found
 * late (the program's last moments) against earlier intervals, so the Joules are read only then.
 */
export class TimelineRecorder {
  private readonly pending: Pending[] = [];
  private readonly processes = new Map<number, TimelineProcess>();
  private members = new Set<number>();
  private readonly sub: { dispose(): void };
  private skipped = 0;

  constructor(private readonly tree: TreeMeasurement) {
    this.sub = tree.observe((i, members) => this.onInterval(i, members));
  }

  private onInterval(i: Interval, members: ReadonlySet<number>): void {
    if (i.startNs === undefined || i.endNs === undefined) {
      this.skipped++;
      return;
    }
    const own = new Map<number, number>();
    for (const pid of members) {
      const cur = i.scan.procs.get(pid);
      if (!cur) continue;
      const before = i.prev.procs.get(pid);
      const ticks = before && before.start === cur.start ? cur.ticks - before.ticks : cur.ticks;
      if (ticks > 0) own.set(pid, ticks);
      this.processes.set(pid, { pid, ppid: cur.ppid, comm: cur.comm });
    }
    const gone = [...this.members].filter((pid) => !members.has(pid));
    this.members = new Set(members);
    this.pending.push({ startUs: usOf(i.startNs), endUs: usOf(i.endNs), own, gone });
  }

  finish(energyJoules: number): ProcessTimeline {
    this.sub.dispose();
    const slots = this.tree.meter.intervalEnergies.slice(this.skipped);
    const intervals: TimelineInterval[] = this.pending.map((p, k) => ({
      ...p,
      joules: slots[k]?.joules ?? 0,
      ticks: slots[k]?.ticks ?? 0,
    }));
    // The meter never reports more than the host drew (energyJoules = min(program, host)): scale to what it reports.
    const sum = intervals.reduce((s, i) => s + i.joules, 0);
    const scale = sum > 0 && energyJoules < sum ? energyJoules / sum : 1;
    return {
      intervals: scale === 1 ? intervals : intervals.map((i) => ({ ...i, joules: i.joules * scale })),
      processes: this.processes,
      rootPids: this.tree.rootPids,
      energyJoules,
    };
  }
}

/** Starts recording a measurement's per-process timeline (for debug sessions and tasks the editor starts itself). */
export function recordTimeline(tree: TreeMeasurement): TimelineRecorder {
  return new TimelineRecorder(tree);
}
