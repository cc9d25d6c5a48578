// The figures of a comparison in words, the same in every report and on the terminal.
import { formatEnergy } from '../energy/cost';
import type { SampleComparison } from '../stats/verdict';
import type { EnergyComparison } from './energyComparison';

const sign = (x: number): string => (x > 0 ? '+' : x < 0 ? '−' : '±');

export function signedJoules(j: number): string {
  return `${sign(j)}${formatEnergy(Math.abs(j))}`;
}

export function signedPercent(p: number): string {
  return `${sign(p)}${Math.abs(p).toFixed(1)}%`;
}

/** "+3.70 J (+30.1%)". */
export function changeText(s: SampleComparison): string {
  return s.differencePercent === undefined
    ? signedJoules(s.differenceJoules)
    : `${signedJoules(s.differenceJoules)} (${signedPercent(s.differencePercent)})`;
}

/** "[+3.10 J, +4.30 J] ([+25.2%, +35.0%])". */
export function intervalText(s: SampleComparison): string {
  const [lo, hi] = s.ci95Joules;
  const joules = `[${signedJoules(lo)}, ${signedJoules(hi)}]`;
  return s.ci95Percent ? `${joules} ([${signedPercent(s.ci95Percent[0])}, ${signedPercent(s.ci95Percent[1])}])` : joules;
}

export function pText(p: number): string {
  if (p < 0.0001) return 'p < 0.0001';
  return `p = ${p < 0.01 ? p.toFixed(4) : p.toFixed(3)}`;
}

export function effectText(s: SampleComparison): string {
  return s.effect ? `Hedges' g ${s.effect.hedgesG.toFixed(2)}` : "Hedges' g – (no spread)";
}

export function methodText(s: SampleComparison): string {
  return s.method === 'bootstrap' ? 'bootstrap-t (skewed runs)' : `Welch's t, df ${s.df.toFixed(1)}`;
}

/** "5.00 J ± 0.20 J (5 runs)". */
export function sideText(mean: number, sd: number, runs: number): string {
  return `${formatEnergy(mean)} ± ${formatEnergy(sd)} (${runs} runs)`;
}

export function thresholdText(s: SampleComparison): string {
  return s.thresholdPercent === 0 ? 'no threshold' : `threshold ${s.thresholdPercent}%`;
}

/** Why the verdict is what it is, one sentence. */
export function verdictReason(c: EnergyComparison): string {
  const s = c.statistics;
  const change = changeText(s);
  if (s.verdict === 'regression')
    return `Energy up ${change}: more than the ${s.thresholdPercent}% threshold, and the 95% interval ${intervalText(s)} excludes 0.`;
  if (s.verdict === 'improvement')
    return `Energy down ${change}: more than the ${s.thresholdPercent}% threshold, and the 95% interval ${intervalText(s)} excludes 0.`;
  const why = s.significant
    ? `a real change of ${change}, within the ${s.thresholdPercent}% threshold`
    : `${change} is within run-to-run noise (the 95% interval ${intervalText(s)} includes 0)`;
  const size = s.thresholdPercent > 0 ? `a ${s.thresholdPercent}% change` : 'a change of this size';
  const runs =
    s.runsNeeded !== undefined
      ? ` ${s.runsNeeded} runs on each side would tell ${size} from this noise (80% of the time).`
      : s.runsNeededUnknown
        ? ` At this noise, telling ${size} apart would take more runs than is practical: reduce the noise first.`
        : '';
  return `No detectable change: ${why}.${s.significant ? '' : runs}`;
}
