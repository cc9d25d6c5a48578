// The team's energy history of one repository, read back from the engine the CI runners push to (`--push`,
// `--push-remote-write`): per session and per test, the runs of each commit, commits in the order they were first
// measured, and the statistics' verdict between the last two commits.
import { compareSamples, type SampleComparison } from '../stats/verdict';
import { OTHER_TESTS } from '../push/pushResults';

/** What the history needs of a Prometheus client (PrometheusClient.api: the envelope's data, errors as PrometheusError). */
export interface HistoryEngine {
  api(path: string, params: Readonly<Record<string, string>>): Promise<unknown>;
}

/** How far back the history reads by default (days). */
export const DEFAULT_HISTORY_DAYS = 30;
/** Commits kept per chart: the latest ones. */
export const MAX_HISTORY_COMMITS = 30;
/** Runs per commit each side needs before a verdict is given. */
export const MIN_VERDICT_RUNS = 2;

export interface CommitPoint {
  readonly commit: string;
  readonly branch: string;
  /** When its first run was seen (Unix s). */
  readonly firstSeconds: number;
  /** One value per pushed run (J), over every host. */
  readonly runs: readonly number[];
  readonly meanJoules: number;
}

export type ChartVerdict =
  | { readonly kind: 'verdict'; readonly before: string; readonly after: string; readonly comparison: SampleComparison }
  | { readonly kind: 'not enough runs'; readonly reason: string };

export interface HistoryChart {
  /** measure, profile or test for a session's total; 'test case' for one test of an `optivolt test` run. */
  readonly kind: string;
  readonly session: string;
  readonly test?: string;
  readonly commits: readonly CommitPoint[];
  readonly verdict: ChartVerdict;
}

export interface EnergyHistory {
  readonly repository: string;
  readonly days: number;
  readonly charts: readonly HistoryChart[];
}

interface MatrixSeries {
  readonly metric: Record<string, string>;
  readonly values: ReadonlyArray<[number, string]>;
}

/** A label value inside a PromQL string literal. */
export function promqlString(v: string): string {
  return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

async function rangeSelect(engine: HistoryEngine, metric: string, repository: string, days: number): Promise<MatrixSeries[]> {
  const expr = `${metric}{job="optivolt", repository=${promqlString(repository)}}[${days}d]`;
  const data = (await engine.api('query', { query: expr })) as { resultType?: string; result?: MatrixSeries[] } | undefined;
  if (data?.resultType !== 'matrix' || !Array.isArray(data.result))
    throw new Error(`the engine did not answer ${expr} with a range vector`);
  return data.result;
}

/**
 * A series' runs: remote write stores one sample per push, but a Pushgateway's value is scraped again and again until
 * the next push, so a sample equal to the one before it is the same run seen again (two runs of equal energy to the
 * last bit do not happen with measured figures).
 */
export function distinctRuns(values: ReadonlyArray<[number, string]>): Array<{ t: number; v: number }> {
  const out: Array<{ t: number; v: number }> = [];
  for (const [t, raw] of values) {
    const v = Number(raw);
    if (!Number.isFinite(v)) continue;
    if (out.length && out[out.length - 1].v === v) continue;
    out.push({ t, v });
  }
  return out;
}

/** The verdict between the last two commits, when each has at least MIN_VERDICT_RUNS runs. */
export function lastTwoVerdict(commits: readonly CommitPoint[]): ChartVerdict {
  if (commits.length < 2) return { kind: 'not enough runs', reason: `one commit measured (${commits[0]?.commit.slice(0, 12) ?? 'none'})` };
  const [b, a] = commits.slice(-2);
  const few = [b, a].filter((c) => c.runs.length < MIN_VERDICT_RUNS);
  if (few.length)
    return {
      kind: 'not enough runs',
      reason:
        few.map((c) => `${c.commit.slice(0, 12)} has ${c.runs.length} run${c.runs.length === 1 ? '' : 's'}`).join(', ') +
        ` (${MIN_VERDICT_RUNS} needed)`,
    };
  return { kind: 'verdict', before: b.commit, after: a.commit, comparison: compareSamples(b.runs, a.runs) };
}

/** Series into charts: one per (kind, session[, test]), its commits' runs merged over hosts. */
export function historyCharts(series: readonly MatrixSeries[], testCases: boolean, maxCommits = MAX_HISTORY_COMMITS): HistoryChart[] {
  const charts = new Map<
    string,
    { kind: string; session: string; test?: string; commits: Map<string, { branch: string; runs: Array<{ t: number; v: number }> }> }
  >();
  for (const s of series) {
    const m = s.metric;
    if (testCases && m.test === OTHER_TESTS) continue;
    const kind = testCases ? 'test case' : (m.kind ?? 'unknown');
    const key = JSON.stringify([kind, m.session ?? '', testCases ? m.test : undefined]);
    let chart = charts.get(key);
    if (!chart)
      charts.set(key, (chart = { kind, session: m.session ?? '', ...(testCases ? { test: m.test ?? '' } : {}), commits: new Map() }));
    const commit = m.commit ?? 'unknown';
    const point = chart.commits.get(commit) ?? { branch: m.branch ?? '', runs: [] };
    point.runs.push(...distinctRuns(s.values));
    chart.commits.set(commit, point);
  }
  return [...charts.values()]
    .map((c) => {
      const commits = [...c.commits]
        .map(([commit, p]): CommitPoint => {
          const runs = [...p.runs].sort((x, y) => x.t - y.t);
          return {
            commit,
            branch: p.branch,
            firstSeconds: runs[0]?.t ?? 0,
            runs: runs.map((r) => r.v),
            meanJoules: runs.reduce((s, r) => s + r.v, 0) / Math.max(1, runs.length),
          };
        })
        .filter((p) => p.runs.length > 0)
        .sort((x, y) => x.firstSeconds - y.firstSeconds)
        .slice(-maxCommits);
      return {
        kind: c.kind,
        session: c.session,
        ...(c.test !== undefined ? { test: c.test } : {}),
        commits,
        verdict: lastTwoVerdict(commits),
      };
    })
    .filter((c) => c.commits.length > 0)
    .sort((x, y) => x.kind.localeCompare(y.kind) || x.session.localeCompare(y.session) || (x.test ?? '').localeCompare(y.test ?? ''));
}

/** The repository's history: sessions' totals (measure, profile, test) and each pushed test case. */
export async function readEnergyHistory(engine: HistoryEngine, repository: string, days = DEFAULT_HISTORY_DAYS): Promise<EnergyHistory> {
  const [totals, tests] = await Promise.all([
    rangeSelect(engine, 'optivolt_energy_joules', repository, days),
    rangeSelect(engine, 'optivolt_test_energy_joules', repository, days),
  ]);
  return { repository, days, charts: [...historyCharts(totals, false), ...historyCharts(tests, true)] };
}
