// ProcessTreeMeter over fake /proc trees (ProcScanner + IntervalSampler with a fake monotonic clock), with
// hand-computed energies, and against a powercap tree whose counters advance at a known rate (RaplSource).
import { strict as assert } from 'node:assert';
import { IntervalSampler, Interval } from '../../src/core/attribution/intervalSampler';
import { ProcessTreeMeter } from '../../src/core/energy/meter';
import { RaplSource } from '../../src/core/power/rapl';
import type { PowerSample, SourceKind } from '../../src/shared/power';
import { PowercapTree } from '../fixtures/powercapTree';
import { prng } from '../fixtures/prng';
import { pidStatLine, ProcTree } from '../fixtures/procTree';

const close = (actual: number, expected: number, what = '', eps = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= eps, `${what}: expected ${expected}, got ${actual}`);
const within = (actual: number, expected: number, rel: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= Math.abs(expected) * rel, `${what}: expected ${expected} ± ${rel * 100}%, got ${actual}`);

interface Proc {
  pid: number;
  ppid: number;
  comm: string;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
  start: number;
}

/** The kernel's stat line with settable cutime/cstime (fields 16 and 17; the fixture writes 77 and 33). */
function statLine(p: Proc): string {
  const f = pidStatLine(p).trimEnd().split(' ');
  assert.equal(f.length, 52);
  assert.equal(f[15], '77');
  assert.equal(f[16], '33');
  f[15] = String(p.cutime);
  f[16] = String(p.cstime);
  return `${f.join(' ')}\n`;
}

/**
 * A fake /proc (rewritten in place, so kept descriptors see the changes) read by a real IntervalSampler with a
 * monotonic clock that only moves when told. Processes burn ticks, end, and are reaped: reaping adds the child's
 * utime+stime+cutime+cstime to the reaper's cutime, like the kernel.
 */
class Rig {
  readonly tree = ProcTree.create([], { busy: 10_000, idle: 90_000 });
  private mono = 7_000_000_000n;
  readonly sampler = new IntervalSampler(this.tree.root, () => this.mono);
  private readonly procs = new Map<number, Proc>();

  /** Milliseconds on the same clock, for the meter's `now`. */
  readonly nowMs = (): number => Number(this.mono) / 1e6;

  spawn(pid: number, ppid: number, utime = 0, start = 1000 + pid): void {
    const p: Proc = { pid, ppid, comm: `p${pid}`, utime, stime: 0, cutime: 0, cstime: 0, start };
    this.procs.set(pid, p);
    this.write(p);
  }

  /** Another process takes the pid between two scans: its stat is rewritten in place (as a kept descriptor sees it). */
  replace(pid: number, ppid: number, utime: number, start: number): void {
    const p: Proc = { pid, ppid, comm: `new${pid}`, utime, stime: 0, cutime: 0, cstime: 0, start };
    this.procs.set(pid, p);
    this.write(p);
  }

  /** `ticks` of CPU, half user and half system time. */
  burn(pid: number, ticks: number): void {
    const p = this.get(pid);
    p.utime += Math.ceil(ticks / 2);
    p.stime += Math.floor(ticks / 2);
    this.write(p);
  }

  /** `pid` waits for children that ended earlier (unseen): their `ticks` land in its cutime/cstime only now. */
  reapEarlier(pid: number, ticks: number): void {
    const p = this.get(pid);
    p.cutime += Math.ceil(ticks / 2);
    p.cstime += Math.floor(ticks / 2);
    this.write(p);
  }

  /** The process ends; a reaper still in the tree gets its total in cutime/cstime. */
  exit(pid: number, reaper?: number): void {
    const p = this.get(pid);
    if (reaper !== undefined) {
      const r = this.get(reaper);
      r.cutime += p.utime + p.cutime;
      r.cstime += p.stime + p.cstime;
      this.write(r);
    }
    this.procs.delete(pid);
    this.tree.remove(pid);
  }

  /** The first host sample: primes the sampler. */
  prime(watts = 20): void {
    assert.equal(this.sampler.next(this.sample(watts), 'share-all'), undefined);
  }

