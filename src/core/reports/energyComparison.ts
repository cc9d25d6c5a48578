// One compared measurement: the statistics of its before/after runs and the traps that limit what they say. The
// report writers (JUnit XML, SARIF, Markdown) and `optivolt compare`'s own output all read this.
import { mean } from '../stats/descriptive';
import { compareSamples, CompareOptions, SampleComparison } from '../stats/verdict';
import type { Measurement, Pair } from './inputs';

export type TrapId = 'estimated-source' | 'short-runs' | 'other-load' | 'different-sources' | 'different-hosts';

export interface Trap {
  readonly id: TrapId;
  readonly message: string;
}

export interface EnergyComparison {
  readonly name: string;
  readonly before: { readonly file: string; readonly runs: number; readonly meanDurationSeconds: number };
  readonly after: { readonly file: string; readonly runs: number; readonly meanDurationSeconds: number };
  readonly statistics: SampleComparison;
  readonly traps: readonly Trap[];
}

/** A run is that short when it lasts fewer than this many of the source's sampling intervals. */
export const MIN_INTERVALS_PER_RUN = 2;
/**
 * Other load: the host's energy above its baseline exceeds the program's own energy by more than this factor (and
 * by OTHER_LOAD_MIN_JOULES). The program is priced at its CPU share of host power, so when it is the only thing that
 * got busy, host-above-baseline stays at or below its energy; much more means something else drew power meanwhile.
 */
export const OTHER_LOAD_FACTOR = 1.5;
export const OTHER_LOAD_MIN_JOULES = 0.5;

function otherLoadRuns(m: Measurement): number {
  return m.runs.filter((r) => r.hostEnergyAboveBaselineJoules > OTHER_LOAD_FACTOR * r.energyJoules + OTHER_LOAD_MIN_JOULES).length;
}

function sourcesOf(m: Measurement): string {
  return [...new Set(m.runs.map((r) => r.source))].sort().join('+');
}

/** The traps of a pair, in the order a reader should weigh them. */
export function trapsOf({ before, after }: Pair): Trap[] {
  const traps: Trap[] = [];
  const sides = [before, after];
  if (sides.some((m) => m.runs.some((r) => r.estimated))) {
    traps.push({
      id: 'estimated-source',
      message: 'estimated source: the energy is an estimate from CPU load, not a measurement; read the relative change (%), not the Joules',
    });
  }
  for (const m of sides) {
    const duration = mean(m.runs.map((r) => r.durationSeconds));
    if (m.intervalSeconds !== undefined && duration < MIN_INTERVALS_PER_RUN * m.intervalSeconds) {
      traps.push({
        id: 'short-runs',
        message: `short runs: ${m.file}'s runs last ${duration.toFixed(2)} s on average, under ${MIN_INTERVALS_PER_RUN} sampling intervals of ${m.intervalSeconds} s, more than the source can resolve; make each run longer (repeat the workload inside it) or sample faster (--interval)`,
      });
    }
  }
  for (const m of sides) {
    const n = otherLoadRuns(m);
    if (n > 0) {
      traps.push({
        id: 'other-load',
        message: `other load: in ${n} of ${m.runs.length} runs of ${m.file} the host's energy above its baseline was more than ${OTHER_LOAD_FACTOR}× the program's: something else drew power during them`,
      });
    }
  }
  if (sourcesOf(before) !== sourcesOf(after)) {
    traps.push({
      id: 'different-sources',
      message: `different sources: before was measured with ${sourcesOf(before)}, after with ${sourcesOf(after)}; their Joules do not compare`,
    });
  }
  if (before.host !== undefined && after.host !== undefined && before.host !== after.host) {
    traps.push({
      id: 'different-hosts',
      message: `different hosts: before ran on ${before.host}, after on ${after.host}; the change may be the machine's`,
    });
  }
  return traps;
}

export function compareMeasurements(pair: Pair, opts: CompareOptions): EnergyComparison {
  const { before, after } = pair;
  for (const m of [before, after]) {
    if (m.runs.length < 2)
      throw new RangeError(
        `"${m.name}" in ${m.file} has ${m.runs.length} run: at least 2 on each side are needed (5 or more to see small changes)`,
      );
  }
  const side = (m: Measurement): EnergyComparison['before'] => ({
    file: m.file,
    runs: m.runs.length,
    meanDurationSeconds: mean(m.runs.map((r) => r.durationSeconds)),
  });
  return {
    name: after.name === before.name ? after.name : `${before.name} → ${after.name}`,
    before: side(before),
    after: side(after),
    statistics: compareSamples(
      before.runs.map((r) => r.energyJoules),
      after.runs.map((r) => r.energyJoules),
      opts,
    ),
    traps: trapsOf(pair),
  };
}
