// PowerMonitor with fake sources and fake clocks: selection, fallback, staleness, energy, serialisation, timers.
import { strict as assert } from 'node:assert';
import { LogFn, MAX_EMPTY_READS, MonitorOptions, PowerMonitor } from '../../src/core/power/monitor';
import { PowerReading, PowerSource, SourceError, SourceErrorCode } from '../../src/core/power/source';
import type { SourceKind } from '../../src/shared/power';
import { until } from '../fixtures/until';

type Behaviour = () => PowerReading | undefined | Promise<PowerReading | undefined>;

class FakeSource implements PowerSource {
  readonly estimated: boolean;
  readonly origin: string;
  constructor(
    readonly kind: SourceKind,
    private readonly world: World,
  ) {
    this.estimated = kind === 'estimate';
    this.origin = `fake-${kind}`;
  }
  async read(): Promise<PowerReading | undefined> {
    this.world.reads[this.kind]++;
    return this.world.behaviour[this.kind]();
  }
}

const reading = (watts: number, zones: Record<string, number> = {}): PowerReading => ({ watts, zones, detail: `fake ${watts} W` });
const fails =
  (code: SourceErrorCode, message: string): Behaviour =>
  () => {
    throw new SourceError(code, message);
  };
const works =
  (watts: number): Behaviour =>
  () =>
    reading(watts);

/** The fake machine: what each kind of source does right now, and who was built and read. */
class World {
  behaviour: Record<SourceKind, Behaviour> = {
    prometheus: fails('unreachable', 'Prometheus unreachable at http://127.0.0.1:9 (ECONNREFUSED).'),
    rapl: fails('missing', 'No powercap tree at /nope.'),
    estimate: works(7),
  };
  reads: Record<SourceKind, number> = { prometheus: 0, rapl: 0, estimate: 0 };
  created: Array<[SourceKind, boolean]> = [];
  logs: Array<{ level: string; message: string; code?: SourceErrorCode }> = [];
  nowMs = 1_700_000_000_000;
  monoNs = 5_000_000_000n;

  monitor(options: Partial<MonitorOptions> = {}): PowerMonitor {
    const log: LogFn = (level, message, code) => this.logs.push({ level, message, code });
    return new PowerMonitor({
      mode: 'auto',
      intervalMs: 2000,
      reprobeMs: 30000,
      createSource: (kind, forAuto) => {
        this.created.push([kind, forAuto]);
        return new FakeSource(kind, this);
      },
      log,
      now: () => this.nowMs,
      mono: () => this.monoNs,
      ...options,
    });
  }

