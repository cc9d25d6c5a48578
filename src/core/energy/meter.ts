import type { SourceKind } from '../../shared/power';
import type { Interval } from '../attribution/intervalSampler';
import type { ProcInfo, Scan } from '../attribution/procScanner';

/** What a finished measurement reports (the CLI's --json object has these fields). */
export interface MeterResult {
  readonly durationSeconds: number;
  /** Time the program was stopped at breakpoints (debug sessions); its share is ~0 then. */
  readonly pausedSeconds: number;
  /** The program's energy: its process tree's share of host power. */
  readonly energyJoules: number;
  readonly hostEnergyJoules: number;
  readonly hostEnergyAboveBaselineJoules: number;
  readonly baselineWatts: number;
  readonly averageWatts: number;
  readonly peakWatts: number;
  readonly source: SourceKind;
  readonly estimated: boolean;
  /** Every process of the tree seen during the measurement. */
  readonly pids: readonly number[];
}

const total = (p: ProcInfo): number => p.ticks + p.childTicks;

/** One accounted interval: what the host could still sell of it (busy ticks not charged to the tree) and at what price. */
interface Slot {
  /** The tree's CPU ticks counted in the interval. */
  readonly ticks: number;
  free: number;
  readonly joulesPerTick: number;
  readonly seconds: number;
  programJ: number;
}
const same = (a: ProcInfo, b: ProcInfo): boolean => a.start === b.start;

/**
 * The energy of a process tree over time (CodeCarbon's tracker, for any process): roots are given (a debuggee,
 * a task, a command), children are followed as they appear. Each interval, the tree's CPU ticks are priced at
 * the interval's Watts per tick.
 *
 * Invariant: the program never costs more than the host. An interval charges at most the host's busy ticks of that
 * interval; ticks beyond them (a reaped child's CPU time arriving in its parent's cutime after it was spent) and
 * ticks sampling missed (addTicks) are priced against the busy ticks earlier intervals left uncharged, latest first,
 * each at its own interval's price. Ticks left over had no busy host time to come from and cost nothing.
 *
 * A tree's ticks in an interval = for each member, the growth of utime+stime+cutime+cstime (all of it for a
 * member born in the interval), minus the last-seen total of members that ended while their parent is in the
 * tree: the kernel adds a reaped child's total to its parent's cutime/cstime, which would count it twice.
 */
export class ProcessTreeMeter {
  /** Root pids, with the start time of the process once seen: a reused pid is another process. */
  private readonly roots = new Map<number, number | undefined>();
  private members = new Set<number>();
  private readonly seen = new Set<number>();
  private readonly startedAt: number;
  private programJ = 0;
  private hostJ = 0;
  private peak = 0;
  private ticks = 0;
  private readonly slots: Slot[] = [];
  /** Ticks of the tree not yet priced (see the class comment). */
  private unpriced = 0;
  private pausedSince: number | undefined;
  private paused = 0;
  private source: SourceKind = 'estimate';
  private estimated = true;
  private finished: MeterResult | undefined;
  /** Why part of the tree's CPU time could not be counted (said in the record). */
  private readonly missed = new Set<string>();

  /**
   * `sinceTicks`: when the measurement began, in clock ticks since boot (a process's start time). A process that
   * joins the tree after it was first scanned (a root adopted late: a debuggee named by its adapter, a task's
   * shell) then counts all its CPU time if it started since, not only its growth from then on.
   */
  constructor(
    roots: readonly number[],
    private readonly baselineWatts: number,
    private readonly now: () => number = Date.now,
    private readonly sinceTicks?: number,
  ) {
    this.startedAt = now();
    for (const r of roots) this.roots.set(r, undefined);
  }

  /** Why the figures leave part of the tree's CPU time out, or undefined when nothing is known to be missing. */
  get note(): string | undefined {
    return this.missed.size ? [...this.missed].join(' ') : undefined;
  }

  /** Adds a root found later (e.g. the DAP `process` event's systemProcessId). */
  addRoot(pid: number): void {
    if (!this.roots.has(pid)) this.roots.set(pid, undefined);
  }

  get rootPids(): number[] {
    return [...this.roots.keys()];
  }

  /** CPU ticks counted so far (the CLI corrects the last interval with its own cutime). */
  get countedTicks(): number {
    return this.ticks;
  }

