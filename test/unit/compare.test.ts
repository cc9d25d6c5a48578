// compare() and runsOf(): the difference between two runs, and whether earlier runs show it beats the noise.
// Every noise case uses numbers small enough to check by hand (written next to them).
import { strict as assert } from 'node:assert';
import { compare, mean, runsOf, sampleStd } from '../../src/core/energy/compare';
import type { SessionRecord } from '../../src/core/energy/sessionRecord';

const close = (actual: number, expected: number, eps = 1e-9): void =>
  assert.ok(Math.abs(actual - expected) <= eps, `expected ${expected}, got ${actual}`);

let clock = 0;
function run(config: string, energyJoules: number, over: Partial<SessionRecord> = {}): SessionRecord {
  clock += 1000;
  return {
    id: `${config}-${clock}`,
    kind: 'debug',
    name: config,
    config,
    startedAt: clock,
    durationSeconds: 10,
    pausedSeconds: 0,
    energyJoules,
    hostEnergyJoules: energyJoules * 2,
    hostEnergyAboveBaselineJoules: energyJoules,
    baselineWatts: 10,
    averageWatts: energyJoules / 10,
    peakWatts: energyJoules / 5,
    source: 'rapl',
    estimated: false,
    pids: [1],
    costPerKWh: 0.3,
    currency: 'EUR',
    cost: 0,
    co2Grams: 0,
    ...over,
  };
}
const runs = (config: string, energies: number[], over: Partial<SessionRecord> = {}): SessionRecord[] =>
  energies.map((e) => run(config, e, over));

