// Welch's unequal-variances t-test of the difference of two means (B - A), with the Welch–Satterthwaite degrees of
// freedom: ν = (vA/nA + vB/nB)² / ((vA/nA)²/(nA-1) + (vB/nB)²/(nB-1)). Energy of "before" and "after" need not share
// a variance, so the pooled-variance Student test is not used.
import { mean, sampleVariance } from './descriptive';
import { tQuantile, tTwoSidedP } from './tDistribution';

export interface DifferenceTest {
  /** mean(B) - mean(A). */
  readonly difference: number;
  readonly standardError: number;
  readonly df: number;
  readonly t: number;
  /** Two-sided. */
  readonly p: number;
  readonly ci95: readonly [number, number];
}

export function welchTest(a: readonly number[], b: readonly number[]): DifferenceTest {
  if (a.length < 2 || b.length < 2)
    throw new RangeError(`Welch's test needs at least 2 values on each side (have ${a.length} and ${b.length})`);
  const difference = mean(b) - mean(a);
  const qa = sampleVariance(a) / a.length;
  const qb = sampleVariance(b) / b.length;
  const standardError = Math.sqrt(qa + qb);
  if (standardError === 0) {
    // No spread at all: the difference is exact (a constant program, or a source that quantises coarsely).
    return { difference, standardError, df: a.length + b.length - 2, t: 0, p: difference === 0 ? 1 : 0, ci95: [difference, difference] };
  }
  const df = (qa + qb) ** 2 / (qa ** 2 / (a.length - 1) + qb ** 2 / (b.length - 1));
  const t = difference / standardError;
  const half = tQuantile(0.975, df) * standardError;
  return { difference, standardError, df, t, p: tTwoSidedP(t, df), ci95: [difference - half, difference + half] };
}