  /** Advances both clocks by `seconds`. */
  advance(seconds: number): void {
    this.nowMs += seconds * 1000;
    this.monoNs += BigInt(Math.round(seconds * 1e9));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
async function waitFor(cond: () => boolean, timeoutMs = 3000): Promise<void> {
  await until(
    timeoutMs,
    () => (cond() ? true : undefined),
    () => 'condition not met in time',
    10,
  );
}

describe('PowerMonitor', () => {
  describe('auto selection', () => {
    it('prefers Prometheus when it works', async () => {
      const w = new World();
      w.behaviour.prometheus = works(40);
      w.behaviour.rapl = works(30);
      const m = w.monitor();
      assert.equal(m.snapshot.state, 'starting');
      await m.tick();
      assert.equal(m.snapshot.state, 'live');
      assert.equal(m.snapshot.source, 'prometheus');
      assert.equal(m.snapshot.last?.watts, 40);
      assert.deepEqual(w.created, [['prometheus', true]], 'auto asks Prometheus for Scaphandre data only');
    });

    it('uses RAPL when Prometheus fails, and says why', async () => {
      const w = new World();
      w.behaviour.rapl = works(30);
      const m = w.monitor();
      await m.tick();
      assert.equal(m.snapshot.source, 'rapl');
      assert.equal(m.snapshot.last?.estimated, false);
      assert.match(m.snapshot.reason, /Prometheus unreachable at http:\/\/127\.0\.0\.1:9/);
      assert.match(m.snapshot.reason, /Using RAPL \(fake-rapl\)/);
    });

    it('ends on the estimate when nothing else works; a priming read leaves it starting', async () => {
      const w = new World();
      let primed = false;
      w.behaviour.estimate = () => (primed ? reading(9) : ((primed = true), undefined));
      const m = w.monitor();
      await m.tick();
      assert.equal(m.snapshot.state, 'starting');
      assert.equal(m.snapshot.source, 'estimate');
      assert.ok(m.snapshot.last === undefined, 'no sample after priming');
      w.advance(2);
      await m.tick();
      const live = m.snapshot; // a fresh reference: the asserts above narrowed m.snapshot
      assert.equal(live.state, 'live');
      assert.equal(live.last?.watts, 9);
      assert.equal(live.last?.estimated, true);
      assert.deepEqual(
        w.created.map(([k]) => k),
        ['prometheus', 'rapl', 'estimate'],
      );
    });

    it('falls back when the current source throws, and climbs back after reprobeMs', async () => {
      const w = new World();
      w.behaviour.rapl = works(30);
      const m = w.monitor({ reprobeMs: 10000 });
      await m.tick();
      assert.equal(m.snapshot.source, 'rapl');

      w.behaviour.rapl = fails('missing', 'RAPL went away.');
      w.advance(2);
      await m.tick();
      assert.equal(m.snapshot.source, 'estimate');
      assert.equal(m.snapshot.state, 'live');
      assert.equal(m.snapshot.last?.watts, 7);
      assert.ok(
        w.logs.some((l) => l.level === 'warn' && /RAPL/.test(l.message) && /RAPL went away\./.test(l.message)),
        JSON.stringify(w.logs),
      );

      w.behaviour.rapl = works(31);
      w.advance(2); // 2 s since the switch: too early to look again
      await m.tick();
      assert.equal(m.snapshot.source, 'estimate');

      w.advance(10);
      await m.tick(); // reads the estimate, then reprobes and finds RAPL
      assert.equal(m.snapshot.source, 'rapl');
      assert.match(m.snapshot.reason, /RAPL \(fake-rapl\) became available/);
      w.advance(2);
      await m.tick();
      assert.equal(m.snapshot.last?.source, 'rapl');
      assert.equal(m.snapshot.last?.watts, 31);
    });
  });

  describe('fixed mode', () => {
    it("goes 'stale' keeping the last sample when its source fails after working", async () => {
      const w = new World();
      w.behaviour.rapl = works(25);
      const m = w.monitor({ mode: 'rapl' });
      await m.tick();
      w.advance(2);
      await m.tick();
      assert.equal(m.snapshot.state, 'live');
      const last = m.snapshot.last;
      assert.equal(last?.watts, 25);

      w.behaviour.rapl = fails('permission', 'Cannot read energy_uj.');
      w.advance(2);
      await m.tick();
      assert.equal(m.snapshot.state, 'stale');
      assert.equal(m.snapshot.source, 'rapl');
      assert.match(m.snapshot.reason, /Cannot read energy_uj\./);
      assert.equal(m.snapshot.last, last);
      assert.deepEqual(
        w.created.map(([k, forAuto]) => `${k}:${forAuto}`),
        ['rapl:false'],
        'a fixed mode never tries another source',
      );
    });

    it("is 'error' when its source never works", async () => {
      const w = new World();
      const m = w.monitor({ mode: 'prometheus' });
      await m.tick();
      assert.equal(m.snapshot.state, 'error');
      assert.equal(m.snapshot.source, undefined);
      assert.equal(m.snapshot.last, undefined);
      assert.match(m.snapshot.reason, /ECONNREFUSED/);
      assert.ok(w.logs.some((l) => l.level === 'error' && /No power source works/.test(l.message)));
      assert.equal(w.reads.estimate, 0);
      for (let i = 0; i < 3; i++) {
        w.advance(2);
        await m.tick();
      }
      assert.equal(w.logs.filter((l) => /No power source works/.test(l.message)).length, 1, 'said once, not every interval');
    });
  });

  describe('a source that never gives a value (issue 20)', () => {
    it(`fixed mode: 'error' with the reason after ${MAX_EMPTY_READS} reads without a value, not 'starting' forever`, async () => {
      const w = new World();
      w.behaviour.rapl = () => undefined;
      const m = w.monitor({ mode: 'rapl' });
      for (let i = 0; i < MAX_EMPTY_READS - 1; i++) {
        await m.tick();
        w.advance(1);
        assert.equal(m.snapshot.state, 'starting', `read ${i + 1}`);
      }
      await m.tick();
      assert.equal(m.snapshot.state, 'error');
      assert.match(m.snapshot.reason, new RegExp(`^RAPL: no value in ${MAX_EMPTY_READS} reads in a row from fake-rapl`));
    });

    it('auto: falls back to the next source and says why', async () => {
      const w = new World();
      w.behaviour.rapl = () => undefined;
      const m = w.monitor();
      for (let i = 0; i < MAX_EMPTY_READS; i++) {
        await m.tick();
        w.advance(1);
      }
      assert.equal(m.snapshot.source, 'estimate');
      assert.equal(m.snapshot.state, 'live');
      assert.ok(
        w.logs.some(
          (l) => l.level === 'warn' && /RAPL: no value in \d+ reads/.test(l.message) && /Looking for another source/.test(l.message),
        ),
        JSON.stringify(w.logs),
      );
    });

    it('auto: a better source that only primes is switched to once it gives a value, never before', async () => {
      const w = new World();
      const m = w.monitor({ reprobeMs: 10000 });
      await m.tick();
      assert.equal(m.snapshot.source, 'estimate');
      w.behaviour.rapl = () => undefined; // appears, but never gives a value (a counter only going backwards)
      for (let i = 0; i < 4 * MAX_EMPTY_READS; i++) {
        w.advance(2);
        await m.tick();
        assert.equal(m.snapshot.source, 'estimate', `tick ${i}`);
        assert.equal(m.snapshot.state, 'live');
      }
      let primed = false;
      w.behaviour.rapl = () => (primed ? reading(40) : ((primed = true), undefined));
      const sourceNow = (): string | undefined => m.snapshot.source; // read afresh: the asserts above narrowed it
      for (let i = 0; i < 10 && sourceNow() !== 'rapl'; i++) {
        w.advance(2);
        await m.tick();
      }
      const after = m.snapshot;
      assert.equal(after.source, 'rapl');
      assert.equal(after.last?.watts, 40);
      assert.match(after.reason, /RAPL \(fake-rapl\) became available/);
    });

    it('a value now and then resets the count', async () => {
      const w = new World();
      let n = 0;
      w.behaviour.rapl = () => (++n % MAX_EMPTY_READS === 0 ? reading(12) : undefined);
      const m = w.monitor({ mode: 'rapl' });
      for (let i = 0; i < 3 * MAX_EMPTY_READS; i++) {
        await m.tick();
        w.advance(1);
      }
      assert.equal(m.snapshot.state, 'live');
      assert.equal(m.snapshot.last?.watts, 12);
    });
  });

  describe('energy', () => {
    it('integrates watts x dt since the previous sample and skips gaps over 5 intervals', async () => {
      const w = new World();
      w.behaviour.estimate = works(10);
      const m = w.monitor({ mode: 'estimate' });
      await m.tick(); // first sample: nothing to integrate yet
      assert.equal(m.snapshot.energyJoules, 0);
      w.advance(2);
      await m.tick();
      w.advance(2);
      await m.tick();
      assert.equal(m.snapshot.energyJoules, 40);
      w.advance(11); // 11 s > 5 x 2 s: a gap, not 110 J
      await m.tick();
      assert.equal(m.snapshot.energyJoules, 40);
      w.behaviour.estimate = works(5);
      w.advance(10); // exactly 5 intervals still counts
      await m.tick();
      assert.equal(m.snapshot.energyJoules, 90);
      assert.equal(m.snapshot.since, 1_700_000_000_000);
    });

    it('keeps energy across reconfigure and reselects on a new mode', async () => {
      const w = new World();
      w.behaviour.rapl = works(20);
      const m = w.monitor();
      await m.tick();
      w.advance(1);
      await m.tick();
      assert.equal(m.snapshot.source, 'rapl');
      assert.equal(m.snapshot.energyJoules, 20);

      m.reconfigure({ mode: 'estimate' });
      assert.equal(m.snapshot.state, 'starting');
      assert.equal(m.snapshot.mode, 'estimate');
      assert.match(m.snapshot.reason, /Settings changed/);
      w.advance(1);
      await m.tick();
      assert.equal(m.snapshot.source, 'estimate');
      assert.equal(m.snapshot.last?.watts, 7);
      assert.deepEqual(w.created.at(-1), ['estimate', false]);
      assert.equal(m.snapshot.energyJoules, 27);

      const built = w.created.length;
      m.reconfigure({ mode: 'estimate', intervalMs: 1000 });
      await m.tick();
      assert.equal(w.created.length, built, 'same mode: the source in use is kept');
    });
  });

  describe('robustness', () => {
    it('clamps NaN and negative readings to 0 in the published sample', async () => {
      const w = new World();
      let next: PowerReading = reading(Number.NaN, { cpu: Number.NaN, dram: -2, ok: 3 });
      w.behaviour.estimate = () => next;
      const m = w.monitor({ mode: 'estimate' });
      await m.tick();
      assert.equal(m.snapshot.last?.watts, 0);
      assert.deepEqual(m.snapshot.last?.zones, { cpu: 0, dram: 0, ok: 3 });
      next = reading(-12);
      w.advance(2);
      await m.tick();
      assert.equal(m.snapshot.last?.watts, 0);
    });

    it('adds no energy for NaN or negative readings (energyJoules stays finite and never decreases)', async () => {
      const w = new World();
      let next = reading(10);
      w.behaviour.estimate = () => next;
      const m = w.monitor({ mode: 'estimate' });
      await m.tick();
      w.advance(2);
      await m.tick();
      assert.equal(m.snapshot.energyJoules, 20);
      next = reading(-12);
      w.advance(2);
      await m.tick();
      assert.equal(m.snapshot.energyJoules, 20, 'a negative reading must not remove energy');
      next = reading(Number.NaN);
      w.advance(2);
      await m.tick();
      assert.ok(Number.isFinite(m.snapshot.energyJoules), `energyJoules is ${m.snapshot.energyJoules}`);
      assert.equal(m.snapshot.energyJoules, 20);
    });

    it('serialises ticks: a slow source is never read concurrently', async () => {
      const w = new World();
      let active = 0;
      let maxActive = 0;
      w.behaviour.estimate = async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await sleep(60);
        active--;
        return reading(5);
      };
      const m = w.monitor({ mode: 'estimate' });
      await Promise.all([m.tick(), m.tick(), m.tick(), m.tick()]);
      assert.equal(w.reads.estimate, 4);
      assert.equal(maxActive, 1);
    });

    it('tick() never throws, even when createSource does', async () => {
      const w = new World();
      const m = w.monitor({
        mode: 'rapl',
        createSource: () => {
          throw new Error('boom');
        },
      });
      await m.tick();
      assert.ok(w.logs.some((l) => l.level === 'error' && /Sampling failed: boom/.test(l.message)));
    });

    it('warns once, with code permission, about an unreadable RAPL across several selections', async () => {
      const w = new World();
      w.behaviour.rapl = fails('permission', 'Cannot read /sys/class/powercap/intel-rapl:0/energy_uj: chmod.');
      let n = 0;
      w.behaviour.estimate = () => {
        n++;
        if (n === 2 || n === 4) throw new SourceError('invalid', 'blip');
        return reading(6);
      };
      const m = w.monitor();
      for (let i = 0; i < 4; i++) {
        await m.tick();
        w.advance(2);
      }
      assert.equal(w.created.filter(([k]) => k === 'rapl').length, 3, 'three selections');
      const perm = w.logs.filter((l) => l.code === 'permission');
      assert.equal(perm.length, 1, JSON.stringify(w.logs));
      assert.equal(perm[0].level, 'warn');
      assert.match(perm[0].message, /energy_uj/);
      const missing = w.logs.filter((l) => /Prometheus not used/.test(l.message));
      assert.equal(missing.length, 1);
      assert.equal(missing[0].level, 'info');
      assert.equal(missing[0].code, 'unreachable');
    });
  });

  describe('timer', () => {
    it('start() samples on a timer and stop() leaves nothing running', async function () {
      this.timeout(5000);
      const w = new World();
      const m = new PowerMonitor({
        mode: 'estimate',
        intervalMs: 500,
        createSource: (kind) => new FakeSource(kind, w),
      });
      const seen: string[] = [];
      const sub = m.onStatus((s) => seen.push(s.state));
      assert.equal(m.running, false);
      m.start();
      assert.equal(m.running, true);
      await waitFor(() => w.reads.estimate >= 2);
      assert.equal(m.snapshot.state, 'live');
      m.stop();
      assert.equal(m.running, false);
      const reads = w.reads.estimate;
      // An absence has no event to wait for: watch for longer than one 500 ms interval.
      await sleep(700);
      assert.equal(w.reads.estimate, reads, 'no read after stop()');
      assert.equal(m.running, false);
      assert.ok(seen.includes('live'));
      sub.dispose();
      const count = seen.length;
      await m.tick();
      assert.equal(seen.length, count, 'a disposed listener hears nothing');
    });
  });
});
