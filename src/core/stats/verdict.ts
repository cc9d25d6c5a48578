// The verdict on "before" vs "after" runs of one measurement. A regression needs both: the mean moved by more than the
// threshold, and the 95% interval of the change excludes 0 (a real change, not run-to-run noise). An improvement
// likewise the other way. Anything else is "no detectable change", with the runs per side that would tell a change of
// the threshold's size from the noise seen.
//
// Interval method: Welch's t unless both sides have at least BOOTSTRAP_MIN_RUNS runs and one is skewed (|g1| >
// SKEW_LIMIT), then the seeded bootstrap-t. Not the bootstrap for few runs: 4 runs have only 35 distinct resamples,
// and resampling intervals from so few are too narrow (they cannot see spread the sample did not show), whereas
// Welch's t widens with its small df. Skew is what the t interval handles worst, and the bootstrap-t best.
import { bootstrapTest } from './bootstrap';
import { mean, sampleSd, skewness } from './descriptive';
import { effectSize, EffectSize } from './effectSize';
import { runsNeeded } from './power';
import { DifferenceTest, welchTest } from './welch';

export const BOOTSTRAP_MIN_RUNS = 8;
export const SKEW_LIMIT = 1;
export const DEFAULT_THRESHOLD_PERCENT = 5;
export const DEFAULT_SEED = 17;

export type Verdict = 'regression' | 'improvement' | 'no detectable change';

export interface SampleComparison {
  readonly verdict: Verdict;
  readonly method: 'welch' | 'bootstrap';
  readonly runsBefore: number;
  readonly runsAfter: number;
  readonly meanBefore: number;
  readonly meanAfter: number;
  readonly sdBefore: number;
  readonly sdAfter: number;
  /** mean(after) - mean(before). */
  readonly differenceJoules: number;
  /** Of mean(before); undefined when before is 0. */
  readonly differencePercent?: number;
  readonly ci95Joules: readonly [number, number];
  /** The interval over mean(before) (its own uncertainty left out). */
  readonly ci95Percent?: readonly [number, number];
  readonly p: number;
  readonly df: number;
  readonly effect?: EffectSize;
  /** The interval excludes 0. */
  readonly significant: boolean;
  readonly thresholdPercent: number;
  /**
   * Runs per side for a change the size of the threshold (or, with the threshold off, of the observed change) to be
   * told from this noise 80% of the time; undefined when more than MAX_RUNS. Only with "no detectable change".
   */
  readonly runsNeeded?: number;
  readonly runsNeededUnknown?: boolean;
}

export interface CompareOptions {
  /** Percent of mean(before); 0 turns the size condition off (significance alone decides). */
  readonly thresholdPercent?: number;
  readonly seed?: number;
}

export function compareSamples(before: readonly number[], after: readonly number[], opts: CompareOptions = {}): SampleComparison {
  const thresholdPercent = opts.thresholdPercent ?? DEFAULT_THRESHOLD_PERCENT;
  const skewed = Math.max(Math.abs(skewness(before)), Math.abs(skewness(after))) > SKEW_LIMIT;
  const method = skewed && Math.min(before.length, after.length) >= BOOTSTRAP_MIN_RUNS ? 'bootstrap' : 'welch';
  const test: DifferenceTest = method === 'bootstrap' ? bootstrapTest(before, after, opts.seed ?? DEFAULT_SEED) : welchTest(before, after);
  const meanBefore = mean(before);
  const meanAfter = mean(after);
  const sdBefore = sampleSd(before);
  const sdAfter = sampleSd(after);
  const pct = (x: number): number | undefined => (meanBefore > 0 ? (x / meanBefore) * 100 : undefined);
  const differencePercent = pct(test.difference);
  const [lo, hi] = test.ci95;
  const significant = lo > 0 || hi < 0;
  // Without a percentage (before used 0 J) only the threshold 0 can be exceeded.
  const beyond = (sign: 1 | -1): boolean =>
    thresholdPercent === 0 ? true : differencePercent !== undefined && sign * differencePercent > thresholdPercent;
  const verdict: Verdict = lo > 0 && beyond(1) ? 'regression' : hi < 0 && beyond(-1) ? 'improvement' : 'no detectable change';
  const effect = effectSize(before, after);
  const delta = thresholdPercent > 0 ? (thresholdPercent / 100) * meanBefore : test.difference;
  const needed = verdict === 'no detectable change' ? runsNeeded(delta, sdBefore, sdAfter) : undefined;
  const ciLo = pct(lo);
  const ciHi = pct(hi);
  return {
    verdict,
    method,
    runsBefore: before.length,
    runsAfter: after.length,
    meanBefore,
    meanAfter,
    sdBefore,
    sdAfter,
    differenceJoules: test.difference,
    ...(differencePercent !== undefined ? { differencePercent } : {}),
    ci95Joules: test.ci95,
    ...(ciLo !== undefined && ciHi !== undefined ? { ci95Percent: [ciLo, ciHi] as const } : {}),
    p: test.p,
    df: test.df,
    ...(effect ? { effect } : {}),
    significant,
    thresholdPercent,
    ...(needed !== undefined ? { runsNeeded: needed } : {}),
    ...(verdict === 'no detectable change' && needed === undefined ? { runsNeededUnknown: true } : {}),
  };
}
