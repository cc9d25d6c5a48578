// Standardized effect sizes of mean(B) - mean(A): Cohen's d with the pooled standard deviation, and Hedges' g, d with
// the small-sample bias correction J = 1 - 3 / (4(nA + nB) - 9) (Hedges & Olkin 1985; the usual approximation).
import { mean, sampleVariance } from './descriptive';

export interface EffectSize {
  readonly cohensD: number;
  readonly hedgesG: number;
}

/** Undefined when neither side varies (the standardized size is then infinite or 0/0). */
export function effectSize(a: readonly number[], b: readonly number[]): EffectSize | undefined {
  const na = a.length;
  const nb = b.length;
  if (na < 2 || nb < 2) return undefined;
  const pooled = Math.sqrt(((na - 1) * sampleVariance(a) + (nb - 1) * sampleVariance(b)) / (na + nb - 2));
  if (pooled === 0) return undefined;
  const cohensD = (mean(b) - mean(a)) / pooled;
  return { cohensD, hedgesG: cohensD * (1 - 3 / (4 * (na + nb) - 9)) };
}
