// Runs a PromQL query the way the result view shows it: an instant query for the table and a range query over
// the last minutes for the chart, both shaped for the webview (capped series, one aligned time axis).
import type { ChartSeries, InstantResult, QueryErrorInfo, QueryOutcome, RangeResult, ResultRow } from '../../shared/queryResult';
import { parseSampleValue, PrometheusError, redactUrl, type PrometheusClient } from './client';
import { errorMessage } from '../errors';

export interface QueryRunnerOptions {
  /** Chart window, seconds (15 minutes). */
  readonly windowSeconds?: number;
  /** Points per chart series to aim at: the step is chosen so the window holds about this many. */
  readonly targetPoints?: number;
  /** Table rows at most; the rest is counted and reported as truncated. */
  readonly maxSeries?: number;
  /** Chart lines at most (a legend of 500 lines is unreadable). */
  readonly maxChartSeries?: number;
  /** Clock, ms since the epoch (tests pin it). */
  readonly now?: () => number;
}

const DEFAULTS = { windowSeconds: 15 * 60, targetPoints: 250, maxSeries: 500, maxChartSeries: 50 };

/** The step in seconds (whole milliseconds, at least 1 s) that puts about `targetPoints` points in `windowSeconds`. */
export function chooseStep(windowSeconds: number, targetPoints: number): number {
  return Math.max(1000, Math.ceil((windowSeconds * 1000) / Math.max(1, targetPoints))) / 1000;
}

