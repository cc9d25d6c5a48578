// The CPU-load estimate: /proc/stat parsing, utilisation, the power curves, and EstimateSource over a /proc tree.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { EstimateSource, utilisation } from '../../src/core/power/estimate';
import { parseProcStat } from '../../src/core/proc/stat';
import {
  autoTdpWatts,
  describeModel,
  EstimateModel,
  idleWatts,
  interpolate,
  modelWatts,
  TEADS_CURVE,
} from '../../src/core/power/powerModel';
import { SourceError } from '../../src/core/power/source';
import { procStatText } from '../fixtures/procTree';

const close = (actual: number, expected: number, eps = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

/** A /proc/stat as a 4-CPU Linux 6.x host writes it (user nice system idle iowait irq softirq steal guest guest_nice). */
function procStat(cpu: string, perCpu = true): string {
  const cpus = [
    'cpu0 1393280 32966 572056 13343292 6130 0 17875 0 23933 0',
    'cpu1 1335401 17290 565930 13391340 3414 0 2422 0 20000 0',
    'cpu2 1394718 133283 593224 13364920 3850 0 1430 0 30001 0',
    'cpu3 1422115 107157 563421 13331234 3289 0 3468 0 101694 0',
  ];
  return procStatText([`cpu  ${cpu}`, ...(perCpu ? cpus : [])]);
}

const TEADS_100: EstimateModel = { kind: 'teads', tdpWatts: 100 };
const LINEAR: EstimateModel = { kind: 'linear', idleWatts: 10, maxWatts: 65 };

describe('CPU-load estimate', () => {
  describe('parseProcStat', () => {
    it('reads the aggregate cpu line with guest columns, not adding guest again and counting iowait as idle', () => {
      const t = parseProcStat(procStat('10132153 290696 3084719 46828483 16683 7 25195 11 175628 3'));
      // busy = user + nice + system + irq + softirq + steal; idle = idle + iowait
      assert.deepEqual(t, { busy: 10132153 + 290696 + 3084719 + 7 + 25195 + 11, idle: 46828483 + 16683 });
    });

    it('reads a line without guest columns (8 fields) and an old 4-field line', () => {
      assert.deepEqual(parseProcStat(procStat('100 20 30 400 50 6 7 8')), { busy: 171, idle: 450 });
      assert.deepEqual(parseProcStat('cpu 100 20 30 400\ncpu0 100 20 30 400\n'), { busy: 150, idle: 400 });
    });

    it('ignores the per-CPU lines, wherever the aggregate line sits', () => {
      const text = 'cpu0 9 9 9 9 9 9 9 9\ncpu  1 2 3 4 5 6 7 8\ncpu1 9 9 9 9 9 9 9 9\n';
      assert.deepEqual(parseProcStat(text), { busy: 1 + 2 + 3 + 6 + 7 + 8, idle: 4 + 5 });
    });

    it('returns undefined for garbage', () => {
      for (const bad of [
        '',
        'hello world',
        procStat('a b c d e f g h'),
        'cpu  1 2 3\n',
        'cpu  1 2 -3 4 5 6 7 8\n',
        'cpu0 1 2 3 4 5 6 7 8\ncpu1 1 2 3 4 5 6 7 8\n',
        'cpu  1 2 3 NaN\n',
      ]) {
        assert.equal(parseProcStat(bad), undefined, JSON.stringify(bad.slice(0, 40)));
      }
    });
  });

  describe('utilisation', () => {
    it('is busy delta over total delta', () => {
      assert.equal(utilisation({ busy: 100, idle: 300 }, { busy: 150, idle: 350 }), 0.5);
      assert.equal(utilisation({ busy: 100, idle: 300 }, { busy: 100, idle: 400 }), 0);
      assert.equal(utilisation({ busy: 100, idle: 300 }, { busy: 180, idle: 300 }), 1);
      close(utilisation({ busy: 0, idle: 0 }, { busy: 25, idle: 75 })!, 0.25);
    });
    it('is undefined when no time elapsed or a counter went back', () => {
      assert.equal(utilisation({ busy: 100, idle: 300 }, { busy: 100, idle: 300 }), undefined);
      assert.equal(utilisation({ busy: 100, idle: 300 }, { busy: 90, idle: 400 }), undefined);
      assert.equal(utilisation({ busy: 100, idle: 300 }, { busy: 200, idle: 299 }), undefined);
    });
  });

  describe('power models', () => {
    it('Teads curve hits its published points and interpolates between them', () => {
      close(modelWatts(TEADS_100, 0), 12);
      close(modelWatts(TEADS_100, 0.1), 32);
      close(modelWatts(TEADS_100, 0.5), 75);
      close(modelWatts(TEADS_100, 1), 102);
      close(modelWatts(TEADS_100, 0.3), 53.5);
      close(interpolate(TEADS_CURVE, 0.3), 0.535);
      close(modelWatts({ kind: 'teads', tdpWatts: 20 }, 0.75), 20 * (0.75 + 0.5 * 0.27));
    });

    it('clamps utilisation to 0..1 (and NaN to 0)', () => {
      close(modelWatts(TEADS_100, -0.5), 12);
      close(modelWatts(TEADS_100, 3), 102);
      close(modelWatts(TEADS_100, Number.NaN), 12);
      close(modelWatts(LINEAR, 2), 65);
    });

    it('linear model is idle + util x (max - idle)', () => {
      close(modelWatts(LINEAR, 0), 10);
      close(modelWatts(LINEAR, 0.5), 37.5);
      close(modelWatts(LINEAR, 1), 65);
      close(idleWatts(LINEAR), 10);
      close(idleWatts(TEADS_100), 12);
    });

    it('autoTdpWatts is 10 W per logical CPU within 15..250 W', () => {
      assert.deepEqual([0, 1, 2, 8, 24, 25, 26, 128].map(autoTdpWatts), [15, 15, 20, 80, 240, 250, 250, 250]);
    });

    it('describes each model', () => {
      assert.equal(describeModel({ kind: 'teads', tdpWatts: 65.04 }), 'Teads curve, TDP 65 W');
      assert.equal(describeModel(LINEAR), 'linear 10–65 W');
    });
  });

  describe('EstimateSource over a /proc tree', () => {
    let root: string;
    const writeStat = (busyUser: number, idle: number): void =>
      // user nice system idle iowait irq softirq steal guest guest_nice: busy = user + 100 + 50, idle = idle + 20
      fs.writeFileSync(path.join(root, 'stat'), procStat(`${busyUser} 100 50 ${idle} 20 0 0 0 777 0`));

    beforeEach(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-proc-'));
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    it('primes, then turns a known utilisation into known Watts (Teads)', async () => {
      const src = new EstimateSource({ procRoot: root, model: TEADS_100 });
      assert.equal(src.kind, 'estimate');
      assert.equal(src.estimated, true);
      assert.equal(src.origin, path.join(root, 'stat'));
      writeStat(1000, 5000);
      assert.equal(await src.read(), undefined);
      writeStat(1000 + 250, 5000 + 750); // 25% busy
      const r = await src.read();
      assert.ok(r);
      close(r.watts, 100 * (0.32 + (0.15 / 0.4) * 0.43)); // 48.125
      assert.deepEqual(Object.keys(r.zones), ['cpu']);
      close(r.zones.cpu, r.watts);
      assert.match(r.detail, /Teads curve, TDP 100 W, CPU 25%/);
    });

    it('linear model, and an interval without ticks keeps the last utilisation', async () => {
      const src = new EstimateSource({ procRoot: root, model: LINEAR });
      writeStat(0, 0);
      await src.read();
      writeStat(600, 400); // 60% busy
      const r = await src.read();
      assert.ok(r);
      close(r.watts, 10 + 0.6 * 55);
      const again = await src.read(); // same file: no tick elapsed
      assert.ok(again);
      close(again.watts, 10 + 0.6 * 55);
      writeStat(600, 1400); // 0% busy
      const idle = await src.read();
      assert.ok(idle);
      close(idle.watts, 10);
    });

    it('gives nothing (not an invented value) when there is no delta and no previous utilisation', async () => {
      const src = new EstimateSource({ procRoot: root, model: LINEAR });
      writeStat(10, 10);
      await src.read();
      assert.equal(await src.read(), undefined);
    });

    it("throws 'missing' naming the file when stat does not exist", async () => {
      const src = new EstimateSource({ procRoot: path.join(root, 'absent'), model: LINEAR });
      await assert.rejects(src.read(), (err: unknown) => {
        assert.ok(err instanceof SourceError);
        assert.equal(err.code, 'missing');
        assert.ok(err.message.includes(path.join(root, 'absent', 'stat')), err.message);
        return true;
      });
    });

    it("throws 'invalid' when stat has no readable cpu line", async () => {
      fs.writeFileSync(path.join(root, 'stat'), 'cpu0 1 2 3 4\nintr 5\n');
      const src = new EstimateSource({ procRoot: root, model: LINEAR });
      await assert.rejects(src.read(), (err: unknown) => err instanceof SourceError && err.code === 'invalid' && /cpu/.test(err.message));
    });
  });

  describe('EstimateSource against the real /proc/stat', function () {
    before(function () {
      if (!fs.existsSync('/proc/stat')) this.skip(); // only Linux has /proc/stat
    });

    it('reports finite Watts between the model idle and max', async () => {
      for (const model of [TEADS_100, LINEAR]) {
        const src = new EstimateSource({ model });
        assert.equal(src.origin, '/proc/stat');
        assert.equal(await src.read(), undefined);
        await new Promise((r) => setTimeout(r, 300));
        const r = await src.read();
        assert.ok(r, 'a reading after 300 ms');
        assert.ok(Number.isFinite(r.watts), `finite: ${r.watts}`);
        const [lo, hi] = model.kind === 'teads' ? [12, 102] : [10, 65];
        assert.ok(r.watts >= lo && r.watts <= hi, `${r.watts} W within ${lo}..${hi}`);
        assert.match(r.detail, /CPU \d+%/);
      }
    });
  });
});
