// The PromQL language a server speaks, as the extension, the language server and the settings all name it:
// the `--enable-feature` flags that change what PromQL accepts, the engines, and the words shown to the user.
// Browser-safe and package-free, so the settings (src/core) and the status item (src/client) read the same list
// as the checker (src/server/promql/target.ts).

/** What answers the queries: Prometheus' own PromQL, VictoriaMetrics' MetricsQL, or an engine we cannot check. */
export type Dialect = 'prometheus' | 'metricsql' | 'unknown';

/** `--enable-feature` values that change what PromQL accepts (Prometheus' cmd/prometheus/main.go). */
export const PROMQL_FEATURES = [
  'promql-experimental-functions',
  'promql-duration-expr',
  'promql-extended-range-selectors',
  'promql-binop-fill-modifiers',
] as const;
export type PromqlFeature = (typeof PROMQL_FEATURES)[number];

export function isPromqlFeature(v: unknown): v is PromqlFeature {
  return typeof v === 'string' && (PROMQL_FEATURES as readonly string[]).includes(v);
}

/** A PromqlTarget as it travels to the client (a JSON notification: the feature set as a list). */
export interface PromqlTargetInfo {
  readonly dialect: Dialect;
  readonly version: string;
  readonly features: readonly PromqlFeature[];
  readonly reason: string;
}

const FEATURE_WORDS: Record<PromqlFeature, string> = {
  'promql-experimental-functions': 'experimental functions',
  'promql-duration-expr': 'duration expressions',
  'promql-extended-range-selectors': 'extended range selectors',
  'promql-binop-fill-modifiers': 'fill modifiers',
};

/** One line for the status: "Prometheus 3.5.3 (experimental functions)", "VictoriaMetrics (MetricsQL)". */
export function describeTarget(t: PromqlTargetInfo): string {
  if (t.dialect === 'metricsql') return 'VictoriaMetrics (MetricsQL, not checked)';
  if (t.dialect === 'unknown') return 'not Prometheus (not checked)';
  const features = t.features.map((f) => FEATURE_WORDS[f]);
  return `Prometheus ${t.version}${features.length ? ` (${features.join(', ')})` : ''}`;
}