/** Position of a parse error in Prometheus' text: "1:14: parse error: ..." (possibly after "invalid parameter"). */
export function errorPosition(text: string | undefined): { line: number; column: number } | undefined {
  const m = /(?:^|[\s:"])(\d+):(\d+): parse error/.exec(text ?? '');
  return m ? { line: Number(m[1]), column: Number(m[2]) } : undefined;
}

/** What the view shows for a failed run. */
export function describeError(err: unknown, configuredUrl: string): QueryErrorInfo {
  const url = redactUrl(configuredUrl); // the view shows it: never the password
  if (err instanceof PrometheusError) {
    if (err.kind === 'unreachable') {
      return {
        kind: 'unreachable',
        url,
        message: `${err.message} Check the setting optivolt.prometheus.url (${url}), or start the monitoring stack.`,
      };
    }
    // The API wraps the parser's message ('invalid parameter "query": 1:14: parse error: ...'): keep the parser's part.
    const text = err.prometheusText?.replace(/^invalid parameter "query": /, '');
    const position = errorPosition(text);
    return {
      kind: err.kind === 'bad_data' ? 'bad_data' : 'other',
      url,
      message: err.message,
      ...(text ? { prometheusText: text } : {}),
      ...(position ? { position } : {}),
    };
  }
  return { kind: 'other', url, message: errorMessage(err) };
}

type Sample = [number, string];
interface RawSeries {
  metric?: Record<string, string>;
  value?: Sample;
  values?: Sample[];
}
interface RawData {
  resultType?: string;
  result?: unknown;
}

export class QueryRunner {
  private readonly o: Required<Omit<QueryRunnerOptions, 'now'>> & { now: () => number };

  constructor(
    private readonly client: Pick<PrometheusClient, 'api'>,
    options: QueryRunnerOptions = {},
  ) {
    this.o = { ...DEFAULTS, now: Date.now, ...options };
  }

  /** Instant and range queries at once. Throws PrometheusError when the instant query fails. */
  async run(query: string, signal?: AbortSignal): Promise<QueryOutcome> {
    const started = this.o.now();
    const nowSeconds = started / 1000;
    // All in whole ms (Prometheus evaluates at start + k*step in ms): the samples then map back exactly.
    const stepMs = Math.round(chooseStep(this.o.windowSeconds, this.o.targetPoints) * 1000);
    // The window ends now, so the chart's last point is the table's value.
    const endMs = Math.round(started);
    const startMs = endMs - Math.floor((this.o.windowSeconds * 1000) / stepMs) * stepMs;
    const [start, end, step] = [startMs / 1000, endMs / 1000, stepMs / 1000];
    const [instant, range] = await Promise.allSettled([
      this.client.api('query', { query, time: String(nowSeconds) }, signal),
      this.client.api('query_range', { query, start: String(start), end: String(end), step: String(step) }, signal),
    ]);
    if (instant.status === 'rejected') throw instant.reason;
    const out: { -readonly [K in keyof QueryOutcome]: QueryOutcome[K] } = {
      query,
      instant: this.shapeInstant(instant.value as RawData | undefined, started),
      tookMs: 0,
    };
    if (range.status === 'fulfilled') out.range = this.shapeRange(range.value as RawData | undefined, startMs, endMs, stepMs);
    else out.rangeNote = rangeNote(range.reason, out.instant.resultType);
    out.tookMs = Math.max(0, this.o.now() - started);
    return out;
  }

  private shapeInstant(data: RawData | undefined, nowMs: number): InstantResult {
    const type = data?.resultType;
    const result = data?.result;
    if ((type === 'scalar' || type === 'string') && Array.isArray(result)) {
      const [t, v] = result as Sample;
      return { resultType: type, time: Number(t) * 1000, rows: [{ labels: {}, value: String(v) }], total: 1, truncated: false };
    }
    if ((type === 'vector' || type === 'matrix') && Array.isArray(result)) {
      const all = result as RawSeries[];
      const rows: ResultRow[] = all.slice(0, this.o.maxSeries).map((s) => {
        if (type === 'vector') return { labels: s.metric ?? {}, value: String(s.value?.[1] ?? '') };
        const values = s.values ?? [];
        return { labels: s.metric ?? {}, value: String(values[values.length - 1]?.[1] ?? ''), samples: values.length };
      });
      const first = all[0]?.value?.[0];
      return {
        resultType: type,
        time: first !== undefined ? Number(first) * 1000 : nowMs,
        rows,
        total: all.length,
        truncated: all.length > rows.length,
      };
    }
    throw new PrometheusError('unexpected', `Prometheus answered an unknown result type: ${type ?? 'nothing'}.`);
  }

  private shapeRange(data: RawData | undefined, startMs: number, endMs: number, stepMs: number): RangeResult {
    const times: number[] = [];
    for (let t = startMs; t <= endMs; t += stepMs) times.push(t / 1000);
    // Each sample to its nearest step of the window: Prometheus answers exactly at start + k*step, but
    // VictoriaMetrics aligns start to a multiple of step (its cache; docs "Range query"), off our grid by < step.
    const slot = (t: number): number | undefined => {
      const i = Math.round((t - startMs) / stepMs);
      return i >= 0 && i < times.length ? i : undefined;
    };
    const all = data?.resultType === 'matrix' && Array.isArray(data.result) ? (data.result as RawSeries[]) : [];
    const series: ChartSeries[] = all.slice(0, this.o.maxChartSeries).map((s) => {
      const values: (number | null)[] = times.map(() => null);
      for (const [t, v] of s.values ?? []) {
        const i = slot(Math.round(Number(t) * 1000));
        const n = parseSampleValue(v);
        if (i !== undefined && Number.isFinite(n)) values[i] = n;
      }
      return { labels: s.metric ?? {}, values };
    });
    return {
      start: startMs / 1000,
      end: endMs / 1000,
      step: stepMs / 1000,
      times,
      series,
      total: all.length,
      truncated: all.length > series.length,
    };
  }
}

function rangeNote(err: unknown, resultType: InstantResult['resultType']): string {
  if (resultType === 'matrix') return 'No chart: the query returns a range vector (remove the [range] to graph it).';
  if (resultType === 'string') return 'No chart: the query returns a string.';
  const text = err instanceof PrometheusError ? (err.prometheusText ?? err.message) : errorMessage(err);
  return `No chart: the range query failed (${text}).`;
}
