// The PromQL result view's message protocol, imported by both ends (src/client/queryView.ts and
// media/queryView.ts), and the result shapes src/core/prometheus/queryRunner.ts produces.
// Types and tiny type guards only: no Node built-ins, no vscode.
import { isObj } from '../guards';

/** One series of an instant result: its labels (with __name__ when there is one) and its value. */
export interface ResultRow {
  readonly labels: Readonly<Record<string, string>>;
  /** Prometheus' own text of the value ("0.25", "NaN", "+Inf", or a string result), shown as is. */
  readonly value: string;
  /** For a range vector evaluated at an instant (e.g. `up[5m]`): how many samples the row holds (value = the last). */
  readonly samples?: number;
}

/** The instant query's answer, at `time`. */
export interface InstantResult {
  readonly resultType: 'vector' | 'scalar' | 'string' | 'matrix';
  /** Evaluation time, ms since the epoch. */
  readonly time: number;
  /** At most the runner's series cap. */
  readonly rows: readonly ResultRow[];
  /** How many series Prometheus returned (more than rows.length when truncated). */
  readonly total: number;
  readonly truncated: boolean;
}

export interface ChartSeries {
  readonly labels: Readonly<Record<string, string>>;
  /** One value per time of RangeResult.times, null where the series has no sample (or a non-finite one). */
  readonly values: readonly (number | null)[];
}

/** The range query's answer over the chart window, aligned on one time axis for uPlot. */
export interface RangeResult {
  /** Seconds since the epoch. */
  readonly start: number;
  readonly end: number;
  readonly step: number;
  /** Seconds since the epoch, start..end every step. */
  readonly times: readonly number[];
  readonly series: readonly ChartSeries[];
  readonly total: number;
  readonly truncated: boolean;
}

export interface QueryOutcome {
  readonly query: string;
  readonly instant: InstantResult;
  /** Absent when the expression cannot be graphed (a range vector or a string): see rangeNote. */
  readonly range?: RangeResult;
  readonly rangeNote?: string;
  /** Wall time of the run, ms. */
  readonly tookMs: number;
}

export interface QueryErrorInfo {
  /** unreachable: no Prometheus at the URL; bad_data: Prometheus rejected the query; other: anything else. */
  readonly kind: 'unreachable' | 'bad_data' | 'other';
  readonly message: string;
  /** Prometheus' own error text, e.g. `1:14: parse error: unexpected <EOF>`. */
  readonly prometheusText?: string;
  /** One-based line and column of a parse error, in the query text. */
  readonly position?: { readonly line: number; readonly column: number };
  /** The configured Prometheus URL (named in the unreachable message). */
  readonly url: string;
}

/** Host -> webview. Each run has a requestId; a reply for an older run than the last one shown is ignored. */
export type ToWebview =
  | { readonly type: 'query/running'; readonly requestId: number; readonly query: string; readonly url: string }
  | { readonly type: 'query/result'; readonly requestId: number; readonly outcome: QueryOutcome }
  | { readonly type: 'query/error'; readonly requestId: number; readonly query: string; readonly error: QueryErrorInfo };

/** Webview -> host. */
export type FromWebview =
  /** The page loaded: the host answers with the last message of the latest run (the full state). */
  | { readonly type: 'ready' }
  /** The "Run again" button: runs the shown query again. */
  | { readonly type: 'query/rerun' }
  /** The "Start Monitoring" button of the unreachable message. */
  | { readonly type: 'stack/start' }
  /** The parse error's position was clicked: the host reveals it in the query's document. */
  | { readonly type: 'query/revealError' };

/** Validates a message from the webview (it is untrusted input). Returns undefined for anything malformed. */
export function parseFromWebview(msg: unknown): FromWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
    case 'query/rerun':
    case 'stack/start':
    case 'query/revealError':
      return { type: msg.type };
    default:
      return undefined;
  }
}

const isRow = (v: unknown): v is ResultRow => isObj(v) && isObj(v.labels) && typeof v.value === 'string';
const isSeries = (v: unknown): v is ChartSeries => isObj(v) && isObj(v.labels) && Array.isArray(v.values);

/** Checks a host message's type and the shape of what the webview's renderers index into. */
export function parseToWebview(msg: unknown): ToWebview | undefined {
  if (!isObj(msg) || typeof msg.requestId !== 'number') return undefined;
  switch (msg.type) {
    case 'query/running':
      return typeof msg.query === 'string' && typeof msg.url === 'string' ? (msg as unknown as ToWebview) : undefined;
    case 'query/result': {
      const o = msg.outcome;
      if (!isObj(o) || typeof o.query !== 'string' || !isObj(o.instant)) return undefined;
      const i = o.instant;
      if (typeof i.time !== 'number' || !Array.isArray(i.rows) || !i.rows.every(isRow)) return undefined;
      const r = o.range;
      if (r !== undefined && !(isObj(r) && Array.isArray(r.times) && Array.isArray(r.series) && r.series.every(isSeries))) return undefined;
      return msg as unknown as ToWebview;
    }
    case 'query/error':
      return typeof msg.query === 'string' && isObj(msg.error) && typeof msg.error.message === 'string' ? (msg as unknown as ToWebview) : undefined;
    default:
      return undefined;
  }
}

/** A series' labels as Prometheus prints them: name{a="b", c="d"}. */
export function seriesName(labels: Readonly<Record<string, string>>): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`);
  if (!pairs.length) return name ?? '{}';
  return `${name ?? ''}{${pairs.join(', ')}}`;
}
