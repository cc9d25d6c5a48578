import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PowerSample, PowerStatus } from '../../shared/power';
import { USER_HZ } from '../attribution/attribute';
import { Interval, IntervalSampler } from '../attribution/intervalSampler';
import { errorMessage } from '../errors';
import type { PowerMonitor } from '../power/monitor';
import { MeterResult, ProcessTreeMeter } from './meter';

/**
 * The one measurement core behind `optivolt measure`, debug sessions and Measure Task Energy: a process tree's
 * share of host power, sampled at each power sample, with the same corrections and notes whoever started the
 * program. The callers differ only in how they learn the roots (a spawn, a DAP `process` event, a task event).
 */

export interface TreeOutcome {
  readonly result: MeterResult;
  /** Why the figures leave something out (said in the record and the CLI's JSON). */
  readonly note?: string;
}

export interface BeginOptions {
  /** Host power before the measurement (W), for the "above baseline" figure. */
  readonly baselineWatts: number;
  /**
   * Processes started up to this many seconds before the measurement belong to it (a debug adapter may spawn the
   * program before the session's start event reaches the extension). Default 0.
   */
  readonly earlierSeconds?: number;
  /**
   * Until a root is named, new children of `parent` are adopted as roots (an adapter that never reports its
   * program's pid), and `note` says so in the record.
   */
  readonly adopt?: { readonly parent: number; readonly note: string };
  readonly now?: () => number;
}

/** Clock ticks since boot now, from <procRoot>/uptime (process start times are on this clock); undefined without it. */
export function bootTicks(procRoot = '/proc'): number | undefined {
  try {
    const uptime = Number(fs.readFileSync(path.join(procRoot, 'uptime'), 'latin1').split(' ')[0]);
    // The kernel prints uptime in hundredths and start times in whole ticks, both truncated: round away the float
    // error of the product (83884.99 * 100 is 8388499.000000001, which would put a process started in that very tick
    // "before" the measurement).
    return Number.isFinite(uptime) ? Math.round(uptime * USER_HZ) : undefined;
  } catch {
    return undefined; // no uptime (a fixture /proc): late roots count from when they are first seen
  }
}

/** One process tree being measured: fed intervals by a TreeSampler. */
export class TreeMeasurement {
  readonly meter: ProcessTreeMeter;
  /** The tree's Watts over the last interval (for a live display). */
  lastWatts = 0;
  private adopt: { readonly parent: number; readonly note: string; readonly sinceTicks: number } | undefined;
  private adopted = false;
  private readonly notes: string[] = [];
  private readonly observers = new Set<(i: Interval, tree: ReadonlySet<number>) => void>();

  constructor(opts: BeginOptions, procRoot?: string) {
    const now = bootTicks(procRoot);
    const since = now === undefined ? undefined : now - (opts.earlierSeconds ?? 0) * USER_HZ;
    this.meter = new ProcessTreeMeter([], opts.baselineWatts, opts.now, since);
    if (opts.adopt && since !== undefined) this.adopt = { ...opts.adopt, sinceTicks: since };
  }

  get rootPids(): number[] {
    return this.meter.rootPids;
  }

  /** A root named by whoever started the program; it ends adoption (the adapter told us: no more guessing). */
  addRoot(pid: number): void {
    if (this.adopt) {
      this.adopt = undefined;
      this.adopted = false;
    }
    this.meter.addRoot(pid);
  }

  setPaused(paused: boolean): void {
    this.meter.setPaused(paused);
  }

  /** CPU ticks the sampling could not see, known exactly by the program's parent (the CLI's own cutime). */
  addTicks(ticks: number): void {
    this.meter.addTicks(ticks);
  }

  addNote(note: string): void {
    this.notes.push(note);
  }

  /** Called after each accounted interval with the tree's processes in it (a profile's per-process timeline). */
  observe(fn: (i: Interval, tree: ReadonlySet<number>) => void): { dispose(): void } {
    this.observers.add(fn);
    return { dispose: () => this.observers.delete(fn) };
  }

