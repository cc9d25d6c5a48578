// The order of a measured series (warm-up runs first, then the program's runs interleaved with a baseline command's,
// or shuffled with a seeded PRNG), and the per-run figures and statistics `measure --json` carries for `compare`.
import type { MeterResult } from '../energy/meter';
import { seededRandom } from './bootstrap';
import { SampleSummary, summarize } from './descriptive';

export type RunKind = 'program' | 'baseline';

export interface PlannedRun {
  readonly kind: RunKind;
  readonly warmup: boolean;
}

export interface SeriesPlan {
  readonly repeat: number;
  readonly warmup: number;
  readonly withBaseline: boolean;
  /** Shuffle the measured runs with this seed; undefined: interleave (baseline, program, baseline, ...). */
  readonly shuffleSeed?: number;
}

/**
 * Warm-ups first (their caches and JIT warmed, then discarded), then the measured runs. Interleaving spreads slow
 * drifts (thermal, other load) over both commands alike; shuffling also breaks any rhythm the drift may have.
 */
export function planRuns(p: SeriesPlan): PlannedRun[] {
  const kinds: RunKind[] = p.withBaseline ? ['baseline', 'program'] : ['program'];
  const warm: PlannedRun[] = [];
  for (let i = 0; i < p.warmup; i++) for (const kind of kinds) warm.push({ kind, warmup: true });
  const measured: PlannedRun[] = [];
  for (let i = 0; i < p.repeat; i++) for (const kind of kinds) measured.push({ kind, warmup: false });
  if (p.shuffleSeed !== undefined) {
    const random = seededRandom(p.shuffleSeed);
    for (let i = measured.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [measured[i], measured[j]] = [measured[j], measured[i]];
    }
  }
  return [...warm, ...measured];
}

/** One run as `measure --json` lists it under runResults. */
export type RunFigures = Pick<
  MeterResult,
  | 'durationSeconds'
  | 'energyJoules'
  | 'hostEnergyJoules'
  | 'hostEnergyAboveBaselineJoules'
  | 'baselineWatts'
  | 'averageWatts'
  | 'peakWatts'
  | 'source'
  | 'estimated'
>;

export interface SeriesStatistics {
  readonly energyJoules: SampleSummary;
  readonly hostEnergyAboveBaselineJoules: SampleSummary;
  readonly durationSeconds: SampleSummary;
}

export function runFigures(r: MeterResult): RunFigures {
  return {
    durationSeconds: r.durationSeconds,
    energyJoules: r.energyJoules,
    hostEnergyJoules: r.hostEnergyJoules,
    hostEnergyAboveBaselineJoules: r.hostEnergyAboveBaselineJoules,
    baselineWatts: r.baselineWatts,
    averageWatts: r.averageWatts,
    peakWatts: r.peakWatts,
    source: r.source,
    estimated: r.estimated,
  };
}

export function seriesStatistics(runs: readonly RunFigures[]): SeriesStatistics {
  return {
    energyJoules: summarize(runs.map((r) => r.energyJoules)),
    hostEnergyAboveBaselineJoules: summarize(runs.map((r) => r.hostEnergyAboveBaselineJoules)),
    durationSeconds: summarize(runs.map((r) => r.durationSeconds)),
  };
}
