// The PromQL knowledge shared by the server's features: value types, functions and aggregations (for the type
// checker, completion, hover and signature help), what the server knows of metrics (catalogue + live), and the
// shape of a diagnostic the checks produce.

import type { Gate } from './gates';

/** PromQL value types, named as Prometheus names them in its messages. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export interface FunctionSpec extends Gate {
  readonly name: string;
  /** Argument types, in order. */
  readonly args: readonly ValueType[];
  /** Argument names for signature help, same length as args. */
  readonly argNames: readonly string[];
  /** 0: exactly args.length; n > 0: the last n args are optional; -1: the last arg repeats without limit. */
  readonly variadic: number;
  readonly returns: ValueType;
  /** One or two sentences of Markdown, correct per the Prometheus documentation. */
  readonly doc: string;
}

export interface AggregationSpec {
  readonly name: string;
  /** The parameter before the vector (topk's k, quantile's φ, count_values' label): its type, if any. */
  readonly param?: ValueType;
  readonly paramName?: string;
  readonly doc: string;
}

export type MetricType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export interface MetricInfo {
  readonly name: string;
  readonly type: MetricType;
  /** Unit as Prometheus spells it in names: microwatts, microjoules, bytes, seconds, ratio ... */
  readonly unit?: string;
  readonly help: string;
  /** Labels the series usually carry (catalogue knowledge). */
  readonly labels?: readonly string[];
  readonly source: 'catalogue' | 'live';
}

/** What the server knows of metrics: the curated catalogue merged with the live server's names and metadata. */
export interface MetricLookup {
  get(name: string): MetricInfo | undefined;
  /**
   * True when the name should be flagged unknown: with live names loaded, neither the live server nor the
   * catalogue knows it; offline, only names in a catalogued family (scaph_, node_, ...) the catalogue lacks.
   */
  isUnknown(name: string): boolean;
}

/** One diagnostic of a query: produced by the syntax check and the semantic checks alike. */
export interface Problem {
  from: number;
  to: number;
  severity: 'error' | 'warning' | 'hint';
  message: string;
  /** 'syntax', 'type', 'unknown-function', 'rate-on-gauge', 'raw-counter', 'unknown-metric', 'micro-units', ... */
  code: string;
}