  /** Accounts one interval; returns the pids adopted in it. */
  update(i: Interval): number[] {
    const adopted: number[] = [];
    if (this.adopt) {
      for (const p of i.scan.procs.values()) {
        if (p.ppid !== this.adopt.parent || p.start < this.adopt.sinceTicks || this.meter.rootPids.includes(p.pid)) continue;
        this.meter.addRoot(p.pid);
        this.adopted = true;
        adopted.push(p.pid);
      }
    }
    this.lastWatts = this.meter.update(i);
    if (this.observers.size) {
      const tree = this.meter.treeOf(i.scan);
      for (const fn of this.observers) fn(i, tree);
    }
    return adopted;
  }

  finish(): TreeOutcome {
    const result = this.meter.finish();
    const notes = [...this.notes];
    if (this.adopt && this.adopted) notes.push(this.adopt.note);
    if (this.meter.rootPids.length === 0) notes.push("The program's process was never identified: only host energy was measured.");
    const missed = this.meter.note;
    if (missed) notes.push(missed);
    return { result, ...(notes.length ? { note: notes.join(' ') } : {}) };
  }
}

export interface TreeSamplerOptions {
  readonly procRoot?: string;
  /** A /proc scan that failed (the interval is skipped). */
  readonly onError?: (message: string) => void;
  /** After each interval was accounted, with the pids each measurement adopted in it. */
  readonly onInterval?: (adopted: ReadonlyMap<TreeMeasurement, number[]>) => void;
}

/**
 * Scans /proc at each new sample of a running power monitor and feeds every measurement begun on it: one scan per
 * sample however many measurements run at once. The first scan is taken at once, on the monitor's last sample, so
 * the first interval starts when the sampler does.
 */
export class TreeSampler {
  private readonly sampler: IntervalSampler;
  private readonly active = new Set<TreeMeasurement>();
  private readonly sub: { dispose(): void };
  private last: PowerSample | undefined;

  constructor(
    monitor: PowerMonitor,
    private readonly opts: TreeSamplerOptions = {},
  ) {
    this.sampler = new IntervalSampler(opts.procRoot);
    const last = monitor.snapshot.last;
    if (last) this.sample(last);
    this.sub = monitor.onStatus((s) => this.onStatus(s));
  }

  get size(): number {
    return this.active.size;
  }

  begin(opts: BeginOptions): TreeMeasurement {
    const m = new TreeMeasurement(opts, this.opts.procRoot);
    this.active.add(m);
    return m;
  }

  /**
   * Stops feeding `m` and returns its figures. `finalScan`: one more interval ends now, at the last sample's power,
   * for a caller told of the end by an event (a debug session's end) rather than after a sample of its own (the CLI
   * ticks the monitor): the program's last moments, read from its reaper, are in that interval.
   */
  end(m: TreeMeasurement, finalScan = false): TreeOutcome {
    if (finalScan && this.last && this.active.has(m)) this.sample(this.last);
    this.active.delete(m);
    return m.finish();
  }

  private onStatus(s: PowerStatus): void {
    if (s.state === 'live' && s.last && s.last !== this.last) this.sample(s.last);
  }

  private sample(p: PowerSample): void {
    this.last = p;
    let interval: Interval | undefined;
    try {
      interval = this.sampler.next(p, 'share-all');
    } catch (err) {
      this.opts.onError?.(`Measurement sampling failed: ${errorMessage(err)}`);
      return;
    }
    if (!interval) return;
    const adopted = new Map<TreeMeasurement, number[]>();
    for (const m of this.active) adopted.set(m, m.update(interval));
    this.opts.onInterval?.(adopted);
  }

  dispose(): void {
    this.sub.dispose();
    this.sampler.dispose();
    this.active.clear();
  }
}
