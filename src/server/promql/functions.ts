// Every PromQL function and aggregation operator, with argument types, names and short docs: the type checker
// uses the types, completion / hover / signature help use names and docs. The set is Prometheus 2.42's (the
// version the stack runs); functions added later are listed with `experimental: true` so editors can offer
// them, but the diagnostics report them the way 2.42 does ("unknown function"), to agree with the server.
import { AggregationSpec, FunctionSpec, ValueType } from './types';

const V: ValueType = 'vector';
const M: ValueType = 'matrix';
const S: ValueType = 'scalar';
const STR: ValueType = 'string';

type Row = [name: string, args: ValueType[], argNames: string[], returns: ValueType, doc: string, variadic?: number, experimental?: boolean];

const math1 = (name: string, what: string): Row => [name, [V], ['v'], V, `Returns the ${what} of all sample values in \`v\`.`];
const trig = (name: string, what: string): Row => [name, [V], ['v'], V, `Calculates the ${what} of all sample values in \`v\`.`];
const overTime = (name: string, what: string): Row => [name, [M], ['v'], V, `The ${what} of all points in the specified interval, per series of the range vector \`v\`.`];
const clock = (name: string, what: string): Row => [
  name,
  [V],
  ['v'],
  V,
  `Returns the ${what} for each of the given times in UTC. With no argument, uses the current evaluation time (\`vector(time())\`).`,
  1,
];

