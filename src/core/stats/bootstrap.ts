// The bootstrap-t (studentized) interval of a difference of means, with a seeded PRNG so a report can be reproduced.
// Chosen over the percentile bootstrap because it is second-order accurate for skewed data, where the percentile
// interval is too narrow with small samples (Efron & Tibshirani, An Introduction to the Bootstrap, ch. 12 and 22).
import { mean, sampleVariance } from './descriptive';
import type { DifferenceTest } from './welch';

/** mulberry32: a small seeded PRNG in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const DEFAULT_RESAMPLES = 4000;

function resample(xs: readonly number[], random: () => number): number[] {
  return xs.map(() => xs[Math.floor(random() * xs.length)]);
}

function quantile(sorted: readonly number[], p: number): number {
  const pos = (sorted.length - 1) * p;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Bootstrap-t test of mean(B) - mean(A): resamples each side, studentizes each resampled difference by its own
 * standard error, and reads the 95% interval and the two-sided p from that t distribution. `df` is reported as
 * nA + nB - 2 for reference only (the bootstrap needs none).
 */
export function bootstrapTest(a: readonly number[], b: readonly number[], seed: number, resamples = DEFAULT_RESAMPLES): DifferenceTest {
  if (a.length < 2 || b.length < 2)
    throw new RangeError(`the bootstrap needs at least 2 values on each side (have ${a.length} and ${b.length})`);
  const difference = mean(b) - mean(a);
  const standardError = Math.sqrt(sampleVariance(a) / a.length + sampleVariance(b) / b.length);
  const df = a.length + b.length - 2;
  if (standardError === 0) return { difference, standardError, df, t: 0, p: difference === 0 ? 1 : 0, ci95: [difference, difference] };
  const t = difference / standardError;
  const random = seededRandom(seed);
  const stars: number[] = [];
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    const ra = resample(a, random);
    const rb = resample(b, random);
    const se = Math.sqrt(sampleVariance(ra) / ra.length + sampleVariance(rb) / rb.length);
    // A resample of identical values has no spread to studentize by; it says nothing about the interval's width.
    if (se === 0) continue;
    const tStar = (mean(rb) - mean(ra) - difference) / se;
    stars.push(tStar);
    if (Math.abs(tStar) >= Math.abs(t)) extreme++;
  }
  if (stars.length < 100) throw new RangeError('too few distinct resamples for a bootstrap interval');
  stars.sort((x, y) => x - y);
  const ci95: [number, number] = [difference - quantile(stars, 0.975) * standardError, difference - quantile(stars, 0.025) * standardError];
  return { difference, standardError, df, t, p: (extreme + 1) / (stars.length + 1), ci95 };
}
