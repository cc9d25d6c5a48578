// Comparing two measured runs, and telling a real change from run-to-run noise. A single pair of runs says
// little: energy varies between identical runs (caches, turbo, background load), so the verdict only calls a
// difference real when the earlier runs of each side show it is larger than that spread.
import { formatEnergy } from './cost';
import type { SessionRecord } from './sessionRecord';

/** Runs needed on each side before a standard deviation means anything. */
export const MIN_RUNS = 3;

export interface Noise {
  readonly runsA: number;
  readonly runsB: number;
  /** Sample standard deviations of energyJoules, in J. */
  readonly stdA: number;
  readonly stdB: number;
  /** |mean B - mean A| > 2 standard errors of that difference (Welch-style, about 95%). */
  readonly significant: boolean;
}

export interface Comparison {
  /** The older run. */
  readonly a: SessionRecord;
  /** The newer run. */
  readonly b: SessionRecord;
  readonly differenceJoules: number;
  /** (b - a) / a * 100; Infinity when a used 0 J and b did not, 0 when both used 0 J. */
  readonly differencePercent: number;
  /** Undefined until each side has MIN_RUNS runs. */
  readonly noise?: Noise;
  /** One human sentence. */
  readonly verdict: string;
}

/**
 * The runs of one configuration. `kind` keeps a task and a launch configuration that share a name apart (a
 * launch config often has a preLaunchTask of the same name); without it, config alone decides.
 */
export function runsOf(config: string, history: readonly SessionRecord[], kind?: SessionRecord['kind']): SessionRecord[] {
  return history.filter((r) => r.config === config && (kind === undefined || r.kind === kind));
}

/**
 * Compares two runs; they are put in time order, so `b` is always the newer. For different configurations the
 * noise comes from each configuration's runs in history. For two runs of the same configuration (the usual
 * "before and after my change") that would compare a set with itself, so the runs up to and including the
 * older one form side A and the later ones side B. a and b count as runs even when history lacks them.
 */
export function compare(a: SessionRecord, b: SessionRecord, history: readonly SessionRecord[]): Comparison {
  if (a.startedAt > b.startedAt) [a, b] = [b, a];
  const runs = withRuns(history, [a, b]);
  const sameConfig = a.config === b.config && a.kind === b.kind;
  let sideA: SessionRecord[];
  let sideB: SessionRecord[];
  if (sameConfig) {
    const all = runsOf(a.config, runs, a.kind);
    sideA = all.filter((r) => r.id !== b.id && r.startedAt <= a.startedAt);
    sideB = all.filter((r) => r.id === b.id || (r.id !== a.id && r.startedAt > a.startedAt));
  } else {
    sideA = runsOf(a.config, runs, a.kind);
    sideB = runsOf(b.config, runs, b.kind);
  }

  const differenceJoules = b.energyJoules - a.energyJoules;
  const differencePercent = percent(a.energyJoules, b.energyJoules);
  const head = headline(a, b, differencePercent);
  const nA = sideA.length;
  const nB = sideB.length;
  if (nA < MIN_RUNS || nB < MIN_RUNS) {
    const ask = sameConfig
      ? `run this configuration at least ${MIN_RUNS} times up to the older run and ${MIN_RUNS} times after it`
      : `run each configuration at least ${MIN_RUNS} times`;
    return {
      a,
      b,
      differenceJoules,
      differencePercent,
      verdict: `${head}; ${ask} to tell a real change from noise (have ${nA} and ${nB}).`,
    };
  }

  const energiesA = sideA.map((r) => r.energyJoules);
  const energiesB = sideB.map((r) => r.energyJoules);
  const meanA = mean(energiesA);
  const meanB = mean(energiesB);
  const stdA = sampleStd(energiesA);
  const stdB = sampleStd(energiesB);
  const standardError = Math.sqrt((stdA * stdA) / nA + (stdB * stdB) / nB);
  const significant = Math.abs(meanB - meanA) > 2 * standardError;
  // Worded about the means, not the pair: a single outlier run can point the other way.
  const means = `the means over ${nA} and ${nB} runs (${formatEnergy(meanA)} vs ${formatEnergy(meanB)})`;
  const tail = significant ? `${means} differ by more than run-to-run noise` : `${means} are within run-to-run noise of each other`;
  return {
    a,
    b,
    differenceJoules,
    differencePercent,
    noise: { runsA: nA, runsB: nB, stdA, stdB, significant },
    verdict: `${head}; ${tail}.`,
  };
}

function percent(a: number, b: number): number {
  if (a === 0) return b === 0 ? 0 : Infinity;
  return ((b - a) / a) * 100;
}

function headline(a: SessionRecord, b: SessionRecord, pct: number): string {
  // Two runs of one launch config usually share a name; then only their order tells them apart.
  const [older, newer] = a.name === b.name ? ['the older one', 'The newer run'] : [quote(a.name), quote(b.name)];
  if (a.energyJoules === 0 && b.energyJoules === 0) return `${newer} and ${older} both used 0 J`;
  if (a.energyJoules === 0) return `${newer} used ${formatEnergy(b.energyJoules)}, up from 0 J for ${older}`;
  if (pct === 0) return `${newer} used the same energy as ${older} (${formatEnergy(a.energyJoules)})`;
  const size = Math.abs(pct) < 0.1 ? 'less than 0.1%' : `${Math.abs(pct).toFixed(1)}%`;
  const direction = pct > 0 ? 'more' : 'less';
  return `${newer} used ${size} ${direction} energy than ${older} (${formatEnergy(b.energyJoules)} vs ${formatEnergy(a.energyJoules)})`;
}

/** Command lines can be long; the sentence should still fit a notification. */
function quote(name: string): string {
  const short = name.length > 60 ? `${name.slice(0, 59)}…` : name;
  return `"${short}"`;
}

function withRuns(history: readonly SessionRecord[], extra: readonly SessionRecord[]): SessionRecord[] {
  const seen = new Set(history.map((r) => r.id));
  return [...history, ...extra.filter((r) => !seen.has(r.id))];
}

export function mean(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** With n - 1: a handful of runs is a sample of what the program could use. */
export function sampleStd(xs: readonly number[]): number {
  if (xs.length < 2) return 0;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) * (x - m), 0) / (xs.length - 1));
}
