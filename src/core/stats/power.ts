// How many runs each side needs before a change of a given size is told from noise: the usual power analysis of
// Welch's test with equal runs per side, n the smallest with  δ / √((sA² + sB²)/n) ≥ t(1-α/2, ν) + t(power, ν), ν the
// Welch–Satterthwaite df for that n (the t-based refinement of n = (z(1-α/2) + z(power))² (sA² + sB²) / δ²).
import { tQuantile } from './tDistribution';

export const DEFAULT_POWER = 0.8;
/** Beyond this a comparison is not practical; said as "more than". */
export const MAX_RUNS = 100000;

/**
 * Runs per side for a true change of `delta` (same unit as the standard deviations) to give a 95% interval that
 * excludes 0 with probability `power`; undefined when more than MAX_RUNS would be needed.
 */
export function runsNeeded(delta: number, sdA: number, sdB: number, power = DEFAULT_POWER, alpha = 0.05): number | undefined {
  const d = Math.abs(delta);
  const va = sdA * sdA;
  const vb = sdB * sdB;
  if (va + vb === 0) return 2;
  if (d === 0) return undefined;
  const zStart = ((1.959964 + 0.841621) ** 2 * (va + vb)) / (d * d);
  const enough = (n: number): boolean => {
    const df = ((va + vb) ** 2 * (n - 1)) / (va * va + vb * vb);
    return d / Math.sqrt((va + vb) / n) >= tQuantile(1 - alpha / 2, df) + tQuantile(power, df);
  };
  // The normal approximation is a lower bound; walk up from it (few steps: the t correction adds a run or two).
  let n = Math.max(2, Math.floor(zStart));
  if (n > MAX_RUNS) return undefined;
  while (n > 2 && enough(n - 1)) n--;
  while (!enough(n)) if (++n > MAX_RUNS) return undefined;
  return n;
}
