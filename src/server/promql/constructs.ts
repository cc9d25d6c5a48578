// The syntax PromQL gained after 2.42, each with its Gate: the first version whose parser accepts it, and the
// `--enable-feature` flag it needs while experimental. Versions are the first tags containing the commit
// (git tag --contains in the Prometheus repository); flags from parse.go and cmd/prometheus/main.go.
import type { Gate } from './gates';

export const CONSTRUCTS = {
  /** `{"a.b", "l.x"="v"}`: quoted metric and label names in selectors (a28d7865ad). */
  quotedSelectorNames: { since: '2.51.0' },
  /** `limitk(k, v)`, `limit_ratio(r, v)` (c94c5b64c3; parse.go's check of IsExperimentalAggregator). */
  limitAggregations: { since: '2.54.0', feature: 'promql-experimental-functions' },
  /** `x[300]`, `offset 60`, `time() - 1h`, `1_000_000` (8c8860d2d6, bd4ea118e9, 3c9e3ee552). */
  numbersAsDurations: { since: '2.54.0' },
  /** `by ("a")`, `on ("a")`: quoted label names in grouping lists (d90c5a71d7). */
  quotedGroupingLabels: { since: '2.55.0' },
  /** `[5m+30s]`, `offset -(1h)` (7370d62acf); no flag from 3.14 (cmd/prometheus/main.go). */
  durationExpressions: { since: '3.4.0', feature: 'promql-duration-expr', stableSince: '3.14.0' },
  /** `step()`, `min(a, b)`, `max(a, b)` inside durations (ee7d5158a7). */
  durationStepMinMax: { since: '3.6.0', feature: 'promql-duration-expr', stableSince: '3.14.0' },
  /** `anchored` / `smoothed` after a range (4199c2f45a). */
  extendedRangeSelectors: { since: '3.7.0', feature: 'promql-extended-range-selectors' },
  /** `range()` inside durations (d0b122a711). */
  durationRange: { since: '3.10.0', feature: 'promql-duration-expr', stableSince: '3.14.0' },
  /** `fill(v)`, `fill_left(v)`, `fill_right(v)` on binary operators (af3277f832). */
  binopFillModifiers: { since: '3.10.0', feature: 'promql-binop-fill-modifiers' },
  /** `</`, `>/`: native-histogram trim operators (e8bfcfcf1a; no flag in parse.go). */
  trimOperators: { since: '3.11.0' },
} as const satisfies Record<string, Gate>;

export type Construct = keyof typeof CONSTRUCTS;
