// attribute(): sharing host power among processes by CPU-time share, with known deltas, edge cases, and the
// invariant rows + idleWatts + exitedWatts = host over many random trees (both models).
import { strict as assert } from 'node:assert';
import { attribute, Attribution, USER_HZ } from '../../src/core/attribution/attribute';
import { ProcInfo, ProcScanner, Scan } from '../../src/core/attribution/procScanner';
import type { AttributionModel } from '../../src/shared/attribution';
import { ProcTree } from '../fixtures/procTree';
import { prng } from '../fixtures/prng';

const close = (actual: number, expected: number, eps = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

type P = Pick<ProcInfo, 'pid' | 'ticks'> & Partial<ProcInfo>;

function scan(busy: number, idle: number, procs: P[]): Scan {
  return {
    busy,
    idle,
    procs: new Map(procs.map((p) => [p.pid, { ppid: 1, comm: `p${p.pid}`, start: 1000 + p.pid, childTicks: 0, ...p } as ProcInfo])),
  };
}

const SHARE_ALL = { model: 'share-all' as const, idleWatts: 0 };
const activeOnly = (idleWatts: number): { model: AttributionModel; idleWatts: number } => ({ model: 'active-only', idleWatts });

const byPid = (a: Attribution): Map<number, Attribution['processes'][number]> => new Map(a.processes.map((p) => [p.proc.pid, p]));
const total = (a: Attribution): number => a.processes.reduce((s, p) => s + p.watts, 0) + a.idleWatts + a.exitedWatts;

function assertNoNaN(a: Attribution): void {
  for (const v of [a.idleWatts, a.exitedWatts, a.hostCpu]) assert.ok(Number.isFinite(v) && v >= 0, `figure ${v}`);
  for (const p of a.processes) {
    for (const v of [p.watts, p.share, p.cpuPercent, p.ticks]) assert.ok(Number.isFinite(v) && v >= 0, `pid ${p.proc.pid}: ${v}`);
  }
}

describe('attribute()', () => {
  // Host: 200 busy ticks in the interval; A used 100, B 50; 50 ticks no live process accounts for.
  const prev = scan(1000, 5000, [
    { pid: 10, ticks: 400 },
    { pid: 20, ticks: 30 },
  ]);
  const cur = scan(1200, 5200, [
    { pid: 10, ticks: 500 },
    { pid: 20, ticks: 80 },
  ]);

  describe('known deltas', () => {
    it('share-all: 20 W, busy 200 ticks, A 100 / B 50 -> A 10 W, B 5 W, exited 5 W', () => {
      const a = attribute(prev, cur, 20, 2, SHARE_ALL);
      const p = byPid(a);
      close(p.get(10)!.watts, 10);
      close(p.get(20)!.watts, 5);
      close(a.exitedWatts, 5);
      assert.equal(a.idleWatts, 0);
      close(p.get(10)!.share, 0.5);
      close(p.get(20)!.share, 0.25);
      assert.equal(p.get(10)!.ticks, 100);
      assert.equal(p.get(20)!.ticks, 50);
      close(a.hostCpu, 0.5);
      assert.deepEqual(
        a.processes.map((x) => x.proc.pid),
        [10, 20],
        'largest first',
      );
    });

    it("capacity (Scaphandre's): 20 W, 400 ticks of capacity, A 100 / B 50 -> A 5 W, B 2.5 W, idle 10 W, exited 2.5 W", () => {
      // hubblo-org/scaphandre src/sensors/mod.rs@v1.0.3:747-748,828: host W x (cpu % of one core / nb cores) / 100.
      const a = attribute(prev, cur, 20, 2, { model: 'capacity', idleWatts: 0 });
      const p = byPid(a);
      close(p.get(10)!.watts, 5);
      close(p.get(20)!.watts, 2.5);
      close(p.get(10)!.capacity, 0.25);
      close(p.get(10)!.share, 0.25, 1e-12);
      close(a.idleWatts, 10, 1e-9);
      close(a.exitedWatts, 2.5, 1e-9);
      close(total(a), 20, 1e-9);
    });

    it('cpuPercent = ticks / (seconds x USER_HZ) x 100 (% of one core)', () => {
      assert.equal(USER_HZ, 100);
      const a = attribute(prev, cur, 20, 2, SHARE_ALL);
      close(byPid(a).get(10)!.cpuPercent, 50); // 100 ticks in 2 s
      close(byPid(a).get(20)!.cpuPercent, 25);
      const b = attribute(prev, cur, 20, 0.5, SHARE_ALL);
      close(byPid(b).get(10)!.cpuPercent, 200); // two busy cores
      const z = attribute(prev, cur, 20, 0, SHARE_ALL);
      assert.equal(byPid(z).get(10)!.cpuPercent, 0, 'no elapsed time: 0, not Infinity');
    });

    it('active-only: the idle row is idleWatts and rows share only host - idle', () => {
      const a = attribute(prev, cur, 20, 2, activeOnly(8));
      const p = byPid(a);
      assert.equal(a.idleWatts, 8);
      close(p.get(10)!.watts, 6); // 12 W x 100/200
      close(p.get(20)!.watts, 3);
      close(a.exitedWatts, 3);
      close(p.get(10)!.share, 0.3, 1e-12);
      close(total(a), 20);
    });

    it('active-only: idleWatts above host power is clamped to host (rows get nothing)', () => {
      const a = attribute(prev, cur, 20, 2, activeOnly(35));
      assert.equal(a.idleWatts, 20);
      assert.equal(a.exitedWatts, 0);
      for (const p of a.processes) assert.equal(p.watts, 0);
      close(total(a), 20);
    });

    it('active-only: a negative idle level counts as 0', () => {
      const a = attribute(prev, cur, 20, 2, activeOnly(-5));
      assert.equal(a.idleWatts, 0);
      close(byPid(a).get(10)!.watts, 10);
    });

    it('active-only: a NaN idle level counts as 0 (no NaN anywhere)', () => {
      const a = attribute(prev, cur, 20, 2, activeOnly(NaN));
      assertNoNaN(a);
      close(total(a), 20);
    });

    it('nothing ran (busy delta 0, no process ticks): everything is idle, for both models', () => {
      const still = scan(1000, 5300, [
        { pid: 10, ticks: 400 },
        { pid: 20, ticks: 30 },
      ]);
      for (const opts of [SHARE_ALL, activeOnly(5)]) {
        const a = attribute(prev, still, 20, 2, opts);
        assert.deepEqual(a.processes, []);
        assert.equal(a.idleWatts, 20);
        assert.equal(a.exitedWatts, 0);
        assert.equal(a.hostCpu, 0);
      }
    });

    it('a process that exited between scans: its time lands in exitedWatts, never lost', () => {
      const before = scan(1000, 5000, [
        { pid: 10, ticks: 400 },
        { pid: 30, ticks: 7000 }, // ran 120 ticks then exited: only /proc/stat saw it
      ]);
      const after = scan(1220, 5000, [{ pid: 10, ticks: 500 }]);
      const a = attribute(before, after, 22, 2, SHARE_ALL);
      close(byPid(a).get(10)!.watts, 10);
      close(a.exitedWatts, 12);
      assert.equal(byPid(a).has(30), false);
      close(total(a), 22);
    });

    it('a process new since the last scan counts all its ticks', () => {
      const after = scan(1200, 5200, [
        { pid: 10, ticks: 500 },
        { pid: 20, ticks: 80 },
        { pid: 99, ticks: 40 },
      ]);
      const a = attribute(prev, after, 20, 2, SHARE_ALL);
      assert.equal(byPid(a).get(99)!.ticks, 40);
      close(byPid(a).get(99)!.watts, 4);
      close(a.exitedWatts, 1);
    });

    it('a reused pid (same pid, different start time) is a new process: all its ticks count', () => {
      const after = scan(1200, 5200, [
        { pid: 10, ticks: 60, start: 999_999 }, // fewer ticks than the old pid 10 had: no negative delta
        { pid: 20, ticks: 80 },
      ]);
      const a = attribute(prev, after, 20, 2, SHARE_ALL);
      assert.equal(byPid(a).get(10)!.ticks, 60);
      close(byPid(a).get(10)!.watts, 6);
      const again = scan(1200, 5200, [
        { pid: 10, ticks: 460, start: 999_999 },
        { pid: 20, ticks: 80 },
      ]);
      assert.equal(byPid(attribute(prev, again, 20, 2, SHARE_ALL)).get(10)!.ticks, 460, 'not 460 - 400');
    });

    it('processes that used no CPU in the interval get no row', () => {
      const after = scan(1200, 5200, [
        { pid: 10, ticks: 500 },
        { pid: 20, ticks: 30 },
      ]);
      const a = attribute(prev, after, 20, 2, SHARE_ALL);
      assert.deepEqual(
        a.processes.map((p) => p.proc.pid),
        [10],
      );
    });

    it('processes summing more than the busy delta (non-atomic reads): normalised, exited 0', () => {
      const after = scan(1200, 5200, [
        { pid: 10, ticks: 500 }, // 100
        { pid: 20, ticks: 180 }, // 150: 250 > 200
      ]);
      for (const opts of [SHARE_ALL, activeOnly(5)]) {
        const a = attribute(prev, after, 20, 2, opts);
        const shared = 20 - a.idleWatts;
        close(byPid(a).get(10)!.watts, (shared * 100) / 250);
        close(byPid(a).get(20)!.watts, (shared * 150) / 250);
        assert.equal(a.exitedWatts, 0);
        close(total(a), 20);
      }
    });

    it('NaN, Infinity or negative host watts count as 0: no NaN anywhere', () => {
      for (const w of [NaN, -5, Infinity, -Infinity]) {
        for (const opts of [SHARE_ALL, activeOnly(3)]) {
          const a = attribute(prev, cur, w, 2, opts);
          assertNoNaN(a);
          assert.equal(total(a), 0, `host ${w}`);
          assert.equal(a.processes.length, 2, 'rows are still listed, at 0 W');
          close(byPid(a).get(10)!.cpuPercent, 50);
        }
      }
    });

    it('counters going backwards (a different host, a reset) are not negative', () => {
      const a = attribute(cur, prev, 20, 2, SHARE_ALL);
      assertNoNaN(a);
      close(total(a), 20);
    });
  });

  describe('the sum invariant over random trees', () => {
    it('rows + idleWatts + exitedWatts = host within 1%, for the three models (200 seeded cases)', () => {
      const rnd = prng(20240611);
      const int = (n: number): number => Math.floor(rnd() * n);
      let checked = 0;
      for (let c = 0; c < 200; c++) {
        const n = 1 + int(60);
        const before: P[] = [];
        const after: P[] = [];
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const pid = 100 + i;
          const ticks = int(100_000);
          const fate = rnd();
          if (fate < 0.1) {
            before.push({ pid, ticks }); // exited
          } else if (fate < 0.2) {
            const t = int(500);
            after.push({ pid, ticks: t }); // new
            sum += t;
          } else if (fate < 0.25) {
            before.push({ pid, ticks });
            const t = int(500);
            after.push({ pid, ticks: t, start: 9_000_000 + pid }); // reused pid
            sum += t;
          } else {
            const d = rnd() < 0.4 ? 0 : int(400);
            before.push({ pid, ticks });
            after.push({ pid, ticks: ticks + d });
            sum += d;
          }
        }
        // The host's busy delta: usually at least the processes' sum (exited time, interrupts), sometimes below it
        // (non-atomic reads), sometimes 0.
        const r = rnd();
        const busy = r < 0.1 ? 0 : r < 0.3 ? Math.floor(sum * rnd()) : sum + int(2000);
        const idleTicks = int(5000);
        const host = rnd() < 0.05 ? 0 : rnd() * 200;
        const seconds = 0.5 + rnd() * 4;
        const b = scan(50_000, 80_000, before);
        const a = scan(50_000 + busy, 80_000 + idleTicks, after);
        for (const opts of [SHARE_ALL, activeOnly(rnd() * 250), { model: 'capacity' as const, idleWatts: 0 }]) {
          const at = attribute(b, a, host, seconds, opts);
          assertNoNaN(at);
          const sumW = total(at);
          assert.ok(Math.abs(sumW - host) <= host * 0.01 + 1e-9, `case ${c} ${opts.model}: ${sumW} vs host ${host}`);
          const shares = at.processes.reduce((s, p) => s + p.share, 0);
          assert.ok(shares <= 1 + 1e-9, `case ${c}: shares ${shares}`);
          if (opts.model === 'active-only') assert.ok(at.idleWatts <= host + 1e-9);
          for (const p of at.processes) close(p.cpuPercent, (p.ticks / (seconds * 100)) * 100, 1e-9);
          for (let i = 1; i < at.processes.length; i++) assert.ok(at.processes[i - 1].watts >= at.processes[i].watts, 'sorted by watts');
          checked++;
        }
      }
      assert.equal(checked, 600);
    });
  });

  describe('through ProcScanner over a /proc tree', () => {
    let tree: ProcTree | undefined;
    let scanner: ProcScanner | undefined;
    afterEach(() => {
      scanner?.dispose();
      tree?.dispose();
      scanner = undefined;
      tree = undefined;
    });

    it('attributes the ticks written between two scans; an exited process\u2019s time lands in exitedWatts', () => {
      tree = ProcTree.create(
        [
          { pid: 10, comm: 'make', utime: 100 },
          { pid: 11, comm: 'cc1', utime: 50 },
          { pid: 12, comm: 'ld', utime: 5 },
        ],
        { busy: 10_000, idle: 50_000 },
      );
      scanner = new ProcScanner(tree.root);
      const s0 = scanner.scan();
      tree.addTicks(10, 60, 20); // 80
      tree.addTicks(11, 40); // 40
      tree.remove(12); // ran 40 more ticks, then exited
      tree.add({ pid: 13, comm: 'as', utime: 30, stime: 10 }); // new: 40
      tree.addHost(200, 200);
      const s1 = scanner.scan();
      const a = attribute(s0, s1, 30, 2, SHARE_ALL);
      const p = byPid(a);
      close(p.get(10)!.watts, 12); // 80/200 of 30 W
      close(p.get(11)!.watts, 6);
      close(p.get(13)!.watts, 6);
      close(a.exitedWatts, 6);
      close(a.hostCpu, 0.5);
      assert.equal(p.get(13)!.proc.comm, 'as');
      close(total(a), 30);
    });
  });
});