  /** Ends an interval of `seconds` in which the host spent `busy` and `idle` ticks at `watts`. */
  step(watts: number, seconds: number, busy: number, idle: number, source: SourceKind = 'rapl'): Interval {
    this.tree.addHost(busy, idle);
    this.mono += BigInt(Math.round(seconds * 1e9));
    const i = this.sampler.next(this.sample(watts, source), 'share-all');
    assert.ok(i, 'an interval after priming');
    return i;
  }

  sample(watts: number, source: SourceKind = 'rapl', extra: Partial<PowerSample> = {}): PowerSample {
    return { time: 1_700_000_000_000 + this.nowMs(), watts, source, estimated: source === 'estimate', zones: {}, detail: 'test', ...extra };
  }

  dispose(): void {
    this.sampler.dispose();
    this.tree.dispose();
  }

  private get(pid: number): Proc {
    const p = this.procs.get(pid);
    assert.ok(p, `process ${pid}`);
    return p;
  }

  private write(p: Proc): void {
    this.tree.writeRaw(p.pid, 'stat', statLine(p));
  }
}

describe('ProcessTreeMeter', () => {
  let rig: Rig;
  beforeEach(() => {
    rig = new Rig();
  });
  afterEach(() => rig.dispose());

  it('the fake /proc carries cutime/cstime as childTicks', () => {
    rig.spawn(100, 1, 5);
    rig.spawn(101, 100, 7);
    rig.exit(101, 100);
    const p = rig.sampler.scanner.scan().procs.get(100);
    assert.ok(p);
    assert.equal(p.ticks, 5);
    assert.equal(p.childTicks, 7);
  });

  it('counts only the tree: root and child, not an unrelated busy process (20 W, 100 of 200 busy ticks, 2 s: 10 W, 20 J)', () => {
    rig.spawn(100, 50); // root, started by something outside the tree
    rig.spawn(101, 100); // its child
    rig.spawn(200, 1); // unrelated
    rig.spawn(50, 1); // the launcher
    rig.prime();
    const m = new ProcessTreeMeter([100], 0, rig.nowMs);
    rig.burn(100, 60);
    rig.burn(101, 40);
    rig.burn(200, 100);
    const w = m.update(rig.step(20, 2, 200, 200));
    close(w, 10, 'tree watts');
    close(m.energyJoules, 20, 'tree joules');
    assert.equal(m.countedTicks, 100);
    assert.deepEqual(m.treeOf(rig.sampler.scanner.scan()), new Set([100, 101]));
    const r = m.finish();
    close(r.hostEnergyJoules, 40, 'host joules');
    assert.deepEqual(r.pids, [100, 101]);
  });

  it('follows a child that appears later and its grandchild (born in an interval: all their time counts)', () => {
    rig.spawn(100, 1);
    rig.prime();
    const m = new ProcessTreeMeter([100], 0, rig.nowMs);
    rig.burn(100, 50);
    close(m.update(rig.step(10, 1, 100, 100)), 5, 'interval 1 watts'); // 10 W / 100 ticks x 50
    rig.burn(100, 10);
    rig.spawn(101, 100, 30);
    rig.spawn(102, 101, 20);
    rig.spawn(300, 1, 140); // unrelated, born at the same time
    close(m.update(rig.step(20, 2, 200, 200)), 6, 'interval 2 watts'); // 0.1 W/tick x 60
    rig.burn(101, 40);
    rig.burn(102, 60);
    rig.burn(300, 100);
    close(m.update(rig.step(20, 2, 200, 200)), 10, 'interval 3 watts'); // 0.1 W/tick x 100
    assert.equal(m.countedTicks, 50 + 60 + 100);
    const r = m.finish();
    close(r.energyJoules, 5 * 1 + 6 * 2 + 10 * 2, 'joules');
    close(r.peakWatts, 10, 'peak');
    assert.deepEqual(r.pids, [100, 101, 102]);
  });

  it('a child reaped by its member parent is not counted twice (parent cutime grows by the child total)', () => {
    rig.spawn(100, 1);
    rig.spawn(101, 100);
    rig.spawn(102, 101);
    rig.prime();
    const m = new ProcessTreeMeter([100], 0, rig.nowMs);
    // Interval 1: root 10, child 30, grandchild 40 then reaped by the child (child cutime +40).
    rig.burn(100, 10);
    rig.burn(101, 30);
    rig.burn(102, 40);
    rig.exit(102, 101);
    m.update(rig.step(20, 2, 80, 320));
    assert.equal(m.countedTicks, 80);
    // Interval 2: child 20 more, then reaped by the root (root cutime +90); root 5.
    rig.burn(101, 20);
    rig.exit(101, 100);
    rig.burn(100, 5);
    const w = m.update(rig.step(20, 2, 25, 375));
    close(w, 20, 'interval 2: all 25 busy ticks are the tree');
    assert.equal(m.countedTicks, 15 + 50 + 40, 'ticks = real CPU of root, child and grandchild');
    close(m.energyJoules, 40 + 40, 'both intervals: the tree is all of the busy time');
  });

  it('a chain ending in one interval (grandchild reaped by child, child reaped by root) is counted once', () => {
    // e.g. npm -> sh -> node: node ends, sh ends right after, npm reaps sh (whose cutime already holds node).
    rig.spawn(100, 1);
    rig.spawn(101, 100);
    rig.spawn(102, 101);
    rig.prime();
    const m = new ProcessTreeMeter([100], 0, rig.nowMs);
    rig.burn(101, 5);
    rig.burn(102, 300);
    m.update(rig.step(20, 2, 305, 95));
    assert.equal(m.countedTicks, 305);
    rig.burn(102, 20);
    rig.exit(102, 101);
    rig.exit(101, 100);
    m.update(rig.step(20, 2, 20, 380));
    assert.equal(m.countedTicks, 325, 'ticks = real CPU (5 + 320); the grandchild must not be counted twice');
    close(m.energyJoules, 40 + 40, 'both intervals: the tree is all of the busy time');
  });

  it('a root reaped by a non-member disappears: no negative energy; addTicks prices missed ticks against the last interval first', () => {
    rig.spawn(50, 1); // a debugger
    rig.spawn(100, 50);
    rig.prime();
    const m = new ProcessTreeMeter([100], 0, rig.nowMs);
    rig.burn(100, 100);
    rig.burn(50, 100);
    close(m.update(rig.step(20, 2, 200, 200)), 10, 'interval 1');
    rig.exit(100, 50); // the debugger's cutime grows; it is not in the tree
    rig.burn(50, 100);
    // Interval 2: 30 W over 100 busy ticks in 1 s: 0.3 W per tick, 0.3 J per tick.
    const w = m.update(rig.step(30, 1, 100, 100));
    assert.equal(w, 0);
    assert.equal(m.countedTicks, 100);
    close(m.energyJoules, 20, 'unchanged after the root went');
    m.addTicks(30);
    close(m.energyJoules, 20 + 30 * 0.3, 'missed ticks at 0.3 J each');
    assert.equal(m.countedTicks, 130);
    m.addTicks(0);
    m.addTicks(-50);
    close(m.energyJoules, 29, 'no-op for 0 and negative');
    assert.equal(m.countedTicks, 130);
    const r = m.finish();
    close(r.energyJoules, 29, 'result');
    assert.ok(r.hostEnergyAboveBaselineJoules >= 0);
    m.addTicks(10);
    close(m.energyJoules, 29, 'nothing added after finish');
    assert.equal(m.update(rig.step(30, 1, 100, 100)), 0, 'update after finish');
    assert.equal(m.finish(), r, 'finish is idempotent');
  });

  describe('never more than the host (issue 20: 200 concurrent short-lived children cost 2-3.6x the host)', () => {
    /** Interval 1: 200 children of the root burn 2 ticks each and end unseen between two scans (400 of 400 busy). */
    const twoHundredUnseenChildren = (): ProcessTreeMeter => {
      rig.spawn(50, 1); // the measuring process: not in the tree
      rig.spawn(100, 50);
      rig.prime();
      const m = new ProcessTreeMeter([100], 0, rig.nowMs);
      for (let pid = 101; pid <= 300; pid++) {
        rig.spawn(pid, 100);
        rig.burn(pid, 2);
        rig.exit(pid); // reaped later (below): the root's cutime grows only then
      }
      close(m.update(rig.step(3, 2, 400, 0)), 0, 'interval 1: the children were never seen');
      return m;
    };
    it("children reaped late: their CPU time, arriving in the root's cutime in a near-idle interval, is priced where it was spent", () => {
      const m = twoHundredUnseenChildren();
      // The root waits for all 200 in interval 2 (0.5 s, 3 W, 1 busy tick): 400 ticks appear in its cutime.
      // Before: 400 ticks x 3 W per tick = 1,200 W over 0.5 s, 600 J for a host that drew 7.5 J.
      rig.reapEarlier(100, 400);
      const w = m.update(rig.step(3, 0.5, 1, 99));
      assert.ok(w <= 3 + 1e-9, `interval 2 charges at most the host's 3 W, got ${w}`);
      const r = m.finish();
      close(r.hostEnergyJoules, 7.5, 'host: 3 W x 2.5 s');
      assert.ok(r.energyJoules <= r.hostEnergyJoules + 1e-9, `program ${r.energyJoules} J > host ${r.hostEnergyJoules} J`);
      close(r.energyJoules, 1.5 + 399 * (6 / 400), "interval 2's one busy tick, then 399 of interval 1's 400 at 6 J / 400", 1e-6);
      assert.ok(r.averageWatts <= r.peakWatts, `average ${r.averageWatts} W > peak ${r.peakWatts} W`);
    });

    it('children missed at the end (addTicks after the root ended) are not priced at the last, near-idle interval', () => {
      const m = twoHundredUnseenChildren();
      rig.exit(100, 50); // the root ends, reaped by the measuring process with the children's 400 ticks
      m.update(rig.step(3, 0.5, 1, 99));
      // Before: 400 ticks x (3 W x 0.5 s / 1 tick) = 600 J for a host that drew 7.5 J.
      m.addTicks(400);
      const r = m.finish();
      assert.ok(r.energyJoules <= r.hostEnergyJoules + 1e-9, `program ${r.energyJoules} J > host ${r.hostEnergyJoules} J`);
      close(r.energyJoules, 1.5 + 399 * (6 / 400), 'the last busy tick, then 399 of the 400 of interval 1', 1e-6);
      assert.ok(r.averageWatts <= r.peakWatts, `average ${r.averageWatts} W > peak ${r.peakWatts} W`);
    });

    it('random trees, reaps and missed ticks (seeded): program <= host, average <= peak, every time', () => {
      const rand = prng(20);
      for (let run = 0; run < 40; run++) {
        const r = new Rig();
        try {
          r.spawn(50, 1);
          r.spawn(100, 50);
          r.prime();
          const m = new ProcessTreeMeter([100], 0, r.nowMs);
          const alive = new Set<number>([100]);
          let next = 101;
          let missed = 0;
          for (let k = 0; k < 6; k++) {
            let used = 0;
            for (let n = Math.floor(rand() * 30); n > 0; n--) {
              const parent = [...alive][Math.floor(rand() * alive.size)];
              const pid = next++;
              const t = 1 + Math.floor(rand() * 5);
              r.spawn(pid, parent, t);
              used += t;
              if (rand() < 0.7) {
                // Ends within the interval: reaped by its parent now, or never seen by the tree (missed).
                if (rand() < 0.5) r.exit(pid, parent);
                else {
                  r.exit(pid);
                  missed += t;
                }
              } else alive.add(pid);
            }
            const other = Math.floor(rand() * 50);
            const watts = 1 + rand() * 40;
            m.update(r.step(watts, 0.2 + rand() * 2, used + other + Math.floor(rand() * 5), 100));
          }
          m.addTicks(missed + Math.floor(rand() * 50));
          const res = m.finish();
          assert.ok(
            res.energyJoules <= res.hostEnergyJoules + 1e-9,
            `run ${run}: program ${res.energyJoules} J > host ${res.hostEnergyJoules} J`,
          );
          assert.ok(res.averageWatts <= res.peakWatts + 1e-9, `run ${run}: average ${res.averageWatts} W > peak ${res.peakWatts} W`);
        } finally {
          r.dispose();
        }
      }
    });
  });

  it('a pid reused after the root ended (and was gone) is not counted as the tree', () => {
    rig.spawn(100, 1);
    rig.prime();
    const m = new ProcessTreeMeter([100], 0, rig.nowMs);
    rig.burn(100, 100);
    m.update(rig.step(20, 2, 200, 200));
    close(m.energyJoules, 20, 'interval 1');
    rig.exit(100);
    m.update(rig.step(20, 2, 100, 300));
    // A different process gets pid 100 (new start time), busy, with a child.
    rig.spawn(100, 1, 150, 999_999);
    rig.spawn(101, 100, 50);
    const w = m.update(rig.step(20, 2, 200, 200));
    assert.equal(w, 0, 'the new pid-100 process is not the measured program');
    assert.equal(m.countedTicks, 100);
    close(m.energyJoules, 20, 'energy unchanged');
  });

  it('a pid reused between two scans (new start time) is not counted as the root', () => {
    rig.spawn(100, 1);
    rig.prime();
    const m = new ProcessTreeMeter([100], 0, rig.nowMs);
    rig.burn(100, 100);
    m.update(rig.step(20, 2, 200, 200));
    rig.replace(100, 1, 150, 999_999); // the root ended, was reaped outside the tree, and its pid was reused
    const w = m.update(rig.step(20, 2, 200, 200));
    assert.equal(w, 0, 'a different process with the same pid');
    assert.equal(m.countedTicks, 100);
  });

  it('addRoot() later: counted from then on (growth only), children included', () => {
    rig.spawn(100, 1);
    rig.prime();
    const m = new ProcessTreeMeter([], 0, rig.nowMs);
    assert.deepEqual(m.rootPids, []);
    rig.burn(100, 100);
    assert.equal(m.update(rig.step(20, 2, 200, 200)), 0, 'no roots yet');
    assert.equal(m.countedTicks, 0);
    m.addRoot(100);
    assert.deepEqual(m.rootPids, [100]);
    rig.burn(100, 50);
    rig.spawn(101, 100, 30);
    close(m.update(rig.step(20, 2, 200, 200)), 8, '80 ticks x 0.1 W');
    assert.equal(m.countedTicks, 80);
    close(m.energyJoules, 16, 'joules');
    assert.deepEqual(m.finish().pids, [100, 101]);
  });

  it('addRoot() later with sinceTicks: a root started since the measurement began counts all its time; one started before, only its growth, and a note', () => {
    for (const [since, counted, note] of [
      [1050, 90, undefined],
      [1200, 40, /^Process 100 started before the measurement began/],
    ] as const) {
      const r = new Rig();
      try {
        r.spawn(100, 1); // start 1100
        r.prime();
        const m = new ProcessTreeMeter([], 0, r.nowMs, since);
        r.burn(100, 50);
        m.update(r.step(20, 2, 200, 200)); // scanned before the root is named (a late DAP event)
        m.addRoot(100);
        r.burn(100, 40);
        m.update(r.step(20, 2, 200, 200));
        assert.equal(m.countedTicks, counted);
        // Named late: with since, its first 50 ticks are counted too (priced against the intervals' free busy ticks).
        close(m.energyJoules, counted * 0.2, `since ${since}: joules (0.1 W a tick for 2 s)`);
        if (note) assert.match(m.note ?? '', note);
        else assert.equal(m.note, undefined);
      } finally {
        r.dispose();
      }
    }
  });

  it("a root reaped outside the tree: its last moments come from the reaper's cutime growth, less its other children's", () => {
    rig.spawn(50, 1);
    rig.spawn(100, 50);
    rig.spawn(60, 50, 20); // another child of the reaper, not measured, that ends with the root
    rig.prime();
    const m = new ProcessTreeMeter([100], 0, rig.nowMs);
    rig.burn(100, 40);
    m.update(rig.step(20, 2, 200, 200));
    assert.equal(m.countedTicks, 40);
    rig.burn(100, 30); // after the last scan
    rig.exit(100, 50);
    rig.exit(60, 50);
    m.update(rig.step(20, 2, 200, 200));
    assert.equal(m.countedTicks, 70, '40 seen + 30 from the reaper (its growth 90, less 40 counted and 20 of the other child)');
    close(m.energyJoules, 14, '70 ticks x 0.2 J');
    assert.equal(m.note, undefined);
  });

  it("a root reaped outside the tree: another child's own reaped children are not taken for the root's last moments", () => {
    // Two measurements at once under one reaper (the extension host, or a test runner): the other child is a CLI that
    // reaps its own program and ends in the same interval. The reaper's cutime then grows by that child's total *and*
    // its program's: both are someone else's.
    rig.spawn(50, 1);
    rig.spawn(100, 50);
    rig.spawn(60, 50, 5); // another child of the reaper, not measured
    rig.spawn(61, 60, 80); // its own child, seen at the last scan, reaped by 60 before 60 ends
    rig.prime();
    const m = new ProcessTreeMeter([100], 0, rig.nowMs);
    rig.burn(100, 40);
    rig.burn(61, 10);
    m.update(rig.step(20, 2, 200, 200));
    assert.equal(m.countedTicks, 40);
    rig.burn(100, 30); // after the last scan
    rig.exit(100, 50);
    rig.exit(61, 60);
    rig.exit(60, 50);
    m.update(rig.step(20, 2, 200, 200));
    assert.equal(
      m.countedTicks,
      70,
      '40 seen + 30 from the reaper (its growth 165, less 40 counted, 5 of the other child and 90 of its child)',
    );
  });

  it('setPaused accumulates pausedSeconds with the injected clock; finish closes an open pause', () => {
    let t = 1000;
    const m = new ProcessTreeMeter([1], 0, () => t);
    t = 2000;
    m.setPaused(true);
    t = 2500;
    m.setPaused(true); // already paused: keeps 2000
    t = 5000;
    m.setPaused(false); // 3 s
    t = 6000;
    m.setPaused(false); // not paused: nothing
    t = 7000;
    m.setPaused(true);
    t = 8000;
    const r = m.finish(); // +1 s
    close(r.pausedSeconds, 4, 'paused');
    close(r.durationSeconds, 7, 'duration');
    assert.equal(r.energyJoules, 0);
    assert.equal(r.averageWatts, 0);
    assert.deepEqual(r.pids, []);
  });

  it('baseline arithmetic: host J, above baseline (clamped at 0), average, peak, every member in pids, last source', () => {
    rig.spawn(100, 1);
    rig.spawn(900, 1); // unrelated, busy in interval 1
    rig.prime();
    const m = new ProcessTreeMeter([100], 5, rig.nowMs);
    const high = new ProcessTreeMeter([100], 100, rig.nowMs);
    // Interval 1 (2 s, 20 W, 200 busy): root 60, child born with 40, unrelated 100: 10 W, 20 J.
    rig.burn(100, 60);
    rig.spawn(101, 100, 40);
    rig.burn(900, 100);
    const i1 = rig.step(20, 2, 200, 200);
    // Interval 2 (2 s, 30 W, 100 busy): child 10 more then reaped by root, root 90: all 100 ticks, 30 W, 60 J.
    rig.burn(101, 10);
    rig.exit(101, 100);
    rig.burn(100, 90);
    const i2 = rig.step(30, 2, 100, 300, 'estimate');
    for (const meter of [m, high]) {
      close(meter.update(i1), 10, 'interval 1 watts');
      close(meter.update(i2), 30, 'interval 2 watts');
    }
    const r = m.finish();
    assert.deepEqual(Object.keys(r).sort(), [
      'averageWatts',
      'baselineWatts',
      'durationSeconds',
      'energyJoules',
      'estimated',
      'hostEnergyAboveBaselineJoules',
      'hostEnergyJoules',
      'pausedSeconds',
      'peakWatts',
      'pids',
      'source',
    ]);
    close(r.durationSeconds, 4, 'duration');
    close(r.energyJoules, 80, 'program joules');
    close(r.hostEnergyJoules, 20 * 2 + 30 * 2, 'host joules');
    assert.equal(r.baselineWatts, 5);
    close(r.hostEnergyAboveBaselineJoules, 100 - 5 * 4, 'above baseline');
    close(r.averageWatts, 80 / 4, 'average');
    close(r.peakWatts, 30, 'peak');
    assert.equal(r.pausedSeconds, 0);
    assert.deepEqual(r.pids, [100, 101], 'the reaped child is listed too');
    assert.equal(r.source, 'estimate', 'source of the last interval');
    assert.equal(r.estimated, true);
    const h = high.finish();
    assert.equal(h.hostEnergyAboveBaselineJoules, 0, '100 J host - 100 W x 4 s clamps at 0');
    close(h.energyJoules, 80, 'program energy does not depend on the baseline');
  });

  it('integrates a powercap tree advancing at 15 W: host J = 15 W x seconds, program = host when the tree is all CPU', async () => {
    let mono = 3_000_000_000n;
    const clock = (): bigint => mono;
    const pc = PowercapTree.create([
      { id: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000 },
      { id: 'intel-rapl:0:0', name: 'core', energyUj: 1_000_000 },
    ]);
    const tree = ProcTree.create([], { busy: 50_000, idle: 50_000 });
    const sampler = new IntervalSampler(tree.root, clock);
    const rapl = new RaplSource(pc.root, clock);
    const procs = new Map<number, Proc>();
    const write = (p: Proc): void => tree.writeRaw(p.pid, 'stat', statLine(p));
    const spawn = (pid: number, ppid: number, utime = 0): void => {
      const p = { pid, ppid, comm: `p${pid}`, utime, stime: 0, cutime: 0, cstime: 0, start: 1000 + pid };
      procs.set(pid, p);
      write(p);
    };
    const burn = (pid: number, ticks: number): void => {
      const p = procs.get(pid)!;
      p.utime += ticks;
      write(p);
    };
    const nowMs = (): number => Number(mono) / 1e6;
    let meter: ProcessTreeMeter | undefined;
    try {
      spawn(100, 1);
      spawn(400, 1); // an idle unrelated process
      assert.equal(await rapl.read(), undefined, 'RAPL primes');
      // Simulated seconds per interval, unequal on purpose; the tree uses every busy tick (2 CPUs, 100 ticks/s each).
      const steps = [1, 0.5, 1.5, 1, 2, 0.5, 1, 1, 1.5, 1];
      let simulated = 0;
      for (let k = 0; k < steps.length; k++) {
        const s = steps[k];
        mono += BigInt(Math.round(s * 1e9));
        pc.addJoules('intel-rapl:0', 15 * s);
        pc.addJoules('intel-rapl:0:0', 9 * s);
        let busy = Math.round(80 * s);
        burn(100, busy);
        if (k === 3) spawn(101, 100, 0);
        if (k > 3 && k < 7) {
          burn(101, Math.round(60 * s));
          busy += Math.round(60 * s);
        }
        if (k === 7) {
          // the child's last ticks, then reaped by the root
          burn(101, 30);
          busy += 30;
          const c = procs.get(101)!;
          const r = procs.get(100)!;
          r.cutime += c.utime;
          write(r);
          procs.delete(101);
          tree.remove(101);
        }
        tree.addHost(busy, Math.round(200 * s) - busy);
        const reading = await rapl.read();
        assert.ok(reading, `reading ${k}`);
        close(reading.watts, 15, `RAPL watts at step ${k}`, 1e-6);
        const sample: PowerSample = {
          time: nowMs(),
          watts: reading.watts,
          source: 'rapl',
          estimated: false,
          zones: reading.zones,
          detail: reading.detail,
        };
        const i = sampler.next(sample, 'share-all');
        if (!meter) {
          assert.equal(i, undefined, 'the first interval only primes');
          meter = new ProcessTreeMeter([100], 0, nowMs);
          continue;
        }
        assert.ok(i);
        simulated += s;
        close(meter.update(i), 15, `tree watts at step ${k}`, 1e-6);
      }
      assert.ok(meter);
      const r = meter.finish();
      close(r.durationSeconds, simulated, 'duration on the shared clock', 1e-9);
      within(r.hostEnergyJoules, 15 * simulated, 0.01, 'host joules = 15 W x seconds');
      within(r.energyJoules, r.hostEnergyJoules, 0.01, 'program joules = host joules');
      within(r.averageWatts, 15, 0.01, 'average watts');
      assert.equal(r.source, 'rapl');
      assert.equal(r.estimated, false);
      assert.deepEqual(r.pids, [100, 101]);
    } finally {
      sampler.dispose();
      tree.dispose();
      pc.dispose();
    }
  });
});
