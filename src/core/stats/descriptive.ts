// Summaries of a handful of runs: mean, sample standard deviation (n - 1), skewness, and the 95% confidence interval
// of the mean from Student's t (a few runs are a sample, not the population).
import { tQuantile } from './tDistribution';

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Sample variance, with n - 1; 0 for fewer than 2 values. */
export function sampleVariance(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) * (x - m), 0) / (xs.length - 1);
}

export function sampleSd(xs: readonly number[]): number {
  return Math.sqrt(sampleVariance(xs));
}

/** Sample skewness g1 = m3 / m2^1.5 (0 when the values do not vary). */
export function skewness(xs: readonly number[]): number {
  const m = mean(xs);
  const m2 = xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length;
  const m3 = xs.reduce((s, x) => s + (x - m) ** 3, 0) / xs.length;
  return m2 > 0 ? m3 / m2 ** 1.5 : 0;
}

export interface SampleSummary {
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n - 1). */
  readonly sd: number;
  /** 95% confidence interval of the mean (t with n - 1 df); absent below 2 values. */
  readonly ci95?: readonly [number, number];
}

export function summarize(xs: readonly number[]): SampleSummary {
  if (xs.length === 0) throw new RangeError('no values to summarize');
  const m = mean(xs);
  const sd = sampleSd(xs);
  if (xs.length < 2) return { n: xs.length, mean: m, sd };
  const half = tQuantile(0.975, xs.length - 1) * (sd / Math.sqrt(xs.length));
  return { n: xs.length, mean: m, sd, ci95: [m - half, m + half] };
}