  /** The tree's processes in a scan: the roots present and, transitively, their children. */
  treeOf(scan: Scan): Set<number> {
    const children = new Map<number, number[]>();
    for (const p of scan.procs.values()) {
      const list = children.get(p.ppid);
      if (list) list.push(p.pid);
      else children.set(p.ppid, [p.pid]);
    }
    const tree = new Set<number>();
    const stack: number[] = [];
    for (const [pid, start] of this.roots) {
      const p = scan.procs.get(pid);
      if (!p || (start !== undefined && start !== p.start)) continue; // gone, or its pid reused
      stack.push(pid);
    }
    while (stack.length) {
      const pid = stack.pop() as number;
      if (tree.has(pid)) continue;
      tree.add(pid);
      for (const c of children.get(pid) ?? []) stack.push(c);
    }
    return tree;
  }

  /** Accounts one interval; returns the tree's Watts over it. */
  update(i: Interval): number {
    if (this.finished) return 0;
    // Pin each root to the process first seen under its pid; a root that ended stays ended.
    for (const [pid, start] of this.roots) {
      const p = i.scan.procs.get(pid);
      if (start === undefined && p) this.roots.set(pid, p.start);
      else if (start !== undefined && p === undefined) this.roots.set(pid, -1);
    }
    const now = this.treeOf(i.scan);
    let ticks = 0;
    for (const pid of now) {
      const cur = i.scan.procs.get(pid) as ProcInfo;
      const before = i.prev.procs.get(pid);
      // A process already there counts its growth over the interval; one born in it counts all its time.
      if (!before || !same(before, cur)) ticks += total(cur);
      else if (this.members.has(pid) || this.sinceTicks === undefined) ticks += total(cur) - total(before);
      else if (cur.start >= this.sinceTicks)
        ticks += total(cur); // joined late, started since the measurement began
      else {
        ticks += total(cur) - total(before);
        if (this.roots.has(pid))
          this.missed.add(`Process ${pid} started before the measurement began: its CPU time before then is not counted.`);
      }
    }
    // Members that ended, by the process that reaps them outside the tree (the tree's last moments).
    const outside = new Map<number, number>();
    for (const pid of this.members) {
      if (now.has(pid) || i.scan.procs.has(pid)) continue;
      const gone = i.prev.procs.get(pid);
      if (!gone) continue;
      // Its total moves into its reaper's cutime/cstime: subtract it when the reaper (its parent, or the nearest
      // ancestor still alive when a whole chain ended in this interval) is in the tree.
      const reaper = this.reaperOf(gone, i);
      if (reaper !== undefined && now.has(reaper)) ticks -= total(gone);
      else if (reaper !== undefined) outside.set(reaper, (outside.get(reaper) ?? 0) + total(gone));
      else if (this.roots.has(pid))
        this.missed.add(`Process ${pid}'s last moments (after the last scan) are not counted: the process that reaped it is unknown.`);
    }
    ticks += this.lastMoments(outside, i);
    ticks = Math.max(0, ticks);
    for (const pid of now) this.seen.add(pid);
    this.members = now;
    const perTick = i.attribution.wattsPerTick;
    // The host's busy ticks in the interval, as the attribution counted them (never fewer than the processes' sum).
    const busy = Math.max(
      0,
      i.scan.busy - i.prev.busy,
      i.attribution.processes.reduce((n, p) => n + p.ticks, 0),
    );
    const priced = perTick > 0 ? Math.min(ticks, busy) : 0;
    this.ticks += ticks;
    this.unpriced += ticks - priced;
    // wattsPerTick prices a tick of this interval in Watts over the interval; Joules add the interval's length.
    const slot: Slot = {
      ticks,
      free: perTick > 0 ? busy - priced : 0,
      joulesPerTick: perTick * i.seconds,
      seconds: i.seconds,
      programJ: priced * perTick * i.seconds,
    };
    this.slots.push(slot);
    this.programJ += slot.programJ;
    this.hostJ += Math.max(0, i.host.watts) * i.seconds;
    this.peak = Math.max(this.peak, priced * perTick);
    this.source = i.host.source;
    this.estimated = i.host.estimated;
    this.settle();
    return priced * perTick;
  }

  /**
   * Each accounted interval's ticks and Joules so far, in order (later ticks priced against an interval raise its
   * Joules): a profile shares them among the tree's processes. They add up to programJ.
   */
  get intervalEnergies(): readonly { readonly ticks: number; readonly joules: number }[] {
    return this.slots.map((s) => ({ ticks: s.ticks, joules: s.programJ }));
  }