const ROWS: readonly Row[] = [
  math1('abs', 'absolute value'),
  [
    'absent',
    [V],
    ['v'],
    V,
    'Returns an empty vector if `v` has any elements, and a 1-element vector with value 1 if it has none. Useful for alerting when no series exist.',
  ],
  [
    'absent_over_time',
    [M],
    ['v'],
    V,
    'Returns an empty vector if the range vector `v` has any elements, and a 1-element vector with value 1 if it has none.',
  ],
  ['ceil', [V], ['v'], V, 'Rounds the sample values of all elements in `v` up to the nearest integer.'],
  ['changes', [M], ['v'], V, 'Returns the number of times the value changed within the range, per series of `v`.'],
  ['clamp', [V, S, S], ['v', 'min', 'max'], V, 'Clamps the sample values of `v` to have a lower limit of `min` and an upper limit of `max`.'],
  ['clamp_max', [V, S], ['v', 'max'], V, 'Clamps the sample values of `v` to have an upper limit of `max`.'],
  ['clamp_min', [V, S], ['v', 'min'], V, 'Clamps the sample values of `v` to have a lower limit of `min`.'],
  clock('day_of_month', 'day of the month (1 to 31)'),
  clock('day_of_week', 'day of the week (0 to 6, 0 is Sunday)'),
  clock('day_of_year', 'day of the year (1 to 365, 366 in leap years)'),
  clock('days_in_month', 'number of days in the month (28 to 31)'),
  [
    'delta',
    [M],
    ['v'],
    V,
    'The difference between the first and last value of each series in the range vector `v`, extrapolated to the range boundaries. For gauges.',
  ],
  ['deriv', [M], ['v'], V, 'The per-second derivative of each series in the range vector `v`, using simple linear regression. For gauges.'],
  math1('exp', 'exponential function'),
  ['floor', [V], ['v'], V, 'Rounds the sample values of all elements in `v` down to the nearest integer.'],
  ['histogram_count', [V], ['v'], V, 'Returns the count of observations stored in each native histogram of `v`.'],
  ['histogram_sum', [V], ['v'], V, 'Returns the sum of observations stored in each native histogram of `v`.'],
  [
    'histogram_fraction',
    [S, S, V],
    ['lower', 'upper', 'v'],
    V,
    'Returns the estimated fraction of observations between `lower` and `upper`, for each native histogram of `v`.',
  ],
  [
    'histogram_quantile',
    [S, V],
    ['quantile', 'b'],
    V,
    'Calculates the φ-quantile (0 ≤ φ ≤ 1) from the buckets `b` of a histogram: classic `le` buckets (usually `rate(..._bucket[5m])` summed `by (le)`) or native histograms.',
  ],
  [
    'holt_winters',
    [M, S, S],
    ['v', 'sf', 'tf'],
    V,
    'Produces a smoothed value for each series of `v` using double exponential smoothing, with smoothing factor `sf` and trend factor `tf` (both between 0 and 1). For gauges.',
  ],
  clock('hour', 'hour of the day (0 to 23)'),
  ['idelta', [M], ['v'], V, 'The difference between the last two samples of each series in the range vector `v`. For gauges.'],
  [
    'increase',
    [M],
    ['v'],
    V,
    'The increase of each counter in the range vector `v`, adjusted for counter resets and extrapolated to the range boundaries. For counters only.',
  ],
  [
    'irate',
    [M],
    ['v'],
    V,
    'The per-second instant rate of increase of each counter, from the last two samples of the range vector `v`. For counters only; for volatile, fast-moving counters.',
  ],
  [
    'label_join',
    [V, STR, STR, STR],
    ['v', 'dst_label', 'separator', 'src_label'],
    V,
    'For each series of `v`, joins the values of all `src_label`s with `separator` and stores the result in `dst_label`.',
    -1,
  ],
  [
    'label_replace',
    [V, STR, STR, STR, STR],
    ['v', 'dst_label', 'replacement', 'src_label', 'regex'],
    V,
    'For each series of `v`, matches `regex` against the value of `src_label`; if it matches, `dst_label` is set to `replacement`, where `$1`, `$2` ... refer to capture groups.',
  ],
  math1('ln', 'natural logarithm'),
  math1('log10', 'decimal logarithm'),
  math1('log2', 'binary logarithm'),
  clock('minute', 'minute of the hour (0 to 59)'),
  clock('month', 'month of the year (1 to 12)'),
  ['pi', [], [], S, 'Returns the number π.'],
  [
    'predict_linear',
    [M, S],
    ['v', 't'],
    V,
    'Predicts the value of each series `t` seconds from now, by simple linear regression over the range vector `v`. For gauges.',
  ],
  ['rate', [M], ['v'], V, 'The per-second average rate of increase of each counter in the range vector `v`, adjusted for counter resets. For counters only.'],
  ['resets', [M], ['v'], V, 'The number of counter resets within the range, per series of `v`. For counters only.'],
  [
    'round',
    [V, S],
    ['v', 'to_nearest'],
    V,
    'Rounds the sample values of `v` to the nearest integer, or to the nearest multiple of `to_nearest` if given. Ties round up.',
    1,
  ],
  ['scalar', [V], ['v'], S, 'Returns the sample value of a single-element vector `v` as a scalar; `NaN` if `v` has zero or several elements.'],
  ['sgn', [V], ['v'], V, 'Returns the sign of all sample values in `v`: 1 if positive, -1 if negative, 0 if zero.'],
  ['sort', [V], ['v'], V, 'Returns the elements of `v` sorted by sample value, ascending. Only affects instant queries.'],
  ['sort_desc', [V], ['v'], V, 'Returns the elements of `v` sorted by sample value, descending. Only affects instant queries.'],
  math1('sqrt', 'square root'),
  ['time', [], [], S, 'Returns the number of seconds since the Unix epoch (1970-01-01 UTC) at the evaluation time.'],
  ['timestamp', [V], ['v'], V, 'Returns the timestamp of each sample of `v`, in seconds since the Unix epoch.'],
  ['vector', [S], ['s'], V, 'Returns the scalar `s` as a vector with no labels.'],
  clock('year', 'year'),
  overTime('avg_over_time', 'average value'),
  overTime('min_over_time', 'minimum value'),
  overTime('max_over_time', 'maximum value'),
  overTime('sum_over_time', 'sum of values'),
  overTime('count_over_time', 'count of values'),
  overTime('stddev_over_time', 'population standard deviation of values'),
  overTime('stdvar_over_time', 'population standard variance of values'),
  overTime('last_over_time', 'most recent value'),
  ['present_over_time', [M], ['v'], V, 'The value 1 for each series that has any point in the specified interval of the range vector `v`.'],
  [
    'quantile_over_time',
    [S, M],
    ['quantile', 'v'],
    V,
    'The φ-quantile (0 ≤ φ ≤ 1) of the values in the specified interval, per series of the range vector `v`.',
  ],
  trig('acos', 'arccosine'),
  trig('acosh', 'inverse hyperbolic cosine'),
  trig('asin', 'arcsine'),
  trig('asinh', 'inverse hyperbolic sine'),
  trig('atan', 'arctangent'),
  trig('atanh', 'inverse hyperbolic tangent'),
  trig('cos', 'cosine'),
  trig('cosh', 'hyperbolic cosine'),
  trig('sin', 'sine'),
  trig('sinh', 'hyperbolic sine'),
  trig('tan', 'tangent'),
  trig('tanh', 'hyperbolic tangent'),
  ['deg', [V], ['v'], V, 'Converts radians to degrees for all sample values in `v`.'],
  ['rad', [V], ['v'], V, 'Converts degrees to radians for all sample values in `v`.'],
  // Newer than Prometheus 2.42: offered by completion, reported unknown by the diagnostics (as 2.42 does).
  [
    'double_exponential_smoothing',
    [M, S, S],
    ['v', 'sf', 'tf'],
    V,
    'Prometheus 3 name of `holt_winters`: a smoothed value for each series of `v`, with smoothing factor `sf` and trend factor `tf`.',
    0,
    true,
  ],
  ['histogram_avg', [V], ['v'], V, 'Returns the arithmetic average of observed values in each native histogram of `v`.', 0, true],
  ['histogram_stddev', [V], ['v'], V, 'Returns the estimated standard deviation of observations in each native histogram of `v`.', 0, true],
  ['histogram_stdvar', [V], ['v'], V, 'Returns the estimated standard variance of observations in each native histogram of `v`.', 0, true],
  [
    'mad_over_time',
    [M],
    ['v'],
    V,
    'The median absolute deviation of all points in the specified interval, per series of the range vector `v`.',
    0,
    true,
  ],
  ['sort_by_label', [V, STR], ['v', 'label'], V, 'Returns the elements of `v` sorted by the values of the given labels, ascending.', -1, true],
  ['sort_by_label_desc', [V, STR], ['v', 'label'], V, 'Returns the elements of `v` sorted by the values of the given labels, descending.', -1, true],
];

