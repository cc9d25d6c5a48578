// RaplSource, discoverZones and parseCounter against fake powercap trees written into temp folders.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  DEFAULT_MAX_ZONE_WATTS,
  discoverZones,
  MAX_READS_WITHOUT_VALUE,
  parseCounter,
  probeRapl,
  RaplSource,
} from '../../src/core/power/rapl';
import { MonoClock } from '../../src/core/clock';
import { SourceError } from '../../src/core/power/source';
import { PowercapTree, twoPackageTree } from '../fixtures/powercapTree';

const SECOND = 1_000_000_000n;

/** A monotonic clock the test advances by hand. */
function fakeClock(): { clock: MonoClock; advance(seconds: number): void } {
  let t = 1000n * SECOND;
  return {
    clock: () => t,
    advance: (seconds: number) => {
      t += BigInt(Math.round(seconds * 1e9));
    },
  };
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<SourceError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SourceError, `expected a SourceError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected a SourceError '${code}', the promise resolved`);
}

describe('RAPL source (powercap tree)', () => {
  const trees: PowercapTree[] = [];
  const track = (t: PowercapTree): PowercapTree => (trees.push(t), t);
  afterEach(() => {
    while (trees.length) trees.pop()!.dispose();
  });

  describe('parseCounter', () => {
    it('accepts non-negative integers with surrounding whitespace', () => {
      assert.equal(parseCounter('123456\n'), 123456);
      assert.equal(parseCounter('  0 \n'), 0);
      assert.equal(parseCounter('262143328850'), 262143328850);
    });
    it('rejects garbage, empty, negative, exponent and fractional text', () => {
      for (const bad of ['abc', '', '\n', '-5', '1e9', '1.5', '12 34', '0x10', '123456789012345678']) {
        assert.equal(parseCounter(bad), undefined, JSON.stringify(bad));
      }
    });
  });

  describe('discoverZones', () => {
    it('lists packages and labelled sub-zones, ignoring intel-rapl-mmio and the intel-rapl control folder', async () => {
      const tree = track(twoPackageTree());
      const zones = await discoverZones(tree.root);
      assert.deepEqual(
        zones.map((z) => [z.id, z.label, z.kind]),
        [
          ['intel-rapl:0', 'package-0', 'package'],
          ['intel-rapl:0:0', 'package-0/core', 'sub'],
          ['intel-rapl:0:1', 'package-0/dram', 'sub'],
          ['intel-rapl:1', 'package-1', 'package'],
          ['intel-rapl:1:0', 'package-1/core', 'sub'],
          ['intel-rapl:1:1', 'package-1/dram', 'sub'],
        ],
      );
      assert.equal(zones[0].energyFile, path.join(tree.root, 'intel-rapl:0', 'energy_uj'));
      assert.equal(zones[0].maxRange, 262143328850);
    });

    it('drops an unusable max_energy_range_uj instead of trusting it', async () => {
      const tree = track(PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1, maxRangeUj: 'abc' }]));
      tree.addZone({ id: 'intel-rapl:1', name: 'package-1', energyUj: 1, maxRangeUj: 0 });
      tree.addZone({ id: 'intel-rapl:2', name: 'package-2', energyUj: 1, maxRangeUj: '-7' });
      const zones = await discoverZones(tree.root);
      assert.deepEqual(
        zones.map((z) => z.maxRange),
        [undefined, undefined, undefined],
      );
    });

    it("throws 'missing' naming the folder when the root does not exist", async () => {
      const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-none-')), 'nope');
      try {
        const err = await rejectsWith(discoverZones(root), 'missing');
        assert.ok(err.message.includes(root), err.message);
      } finally {
        fs.rmSync(path.dirname(root), { recursive: true, force: true });
      }
    });

    it("throws 'missing' when the tree holds no intel-rapl:N zone (only the control folder and an MMIO duplicate)", async () => {
      const tree = track(PowercapTree.create([]));
      tree.addZone({ id: 'intel-rapl-mmio:0', name: 'package-0', energyUj: 5 });
      const err = await rejectsWith(discoverZones(tree.root), 'missing');
      assert.ok(err.message.includes(tree.root), err.message);
    });
  });

  describe('reading power', () => {
    it('primes on the first read, then reports exact Watts: total = packages + DRAM (outside the package), core never added', async () => {
      const tree = track(twoPackageTree());
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      assert.equal(src.kind, 'rapl');
      assert.equal(src.estimated, false);
      assert.equal(src.origin, tree.root);
      assert.equal(await src.read(), undefined, 'first read only primes the counters');

      c.advance(2);
      tree.addJoules('intel-rapl:0', 30); // 15 W
      tree.addJoules('intel-rapl:0:0', 20); // 10 W
      tree.addJoules('intel-rapl:0:1', 4); // 2 W
      tree.addJoules('intel-rapl:1', 10); // 5 W
      tree.addJoules('intel-rapl:1:0', 6); // 3 W
      tree.addJoules('intel-rapl:1:1', 1); // 0.5 W
      tree.addJoules('intel-rapl-mmio:0', 1000); // must be ignored
      const r = await src.read();
      assert.ok(r);
      assert.equal(r.watts, 22.5);
      assert.deepEqual(r.zones, {
        'package-0': 15,
        'package-0/core': 10,
        'package-0/dram': 2,
        'package-1': 5,
        'package-1/core': 3,
        'package-1/dram': 0.5,
      });
      assert.match(r.detail, /sum of 2 packages \+ DRAM/);
    });

    it('uses psys as the total when present (not psys + packages)', async () => {
      const tree = track(
        PowercapTree.create([
          { id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000 },
          { id: 'intel-rapl:0:0', name: 'core', energyUj: 1_000_000 },
          { id: 'intel-rapl:1', name: 'psys', energyUj: 5_000_000 },
        ]),
      );
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      assert.equal(await src.read(), undefined);
      c.advance(4);
      tree.addJoules('intel-rapl:0', 40); // 10 W
      tree.addJoules('intel-rapl:0:0', 20); // 5 W
      tree.addJoules('intel-rapl:1', 100); // 25 W
      const r = await src.read();
      assert.ok(r);
      assert.equal(r.watts, 25);
      assert.deepEqual(r.zones, { 'package-0': 10, 'package-0/core': 5, psys: 25 });
      assert.match(r.detail, /psys/);
    });

    it('handles wrap-around at max_energy_range_uj', async () => {
      const max = 1_000_000_000; // 1000 J
      const tree = track(PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 990_000_000, maxRangeUj: max }]));
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      c.advance(2);
      tree.addJoules('intel-rapl:0', 24, max); // 990 J + 24 J wraps to 14 J
      assert.equal(tree.readEnergy('intel-rapl:0'), 14_000_000);
      const r = await src.read();
      assert.ok(r);
      assert.equal(r.watts, 12);
      assert.equal(r.zones['package-0'], 12);
    });

    it('gives no value for a zone whose counter went backwards without a plausible wrap, then recovers', async () => {
      const tree = track(twoPackageTree());
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      c.advance(2);
      tree.setEnergy('intel-rapl:0', 400_000); // was 1_000_000: a reset, not 262 kJ in 2 s
      tree.addJoules('intel-rapl:1', 8);
      const r = await src.read();
      assert.ok(r);
      assert.equal(r.zones['package-0'], undefined);
      assert.equal(r.watts, 4);
      for (const w of Object.values(r.zones)) assert.ok(Number.isFinite(w) && w >= 0, `zone value ${w}`);
      assert.match(r.detail, /package-0/);

      c.advance(2);
      tree.addJoules('intel-rapl:0', 12);
      tree.addJoules('intel-rapl:1', 8);
      const next = await src.read();
      assert.ok(next);
      assert.equal(next.zones['package-0'], 6);
      assert.equal(next.watts, 10);
    });

    it('returns undefined (never NaN or negative) when the only package goes backwards, and has no wrap point', async () => {
      const tree = track(PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 5_000_000, maxRangeUj: 'garbage' }]));
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      c.advance(2);
      tree.setEnergy('intel-rapl:0', 4_000_000);
      assert.equal(await src.read(), undefined);
      c.advance(2);
      tree.setEnergy('intel-rapl:0', 10_000_000);
      const r = await src.read();
      assert.ok(r);
      assert.equal(r.watts, 3);
    });

    it('measures normally when max_energy_range_uj is garbage', async () => {
      const tree = track(PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 0, maxRangeUj: 'n/a' }]));
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      c.advance(0.5);
      tree.setEnergy('intel-rapl:0', 3_500_000);
      const r = await src.read();
      assert.ok(r);
      assert.equal(r.watts, 7);
    });

    for (const garbage of ['abc', '', '-5', '1e9']) {
      it(`skips a zone whose energy_uj is ${JSON.stringify(garbage)} and says so in the detail`, async () => {
        const tree = track(twoPackageTree());
        const c = fakeClock();
        const src = new RaplSource(tree.root, c.clock);
        await src.read();
        c.advance(2);
        tree.setEnergy('intel-rapl:0', garbage);
        tree.addJoules('intel-rapl:1', 10);
        const r = await src.read();
        assert.ok(r);
        assert.equal(r.watts, 5);
        assert.equal(r.zones['package-0'], undefined);
        assert.match(r.detail, /no value this time for package-0\b/);
        assert.match(r.detail, /sum of 1 package\b/);
        // The baseline is kept: the next good value is measured from the last good one (1 J at t0).
        c.advance(2);
        tree.setEnergy('intel-rapl:0', 1_000_000 + 40_000_000);
        const next = await src.read();
        assert.ok(next);
        assert.equal(next.zones['package-0'], 10);
      });
    }

    it('keeps working when a sub-zone disappears between reads', async () => {
      const tree = track(twoPackageTree());
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      tree.removeZone('intel-rapl:0:1');
      c.advance(2);
      tree.addJoules('intel-rapl:0', 20);
      tree.addJoules('intel-rapl:1', 20);
      const r = await src.read();
      assert.ok(r);
      assert.equal(r.watts, 20);
      assert.equal(r.zones['package-0/dram'], undefined);
      c.advance(2);
      tree.addJoules('intel-rapl:0', 4);
      tree.addJoules('intel-rapl:1', 4);
      const next = await src.read();
      assert.ok(next);
      assert.equal(next.watts, 4);
      assert.deepEqual(Object.keys(next.zones).sort(), ['package-0', 'package-0/core', 'package-1', 'package-1/core', 'package-1/dram']);
    });

    it("throws 'missing' when the whole tree disappears", async () => {
      const tree = track(twoPackageTree());
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      tree.dispose();
      c.advance(2);
      await rejectsWith(src.read(), 'missing');
    });

    it("throws 'missing' when every zone folder disappears but the root stays", async () => {
      const tree = track(twoPackageTree());
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      for (const id of ['intel-rapl:0', 'intel-rapl:0:0', 'intel-rapl:0:1', 'intel-rapl:1', 'intel-rapl:1:0', 'intel-rapl:1:1'])
        tree.removeZone(id);
      c.advance(2);
      await rejectsWith(src.read(), 'missing');
    });

    it("throws 'missing' with the path for a root that does not exist", async () => {
      const root = '/nonexistent/optivolt/powercap';
      const err = await rejectsWith(new RaplSource(root).read(), 'missing');
      assert.ok(err.message.includes(root), err.message);
    });

    it("throws 'missing' for a tree without zones", async () => {
      const tree = track(PowercapTree.create([]));
      await rejectsWith(new RaplSource(tree.root).read(), 'missing');
    });
  });

  describe('a tree that yields no value fails instead of waiting forever (issue 20)', () => {
    const onePackage = (energyUj: number | string, maxRangeUj?: number): PowercapTree =>
      track(PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj, ...(maxRangeUj ? { maxRangeUj } : {}) }]));

    for (const bad of ['garbage', '', '-5', '123456789012345678901234']) {
      it(`energy_uj ${JSON.stringify(bad)} in every package: 'invalid' on the first read, naming the zone and the text`, async () => {
        const tree = onePackage(bad);
        const err = await rejectsWith(new RaplSource(tree.root, fakeClock().clock).read(), 'invalid');
        assert.match(err.message, /package-0: energy_uj is not a counter/);
        assert.ok(err.message.includes(JSON.stringify(bad.trim())), err.message);
        assert.ok(err.message.includes(tree.root), err.message);
      });
    }

    it("energy_uj that is a folder (EISDIR) or fails with EIO: 'invalid' naming the error, not 'permission'", async () => {
      const dir = onePackage(1);
      fs.rmSync(dir.energyFile('intel-rapl:0'));
      fs.mkdirSync(dir.energyFile('intel-rapl:0'));
      assert.match((await rejectsWith(new RaplSource(dir.root).read(), 'invalid')).message, /EISDIR/);
      // Reading /proc/self/mem from offset 0 fails with EIO: a real EIO without a broken device.
      const eio = onePackage(1);
      fs.rmSync(eio.energyFile('intel-rapl:0'));
      fs.symlinkSync('/proc/self/mem', eio.energyFile('intel-rapl:0'));
      assert.match((await rejectsWith(new RaplSource(eio.root).read(), 'invalid')).message, /EIO/);
    });

    it(`a counter only going backwards: no value, then 'invalid' after ${MAX_READS_WITHOUT_VALUE} reads without one`, async () => {
      const tree = onePackage(900_000_000);
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      assert.equal(await src.read(), undefined); // primes
      let energy = 900_000_000;
      for (let i = 1; i < MAX_READS_WITHOUT_VALUE; i++) {
        c.advance(2);
        tree.setEnergy('intel-rapl:0', (energy -= 1_000_000));
        assert.equal(await src.read(), undefined);
      }
      c.advance(2);
      tree.setEnergy('intel-rapl:0', energy - 1_000_000);
      const err = await rejectsWith(src.read(), 'invalid');
      assert.match(err.message, /went backwards/);
      assert.match(err.message, new RegExp(`${MAX_READS_WITHOUT_VALUE} reads in a row`));
    });

    it('a value in between resets the count: an occasional bad read never fails the source', async () => {
      const tree = onePackage(0);
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      for (let i = 0; i < 3 * MAX_READS_WITHOUT_VALUE; i++) {
        c.advance(1);
        tree.setEnergy('intel-rapl:0', i % 2 ? 'garbage' : (i + 1) * 5_000_000);
        const r = await src.read();
        if (i % 2 === 0) assert.ok(r && r.watts > 0, `read ${i}`);
        else assert.equal(r, undefined);
      }
    });
  });

  describe('probeRapl (a choice made once, such as stack up picking Scaphandre)', () => {
    it('resolves with the first value of a tree whose counters advance', async () => {
      const tree = track(twoPackageTree());
      const c = fakeClock();
      const wait = async (): Promise<void> => {
        c.advance(0.5);
        tree.addJoules('intel-rapl:0', 5);
        tree.addJoules('intel-rapl:1', 5);
      };
      const r = await probeRapl(tree.root, { clock: c.clock, wait });
      assert.equal(r.watts, 20);
    });

    it("rejects a counter only going backwards with 'invalid', where a single read would have looked fine", async () => {
      const tree = track(PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 900_000_000 }]));
      const c = fakeClock();
      let waits = 0;
      const wait = async (): Promise<void> => {
        waits++;
        c.advance(0.5);
        tree.setEnergy('intel-rapl:0', 900_000_000 - waits * 1_000_000);
      };
      assert.equal(await new RaplSource(tree.root, fakeClock().clock).read(), undefined, 'one read: no error');
      const err = await rejectsWith(probeRapl(tree.root, { clock: c.clock, wait }), 'invalid');
      assert.match(err.message, /went backwards/);
      assert.equal(waits, MAX_READS_WITHOUT_VALUE);
    });
  });

  describe('a backwards step is a wrap only when the zone could draw the power it implies (issue 20)', () => {
    const AMD_RANGE = 4_294_967_295; // 2^32 - 1 uJ, as AMD packages report

    it(`no constraint files: a step back from 1000 J to 999 J in 2 s is not a 2,147 W wrap (bound ${DEFAULT_MAX_ZONE_WATTS.package} W)`, async () => {
      const tree = track(PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000_000, maxRangeUj: AMD_RANGE }]));
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      c.advance(2);
      tree.setEnergy('intel-rapl:0', 999_000_000);
      assert.equal(await src.read(), undefined);
      // A real wrap near the top of the range at a believable power still counts.
      tree.setEnergy('intel-rapl:0', AMD_RANGE - 10_000_000);
      c.advance(2);
      await src.read(); // re-baseline: 4,285 J - 999 J forward in 2 s is itself implausible, so no value
      c.advance(2);
      tree.setEnergy('intel-rapl:0', 30_000_000); // 10 J to the wrap point + 30 J = 40 J in 2 s
      const r = await src.read();
      assert.ok(r);
      assert.ok(Math.abs(r.watts - 20) < 1e-6, String(r.watts));
    });

    it('constraint_*_max_power_uw bounds it: 65 W rated => a 429 W "wrap" over 10 s is refused, a 100 W one is taken', async () => {
      const tree = track(PowercapTree.create([{ id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000_000, maxRangeUj: AMD_RANGE }]));
      fs.writeFileSync(path.join(tree.root, 'intel-rapl:0', 'constraint_0_max_power_uw'), '65000000\n');
      fs.writeFileSync(path.join(tree.root, 'intel-rapl:0', 'constraint_1_max_power_uw'), '0\n');
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      c.advance(10);
      tree.setEnergy('intel-rapl:0', 999_000_000);
      assert.equal(await src.read(), undefined);
      tree.setEnergy('intel-rapl:0', AMD_RANGE - 100_000_000);
      c.advance(1);
      await src.read();
      c.advance(2);
      tree.setEnergy('intel-rapl:0', 100_000_000); // 200 J in 2 s across the wrap
      const r = await src.read();
      assert.ok(r);
      assert.ok(Math.abs(r.watts - 100) < 1e-6, String(r.watts));
    });

    it('the refused step says why in the detail when another package gives the total', async () => {
      const tree = track(
        PowercapTree.create([
          { id: 'intel-rapl:0', name: 'package-0', energyUj: 1_000_000_000, maxRangeUj: AMD_RANGE },
          { id: 'intel-rapl:1', name: 'package-1', energyUj: 0 },
        ]),
      );
      const c = fakeClock();
      const src = new RaplSource(tree.root, c.clock);
      await src.read();
      c.advance(2);
      tree.setEnergy('intel-rapl:0', 999_000_000);
      tree.addJoules('intel-rapl:1', 10);
      const r = await src.read();
      assert.ok(r);
      assert.equal(r.watts, 5);
      assert.equal(r.zones['package-0'], undefined);
      assert.match(r.detail, /no value this time for package-0/);
    });
  });

  describe('unreadable energy_uj', () => {
    it("throws 'permission' naming the file, with a chmod fix", async function () {
      this.timeout(10000);
      const tree = track(twoPackageTree());
      const file = tree.energyFile('intel-rapl:0');
      const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
      if (!isRoot) {
        fs.chmodSync(file, 0o000);
        const err = await rejectsWith(new RaplSource(tree.root).read(), 'permission');
        assert.ok(err.message.includes(file), err.message);
        assert.match(err.message, /chmod/);
        return;
      }
      // root reads through mode 000: run the read as nobody (uid 65534) in a child process.
      const modPath = path.resolve(__dirname, '../../src/core/power/rapl.js');
      const asNobody = (script: string): string =>
        execFileSync(process.execPath, ['-e', script], {
          uid: 65534,
          gid: 65534,
          env: { PATH: process.env.PATH ?? '', OPTIVOLT_MOD: modPath, OPTIVOLT_ROOT: tree.root },
          encoding: 'utf8',
          timeout: 8000,
        });
      try {
        asNobody('require(process.env.OPTIVOLT_MOD)');
      } catch {
        console.warn(`    skipped: uid 65534 cannot load ${modPath}, so the permission case cannot run as non-root here`);
        this.skip();
      }
      fs.chmodSync(tree.root, 0o755);
      for (const d of fs.readdirSync(tree.root)) fs.chmodSync(path.join(tree.root, d), 0o755);
      fs.chmodSync(file, 0o000);
      const out = asNobody(
        `const { RaplSource } = require(process.env.OPTIVOLT_MOD);
         new RaplSource(process.env.OPTIVOLT_ROOT).read().then(
           (r) => process.stdout.write(JSON.stringify({ resolved: r === undefined ? null : r })),
           (e) => process.stdout.write(JSON.stringify({ name: e.name, code: e.code, message: e.message })));`,
      );
      const res = JSON.parse(out) as { name?: string; code?: string; message?: string };
      assert.equal(res.name, 'SourceError', out);
      assert.equal(res.code, 'permission', out);
      assert.ok(res.message?.includes(file), res.message);
      assert.match(res.message ?? '', /chmod/);
    });
  });
});
