// The statistics behind `optivolt compare` (src/core/stats): against values R prints, and by simulation with seeded
// samples whose true answer is known (a real shift, no shift, skewed noise, the runs-needed figure).
import { strict as assert } from 'node:assert';
import { bootstrapTest, seededRandom } from '../../src/core/stats/bootstrap';
import { summarize } from '../../src/core/stats/descriptive';
import { effectSize } from '../../src/core/stats/effectSize';
import { runsNeeded } from '../../src/core/stats/power';
import { planRuns } from '../../src/core/stats/runSeries';
import { tCdf, tQuantile } from '../../src/core/stats/tDistribution';
import { compareSamples } from '../../src/core/stats/verdict';
import { welchTest } from '../../src/core/stats/welch';

const close = (actual: number, expected: number, tol: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs ${expected} (± ${tol})`);

/** Standard normal draws (Box–Muller) from a seeded generator. */
function normal(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}
const draw = (n: number, mu: number, sd: number, z: () => number): number[] => Array.from({ length: n }, () => mu + sd * z());

// R's `sleep` data set (Cushny & Peebles), the example of ?t.test.
const SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
const SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

describe('statistics (src/core/stats)', function () {
  this.timeout(60000);

  it('t quantiles and CDF match the tables (qt, pt in R)', () => {
    close(tQuantile(0.975, 1), 12.7062047, 1e-6, 'qt(0.975, 1)');
    close(tQuantile(0.975, 4), 2.7764451, 1e-6, 'qt(0.975, 4)');
    close(tQuantile(0.975, 10), 2.2281389, 1e-6, 'qt(0.975, 10)');
    close(tQuantile(0.8, 17.5), 0.8625, 1e-3, 'qt(0.8, 17.5)');
    close(tQuantile(0.025, 30), -2.0422725, 1e-6, 'qt(0.025, 30)');
    close(tCdf(2.0, 5), 0.9490303, 1e-6, 'pt(2, 5)');
    close(tCdf(-1.5, 2.5), 0.1251, 2e-3, 'pt(-1.5, 2.5)');
  });

  it("Welch's test gives R's t.test(extra ~ group, data = sleep): t -1.8608, df 17.776, p 0.07939, CI [-3.3655, 0.2055]", () => {
    const w = welchTest(SLEEP_2, SLEEP_1); // mean(group 1) - mean(group 2), as R orders it
    close(w.difference, -1.58, 1e-12, 'difference');
    close(w.t, -1.860813, 1e-5, 't');
    close(w.df, 17.77647, 1e-4, 'df');
    close(w.p, 0.07939414, 1e-6, 'p');
    close(w.ci95[0], -3.3654832, 1e-6, 'CI low');
    close(w.ci95[1], 0.2054832, 1e-6, 'CI high');
  });

  it('the mean CI is t-based (R: t.test(sleep group 1)$conf.int = [-0.5297804, 2.0297804])', () => {
    const s = summarize(SLEEP_1);
    close(s.mean, 0.75, 1e-12, 'mean');
    close(s.sd, 1.78901, 1e-5, 'sd');
    close(s.ci95![0], -0.5297804, 1e-6, 'low');
    close(s.ci95![1], 2.0297804, 1e-6, 'high');
  });

  it("Cohen's d and Hedges' g on the sleep data (d = -0.8321, g = d × (1 - 3/71))", () => {
    const e = effectSize(SLEEP_2, SLEEP_1)!;
    close(e.cohensD, -0.832181, 1e-5, 'd');
    close(e.hedgesG, e.cohensD * (1 - 3 / 71), 1e-12, 'g');
    assert.equal(effectSize([1, 1], [2, 2]), undefined, 'no spread: no standardized size');
  });

  it('a 10% shift at 2% noise over 5 runs is a regression; the same shift down an improvement', () => {
    const z = normal(seededRandom(1));
    const before = draw(5, 100, 2, z);
    const after = draw(5, 110, 2, z);
    const up = compareSamples(before, after, { thresholdPercent: 5 });
    assert.equal(up.verdict, 'regression', JSON.stringify(up));
    assert.ok(up.ci95Joules[0] > 0 && up.p < 0.01 && up.effect!.hedgesG > 2, JSON.stringify(up));
    assert.equal(compareSamples(after, before, { thresholdPercent: 5 }).verdict, 'improvement');
    // Real, but below the threshold: not a regression.
    assert.equal(compareSamples(before, after, { thresholdPercent: 20 }).verdict, 'no detectable change');
  });

  it('no shift at 2% noise: regression at most at the stated rate over 2,000 seeded trials (~2.5% off, ~0 with 5% on)', () => {
    const z = normal(seededRandom(2));
    let off = 0;
    let on = 0;
    let twoSided = 0;
    const trials = 2000;
    for (let i = 0; i < trials; i++) {
      const a = draw(5, 100, 2, z);
      const b = draw(5, 100, 2, z);
      const c = compareSamples(a, b, { thresholdPercent: 0 });
      if (c.verdict === 'regression') off++;
      if (c.significant) twoSided++;
      if (compareSamples(a, b, { thresholdPercent: 5 }).verdict === 'regression') on++;
    }
    // The 95% interval misses a true 0 5% of the time, half of it on the regression side.
    assert.ok(twoSided / trials <= 0.065 && twoSided / trials >= 0.035, `two-sided false positives ${twoSided}/${trials}`);
    assert.ok(off / trials <= 0.035, `false regressions with the threshold off: ${off}/${trials}`);
    assert.ok(on / trials <= 0.002, `false regressions with a 5% threshold: ${on}/${trials}`);
  });

  it('skewed noise with 10 runs uses the bootstrap-t, whose false-positive rate stays near 5% (1,000 lognormal trials)', () => {
    const random = seededRandom(3);
    const z = normal(random);
    const lognormal = (n: number): number[] => Array.from({ length: n }, () => 50 * Math.exp(0.8 * z()));
    let bootstrapped = 0;
    let significant = 0;
    const trials = 1000;
    for (let i = 0; i < trials; i++) {
      const c = compareSamples(lognormal(10), lognormal(10), { thresholdPercent: 0, seed: i });
      if (c.method === 'bootstrap') bootstrapped++;
      if (c.significant) significant++;
    }
    assert.ok(bootstrapped / trials > 0.5, `bootstrap chosen in ${bootstrapped}/${trials}`);
    assert.ok(significant / trials <= 0.075, `false positives ${significant}/${trials}`);
  });

  it("few runs stay with Welch's t even when skewed, and its false-positive rate holds at 3 runs (2,000 trials)", () => {
    assert.equal(compareSamples([10, 10.1, 10.2, 30], [10, 10.1, 10.3, 29], { thresholdPercent: 0 }).method, 'welch');
    assert.equal(
      compareSamples([10, 10.1, 10.2, 10.1, 10, 10.2, 10.1, 30], [10, 10.1, 10.2, 10.1, 10, 10.2, 10.1, 29]).method,
      'bootstrap',
    );
    const z = normal(seededRandom(6));
    let significant = 0;
    for (let i = 0; i < 2000; i++)
      if (compareSamples(draw(3, 100, 3, z), draw(3, 100, 3, z), { thresholdPercent: 0 }).significant) significant++;
    assert.ok(significant / 2000 >= 0.03 && significant / 2000 <= 0.07, `false positives at 3 runs: ${significant}/2000`);
  });

  it('the bootstrap is reproducible by seed and finds a real shift', () => {
    const z = normal(seededRandom(4));
    const a = draw(12, 100, 3, z);
    const b = draw(12, 112, 3, z);
    const one = bootstrapTest(a, b, 42);
    assert.deepEqual(bootstrapTest(a, b, 42), one);
    assert.notDeepEqual(bootstrapTest(a, b, 43).ci95, one.ci95);
    assert.ok(one.ci95[0] > 0 && one.p < 0.01, JSON.stringify(one));
  });

  it('the runs-needed figure matches a simulation: ~80% of trials at that many runs tell the threshold from the noise', () => {
    const n = runsNeeded(5, 6, 6)!; // a 5 J change under 6 J of noise
    // Normal approximation: 2 × (1.96 + 0.84)² × 36 / 25 ≈ 22.6, the t version a run or so more.
    assert.ok(n >= 23 && n <= 25, `runs needed ${n}`);
    const z = normal(seededRandom(5));
    const detected = (runs: number): number => {
      let hits = 0;
      for (let i = 0; i < 2000; i++) if (welchTest(draw(runs, 100, 6, z), draw(runs, 105, 6, z)).ci95[0] > 0) hits++;
      return hits / 2000;
    };
    const at = detected(n);
    assert.ok(at >= 0.77 && at <= 0.85, `power at ${n} runs: ${at}`);
    assert.ok(detected(Math.max(2, Math.round(n / 2))) < 0.7, 'half the runs are clearly not enough');
    assert.equal(runsNeeded(5, 0, 0), 2, 'no noise: the minimum');
    assert.equal(runsNeeded(0.001, 100, 100), undefined, 'beyond practical');
  });

  it('the run plan: warm-ups first, then interleaved baseline/program runs, or a shuffle reproducible by its seed', () => {
    const kinds = (p: ReturnType<typeof planRuns>): string => p.map((r) => (r.warmup ? 'w' : '') + r.kind[0]).join(' ');
    assert.equal(kinds(planRuns({ repeat: 3, warmup: 1, withBaseline: true })), 'wb wp b p b p b p');
    assert.equal(kinds(planRuns({ repeat: 2, warmup: 0, withBaseline: false })), 'p p');
    const shuffled = planRuns({ repeat: 10, warmup: 1, withBaseline: true, shuffleSeed: 5 });
    assert.deepEqual(planRuns({ repeat: 10, warmup: 1, withBaseline: true, shuffleSeed: 5 }), shuffled);
    assert.notEqual(kinds(shuffled), kinds(planRuns({ repeat: 10, warmup: 1, withBaseline: true, shuffleSeed: 6 })));
    assert.equal(kinds(shuffled.slice(0, 2)), 'wb wp');
    const measured = shuffled.slice(2);
    assert.equal(measured.filter((r) => r.kind === 'program').length, 10);
    assert.equal(measured.filter((r) => r.kind === 'baseline').length, 10);
    assert.notEqual(kinds(measured), kinds(planRuns({ repeat: 10, warmup: 0, withBaseline: true })), 'not the interleaved order');
  });

  it('no detectable change says how many runs would tell the threshold from the noise', () => {
    const c = compareSamples([100, 108, 95, 103], [104, 97, 110, 99], { thresholdPercent: 5 });
    assert.equal(c.verdict, 'no detectable change');
    assert.ok(c.runsNeeded !== undefined && c.runsNeeded > 4, JSON.stringify(c));
    assert.equal(c.method, 'welch');
  });
});
