// The history as the Energy History view shows it: each chart's commits and its verdict in words.
import type { HistoryChartView } from '../../shared/webviews/energyHistoryProtocol';
import type { EnergyHistory, HistoryChart } from './energyHistory';

const short = (commit: string): string => commit.slice(0, 12);
const signed = (x: number, digits: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;

export function verdictText(c: HistoryChart): string {
  const v = c.verdict;
  if (v.kind === 'not enough runs') return `not enough runs: ${v.reason}`;
  const s = v.comparison;
  const pct = s.differencePercent !== undefined ? ` (${signed(s.differencePercent, 1)}%)` : '';
  return (
    `${s.verdict}: ${short(v.before)} → ${short(v.after)} ${signed(s.differenceJoules, 3)} J${pct}, ` +
    `95% CI ${s.ci95Joules[0].toFixed(3)} to ${s.ci95Joules[1].toFixed(3)} J, ${s.runsBefore} vs ${s.runsAfter} runs (${s.method === 'welch' ? "Welch's t" : 'bootstrap'})`
  );
}

export function chartViews(h: EnergyHistory): HistoryChartView[] {
  return h.charts.map((c) => ({
    kind: c.kind,
    session: c.session,
    ...(c.test !== undefined ? { test: c.test } : {}),
    points: c.commits.map((p) => ({ commit: p.commit, branch: p.branch, runs: p.runs, meanJoules: p.meanJoules })),
    verdict: c.verdict.kind === 'verdict' ? c.verdict.comparison.verdict : 'not enough runs',
    verdictText: verdictText(c),
  }));
}