export const FUNCTIONS: ReadonlyMap<string, FunctionSpec> = new Map(
  ROWS.map(([name, args, argNames, returns, doc, variadic = 0, experimental]): [string, FunctionSpec] => [
    name,
    { name, args, argNames, variadic, returns, doc, ...(experimental ? { experimental } : {}) },
  ]),
);

export const AGGREGATIONS: ReadonlyMap<string, AggregationSpec> = new Map(
  (
    [
      { name: 'sum', doc: 'Sum over dimensions.' },
      { name: 'min', doc: 'Minimum over dimensions.' },
      { name: 'max', doc: 'Maximum over dimensions.' },
      { name: 'avg', doc: 'Average over dimensions.' },
      { name: 'group', doc: 'All values in the resulting vector are 1: one series per group.' },
      { name: 'stddev', doc: 'Population standard deviation over dimensions.' },
      { name: 'stdvar', doc: 'Population standard variance over dimensions.' },
      { name: 'count', doc: 'Count of the elements in the vector.' },
      {
        name: 'count_values',
        param: 'string',
        paramName: 'label',
        doc: 'Count of elements with the same value; the value is stored in the label named by `label`.',
      },
      { name: 'bottomk', param: 'scalar', paramName: 'k', doc: 'The `k` smallest elements by sample value (original labels kept).' },
      { name: 'topk', param: 'scalar', paramName: 'k', doc: 'The `k` largest elements by sample value (original labels kept).' },
      { name: 'quantile', param: 'scalar', paramName: 'quantile', doc: 'The φ-quantile (0 ≤ φ ≤ 1) over dimensions.' },
    ] as AggregationSpec[]
  ).map((a): [string, AggregationSpec] => [a.name, a]),
);