describe('compare', () => {
  describe('difference', () => {
    it('percent is (b - a) / a with b the newer, whatever the argument order', () => {
      const a = run('x', 200, { name: 'before' });
      const b = run('x', 250, { name: 'after' });
      for (const c of [compare(a, b, [a, b]), compare(b, a, [a, b])]) {
        assert.equal(c.a.id, a.id);
        assert.equal(c.b.id, b.id);
        assert.equal(c.differenceJoules, 50);
        assert.equal(c.differencePercent, 25);
        assert.ok(c.verdict.startsWith('"after" used 25.0% more energy than "before"'), c.verdict);
      }
    });

    it('a decrease is negative and reads as less', () => {
      const a = run('x', 200);
      const b = run('x', 150);
      const c = compare(a, b, [a, b]);
      assert.equal(c.differencePercent, -25);
      assert.ok(c.verdict.startsWith('The newer run used 25.0% less energy than the older one'), c.verdict);
    });

    it('a = 0 J gives Infinity percent and says "from 0 J"; both 0 J gives 0', () => {
      const zero = run('x', 0);
      const some = run('x', 5);
      const c = compare(zero, some, []);
      assert.equal(c.differencePercent, Infinity);
      assert.equal(c.differenceJoules, 5);
      assert.ok(c.verdict.includes('from 0 J'), c.verdict);
      assert.ok(!c.verdict.includes('Infinity'), c.verdict);
      const both = compare(zero, run('x', 0), []);
      assert.equal(both.differencePercent, 0);
      assert.ok(both.verdict.includes('both used 0 J'), both.verdict);
    });

    it('identical energies read as the same', () => {
      const c = compare(run('x', 42), run('x', 42), []);
      assert.equal(c.differencePercent, 0);
      assert.ok(c.verdict.includes('the same energy'), c.verdict);
    });
  });

  describe('noise', () => {
    it('fewer than 3 runs of either configuration: no noise, and the verdict names the counts', () => {
      const hA = runs('A', [100, 101]);
      const hB = runs('B', [120]);
      const c = compare(hA[1], hB[0], [...hA, ...hB]);
      assert.equal(c.noise, undefined);
      assert.ok(c.verdict.includes('run each configuration at least 3 times to tell a real change from noise (have 2 and 1).'), c.verdict);
    });

    it('counts a and b even when history lacks them', () => {
      const c = compare(run('A', 1), run('B', 2), []);
      assert.ok(c.verdict.endsWith('(have 1 and 1).'), c.verdict);
    });

    it('significant: A 100/102/98 vs B 110/112/108 (std 2 and 2, 2·SE = 3.27 < 10)', () => {
      const hA = runs('A', [100, 102, 98]);
      const hB = runs('B', [110, 112, 108]);
      const c = compare(hA[2], hB[2], [...hB, ...hA]);
      assert.ok(c.noise);
      assert.equal(c.noise.runsA, 3);
      assert.equal(c.noise.runsB, 3);
      close(c.noise.stdA, 2);
      close(c.noise.stdB, 2);
      assert.equal(c.noise.significant, true);
      close(c.differencePercent, ((108 - 98) / 98) * 100);
      assert.ok(c.verdict.includes('10.2% more'), c.verdict);
      assert.ok(c.verdict.includes('differ by more than run-to-run noise'), c.verdict);
    });

    it('within noise: B 103/105/101 is 3 J above A, under 2·SE = 2·sqrt(4/3 + 4/3) = 3.27', () => {
      const hA = runs('A', [100, 102, 98]);
      const hB = runs('B', [103, 105, 101]);
      const c = compare(hA[0], hB[0], [...hA, ...hB]);
      assert.equal(c.noise?.significant, false);
      assert.ok(c.verdict.includes('within run-to-run noise'), c.verdict);
    });

    it('just beyond noise: B 104/106/102 is 4 J above A, over 3.27', () => {
      const hA = runs('A', [100, 102, 98]);
      const hB = runs('B', [104, 106, 102]);
      assert.equal(compare(hA[0], hB[0], [...hA, ...hB]).noise?.significant, true);
    });

    it('unequal counts: A 10/20/30/40 (std 12.91) vs B 50/50/50 (std 0); 25 J > 2·sqrt(166.7/4) = 12.91', () => {
      const hA = runs('A', [10, 20, 30, 40]);
      const hB = runs('B', [50, 50, 50]);
      const c = compare(hA[3], hB[0], [...hA, ...hB]);
      assert.equal(c.noise?.runsA, 4);
      close(c.noise?.stdA ?? NaN, Math.sqrt(500 / 3));
      assert.equal(c.noise?.stdB, 0);
      assert.equal(c.noise?.significant, true);
      // B = 35 J is 10 J above the mean, inside 12.91.
      assert.equal(compare(hA[3], run('B', 35), [...hA, ...runs('B', [35, 35])]).noise?.significant, false);
    });

    it('identical runs (std 0): equal means are not significant, any gap is', () => {
      const same = compare(run('A', 100), run('B', 100), [...runs('A', [100, 100]), ...runs('B', [100, 100])]);
      assert.deepEqual(same.noise, { runsA: 3, runsB: 3, stdA: 0, stdB: 0, significant: false });
      const gap = compare(run('A', 100), run('B', 101), [...runs('A', [100, 100]), ...runs('B', [101, 101])]);
      assert.equal(gap.noise?.significant, true);
    });

    it('two runs of one configuration: runs up to the older form A, later runs form B', () => {
      const before = runs('app', [100, 102, 98]);
      const after = runs('app', [120, 122, 118]);
      const c = compare(before[2], after[2], [...before, ...after]);
      assert.equal(c.noise?.runsA, 3);
      assert.equal(c.noise?.runsB, 3);
      close(c.noise?.stdB ?? NaN, 2);
      assert.equal(c.noise?.significant, true);
      const early = compare(before[2], after[1], [...before, ...after.slice(0, 2)]);
      assert.equal(early.noise, undefined);
      assert.ok(early.verdict.includes('(have 3 and 2)'), early.verdict);
    });

    it('a task and a launch configuration of the same name are not mixed', () => {
      const debug = runs('build', [100, 102, 98]);
      const tasks = runs('build', [500, 500], { kind: 'task' });
      const c = compare(debug[0], tasks[1], [...debug, ...tasks]);
      assert.equal(c.noise, undefined);
      assert.ok(c.verdict.includes('(have 3 and 2)'), c.verdict);
    });
  });

  describe('runsOf', () => {
    it('selects by config, and by kind when given', () => {
      const h = [...runs('a', [1, 2]), ...runs('b', [3]), ...runs('a', [4], { kind: 'task' })];
      assert.deepEqual(
        runsOf('a', h).map((r) => r.energyJoules),
        [1, 2, 4],
      );
      assert.deepEqual(
        runsOf('a', h, 'debug').map((r) => r.energyJoules),
        [1, 2],
      );
      assert.deepEqual(runsOf('c', h), []);
    });
  });

  describe('statistics', () => {
    it('mean and sample (n - 1) standard deviation', () => {
      assert.equal(mean([1, 2, 3, 6]), 3);
      close(sampleStd([2, 4, 4, 4, 5, 5, 7, 9]), Math.sqrt(32 / 7));
      assert.equal(sampleStd([5]), 0);
    });
  });
});
