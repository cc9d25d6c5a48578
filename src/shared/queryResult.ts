// What a PromQL query run returns (src/core/prometheus/queryRunner.ts): the instant rows, the range series aligned
// for a chart, and the error the user is shown. Read by the PromQL Result view. Types and pure helpers only.

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

/** A series' labels as Prometheus prints them: name{a="b", c="d"}. */
export function seriesName(labels: Readonly<Record<string, string>>): string {
  const { __name__: name, ...rest } = labels;
  const pairs = Object.keys(rest)
    .sort()
    .map((k) => `${k}=${JSON.stringify(rest[k])}`);
  if (!pairs.length) return name ?? '{}';
  return `${name ?? ''}{${pairs.join(', ')}}`;
}
