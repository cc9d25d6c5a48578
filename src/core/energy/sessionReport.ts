// What the Energy Sessions view says about its records, as text: the one-line summary, the Markdown report of one
// measurement and of a comparison (which runs a comparison sets side by side), and the reports kept for reopening.
// Plain Node, so every word the view shows is tested without an editor; the view only hands these to VS Code.
import { compare, Comparison, runsOf } from './compare';
import { formatCo2, formatCost, formatEnergy, formatWatts } from './cost';
import type { SessionRecord } from './sessionRecord';

/** The view's one-line description of a record: energy and duration. */
export function sessionSummary(r: SessionRecord): string {
  return `${formatEnergy(r.energyJoules)} · ${r.durationSeconds.toFixed(1)} s`;
}

/** A Markdown report of one measurement. */
export function recordMarkdown(r: SessionRecord): string {
  const rows: Array<[string, string]> = [
    ['Kind', r.kind],
    ['Configuration', r.config],
    ['Started', new Date(r.startedAt).toLocaleString()],
    [
      'Duration',
      `${r.durationSeconds.toFixed(2)} s${r.pausedSeconds > 0 ? ` (of which ${r.pausedSeconds.toFixed(1)} s paused at breakpoints, when the program draws ~0)` : ''}`,
    ],
    ['Program energy', `${formatEnergy(r.energyJoules)} (${(r.energyJoules / 3600).toFixed(4)} Wh)`],
    ['Program power', `average ${formatWatts(r.averageWatts)}, peak ${formatWatts(r.peakWatts)}`],
    [
      'Host energy',
      `${formatEnergy(r.hostEnergyJoules)}; ${formatEnergy(r.hostEnergyAboveBaselineJoules)} above the ${formatWatts(r.baselineWatts)} baseline`,
    ],
    ['Cost', `${formatCost(r.cost, r.currency)} at ${r.costPerKWh} ${r.currency}/kWh`],
    ['CO2', formatCo2(r.co2Grams)],
    ['Source', `${r.source}${r.estimated ? ' — an ESTIMATE from CPU load, not a measurement' : ''}`],
    ['Processes', r.pids.join(', ') || '—'],
  ];
  return [
    `# ${r.name}`,
    '',
    '| | |',
    '|:--|:--|',
    ...rows.map(([k, v]) => `| ${k} | ${v.replace(/\|/g, '\\|')} |`),
    '',
    r.note ? `> ${r.note}` : '',
  ].join('\n');
}

/** A Markdown report comparing two measurements. */
export function comparisonMarkdown(c: Comparison): string {
  const line = (label: string, f: (r: SessionRecord) => string): string => `| ${label} | ${f(c.a)} | ${f(c.b)} |`;
  return [
    `# ${c.a.name} vs ${c.b.name}`,
    '',
    '| | Before | After |',
    '|:--|--:|--:|',
    line('Started', (r) => new Date(r.startedAt).toLocaleString()),
    line('Duration', (r) => `${r.durationSeconds.toFixed(2)} s`),
    line('Program energy', (r) => formatEnergy(r.energyJoules)),
    line('Average power', (r) => formatWatts(r.averageWatts)),
    line('Host above baseline', (r) => formatEnergy(r.hostEnergyAboveBaselineJoules)),
    '',
    `**${c.verdict}**`,
    c.noise
      ? `\nRun-to-run noise: σ ${formatEnergy(c.noise.stdA)} over ${c.noise.runsA} runs, σ ${formatEnergy(c.noise.stdB)} over ${c.noise.runsB} runs.`
      : '',
  ].join('\n');
}

/** Whether the view offers "Compare" on a record: its configuration has been run at least twice. */
export function isComparable(r: SessionRecord, history: readonly SessionRecord[]): boolean {
  return runsOf(r.config, history, r.kind).length >= 2;
}

/**
 * The comparison the view shows for `a`: with `b` when two were selected, else with the previous run of a's
 * configuration (undefined when there is none). The older run is always side A.
 */
export function comparisonFor(a: SessionRecord, history: readonly SessionRecord[], b?: SessionRecord): Comparison | undefined {
  const other = b ?? runsOf(a.config, history, a.kind).find((r) => r.startedAt < a.startedAt);
  if (!other) return undefined;
  const [older, newer] = other.startedAt <= a.startedAt ? [other, a] : [a, other];
  return compare(older, newer, history);
}

/** Reports kept for reopening; older ones are dropped (their tabs, if still open, say so on reload). */
const MAX_REPORTS = 50;
export const MISSING_REPORT = '# This report is no longer available\n\nOpen it again from the Energy Sessions view.';

/** Where report `key` (a record id, or two for a comparison) titled `title` lives: a path safe as a file name. */
export function reportPath(key: string, title: string): string {
  return `/${encodeURIComponent(key)}/${title.replace(/[\\/:*?"<>|]/g, '_')}.md`;
}

/** The newest MAX_REPORTS reports by path, the most recently opened kept longest. */
export class ReportShelf {
  private readonly reports = new Map<string, string>();

  constructor(private readonly max = MAX_REPORTS) {}

  /** Shelves `markdown` at `path`; true when a report was already there (an open document must be told). */
  put(path: string, markdown: string): boolean {
    const known = this.reports.delete(path);
    this.reports.set(path, markdown);
    while (this.reports.size > this.max) this.reports.delete(this.reports.keys().next().value as string);
    return known;
  }

  get(path: string): string {
    return this.reports.get(path) ?? MISSING_REPORT;
  }
}