  /** Prices unpriced ticks against the busy ticks earlier intervals left uncharged, latest first. */
  private settle(): void {
    for (let k = this.slots.length - 1; k >= 0 && this.unpriced > 0; k--) {
      const slot = this.slots[k];
      const take = Math.min(slot.free, this.unpriced);
      if (take <= 0) continue;
      slot.free -= take;
      this.unpriced -= take;
      slot.programJ += take * slot.joulesPerTick;
      this.programJ += take * slot.joulesPerTick;
      if (slot.seconds > 0) this.peak = Math.max(this.peak, slot.programJ / slot.seconds);
    }
  }

  /** The live process that reaped a member that ended: its parent, or the nearest ancestor alive when a chain ended. */
  private reaperOf(gone: ProcInfo, i: Interval): number | undefined {
    let ppid = gone.ppid;
    for (let depth = 0; depth < 64; depth++) {
      const before = i.prev.procs.get(ppid);
      const alive = i.scan.procs.get(ppid);
      if (alive) return before === undefined || same(before, alive) ? ppid : undefined;
      // The parent ended too (and was a member): its own reaper decides.
      if (!before || !this.members.has(ppid)) return undefined;
      ppid = before.ppid;
    }
    return undefined;
  }

  /**
   * CPU time the tree spent between the last scan and its end, read from the reapers outside the tree (the CLI
   * itself; for an adopted debuggee, the extension host; for a task, the terminal's process): the kernel adds an
   * ended child's whole total to its reaper's cutime/cstime. A reaper's growth, less the totals already counted and
   * those of its other children seen ending in the interval, is the tree's. A child of the reaper that was born and
   * ended within one interval would be counted too; the pricing never charges more than the host's busy ticks.
   */
  private lastMoments(outside: ReadonlyMap<number, number>, i: Interval): number {
    let ticks = 0;
    const children = new Map<number, ProcInfo[]>();
    for (const p of i.prev.procs.values()) {
      if (this.members.has(p.pid) || i.scan.procs.has(p.pid)) continue; // only others that ended in the interval
      const list = children.get(p.ppid);
      if (list) list.push(p);
      else children.set(p.ppid, [p]);
    }
    // What ended under `pid` in the interval, as last seen: a child reaps its own children before it ends, so the
    // reaper's cutime grows by theirs too (a concurrent `optivolt measure` reaping its program, then ending). Where a
    // descendant was reparented instead, this errs low, never double.
    const endedUnder = (pid: number): number => (children.get(pid) ?? []).reduce((n, c) => n + total(c) + endedUnder(c.pid), 0);
    for (const [reaper, counted] of outside) {
      const before = i.prev.procs.get(reaper) as ProcInfo;
      const after = i.scan.procs.get(reaper) as ProcInfo;
      ticks += Math.max(0, after.childTicks - before.childTicks - endedUnder(reaper) - counted);
    }
    return ticks;
  }

  /**
   * Adds CPU ticks the sampling missed (the tree's last moments before it ended), priced against the busy ticks the
   * intervals left uncharged, latest first (see the class comment). The CLI knows the exact total from its own
   * cutime/cstime once it has waited for the command.
   */
  addTicks(ticks: number): void {
    if (!(ticks > 0) || this.finished) return;
    this.ticks += ticks;
    this.unpriced += ticks;
    this.settle();
  }

  setPaused(paused: boolean): void {
    const t = this.now();
    if (paused && this.pausedSince === undefined) this.pausedSince = t;
    if (!paused && this.pausedSince !== undefined) {
      this.paused += (t - this.pausedSince) / 1000;
      this.pausedSince = undefined;
    }
  }

  /** Energy so far, for a live display: never more than the host's (the guard behind the pricing's invariant). */
  get energyJoules(): number {
    return Math.min(this.programJ, this.hostJ);
  }

  finish(): MeterResult {
    if (this.finished) return this.finished;
    this.setPaused(false);
    const durationSeconds = Math.max(0, (this.now() - this.startedAt) / 1000);
    const energyJoules = this.energyJoules;
    const averageWatts = durationSeconds > 0 ? energyJoules / durationSeconds : 0;
    this.finished = {
      durationSeconds,
      pausedSeconds: this.paused,
      energyJoules,
      hostEnergyJoules: this.hostJ,
      hostEnergyAboveBaselineJoules: Math.max(0, this.hostJ - this.baselineWatts * durationSeconds),
      baselineWatts: this.baselineWatts,
      averageWatts,
      // A peak is never below the average; they can differ by the moments between the start and the first scan.
      peakWatts: Math.max(this.peak, averageWatts),
      source: this.source,
      estimated: this.estimated,
      pids: [...this.seen].sort((a, b) => a - b),
    };
    return this.finished;
  }
}
