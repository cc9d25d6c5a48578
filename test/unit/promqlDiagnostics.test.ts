// PromQL diagnostics: syntax errors (messages, ranges), each type rule, each semantic warning, documents, and
// the Prometheus-style positions the agreement test compares (test/stack/promqlAgreement.test.ts checks
// positions against the real Prometheus; these pin the messages and ranges).
import { strict as assert } from 'node:assert';
import { analyzeDocument, analyzeQuery, prometheusPosition } from '../../src/server/promql/diagnostics';
import type { Problem } from '../../src/server/promql/types';
import { AGGREGATIONS, FUNCTIONS } from '../../src/server/promql/functions';
import type { MetricInfo, MetricLookup } from '../../src/server/promql/types';
import { DEFAULT_TARGET, type PromqlTarget } from '../../src/server/promql/target';

// These tests assert Prometheus 2.42's behaviour (the agreement corpus' binary); newer targets: promqlVersions.
const T242: PromqlTarget = { ...DEFAULT_TARGET, version: '2.42.0' };

const INFOS: MetricInfo[] = [
  { name: 'scaph_host_power_microwatts', type: 'gauge', unit: 'microwatts', help: 'Host power', source: 'catalogue' },
  { name: 'scaph_host_energy_microjoules', type: 'counter', unit: 'microjoules', help: 'Host energy', source: 'catalogue' },
  { name: 'node_cpu_seconds_total', type: 'counter', unit: 'seconds', help: 'CPU time', source: 'catalogue' },
  { name: 'node_memory_MemAvailable_bytes', type: 'gauge', unit: 'bytes', help: 'Available memory', source: 'catalogue' },
  { name: 'up', type: 'gauge', help: 'Target up', source: 'live' },
];

/** Catalogue-style lookup: names in the scaph_ and node_ families that it lacks are unknown. */
const METRICS: MetricLookup = {
  get: (name) => INFOS.find((m) => m.name === name),
  isUnknown: (name) => /^(scaph|node)_/.test(name) && !INFOS.some((m) => m.name === name),
};

const errorOf = (q: string): Problem => {
  const errors = analyzeQuery(q, undefined, T242).filter((p) => p.severity === 'error');
  assert.equal(errors.length, 1, `one error expected for ${JSON.stringify(q)}, got ${JSON.stringify(errors)}`);
  return errors[0];
};
/** The error as [code, covered text, message], for compact assertions. */
const err = (q: string): [string, string, string] => {
  const e = errorOf(q);
  return [e.code, q.slice(e.from, e.to), e.message];
};
const codes = (q: string, metrics: MetricLookup | undefined = METRICS): string[] => analyzeQuery(q, metrics, T242).map((p) => p.code);

describe('PromQL diagnostics', () => {
  describe('valid queries', () => {
    for (const q of [
      'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))',
      'scaph_host_power_microwatts / 1e6 > bool 100',
      'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket[10m])))',
      'max_over_time(rate(foo[5m])[1h:1m] offset 1d @ end())',
      'foo * on(a) group_left(b) bar',
      'holt_winters(foo[1h], 0.5, 0.5)',
      'label_join(up, "dst", ",", "a", "b", "c")',
      '# a comment\nsum(\n  foo # inline\n)',
      'offset + by',
    ]) {
      it(`accepts ${JSON.stringify(q)}`, () => assert.deepEqual(analyzeQuery(q, undefined, T242), []));
    }
  });

  describe('syntax errors: Prometheus messages, precise ranges', () => {
    it('unclosed parenthesis, reported at the end of input', () => {
      const e = errorOf('sum(foo');
      assert.deepEqual([e.code, e.from, e.message], ['syntax', 7, 'unclosed left parenthesis']);
    });
    it('an unexpected keyword is underlined whole', () => assert.deepEqual(err('foo by (a)'), ['syntax', 'by', 'unexpected <by>']));
    it('an unexpected operator', () => assert.deepEqual(err('a ^ ^ b'), ['syntax', '^', 'unexpected <op:^>']));
    it('unexpected end of input', () => {
      const e = errorOf('foo + bar + ');
      assert.deepEqual([e.from, e.message], [12, 'unexpected end of input']);
    });
    it('a stray right parenthesis', () => assert.deepEqual(errorOf('foo )').message, "unexpected right parenthesis ')'"));
    it('unterminated string, at its opening quote', () =>
      assert.deepEqual(err('foo{a="b}'), ['syntax', '"', 'unterminated quoted string']));
    it('bad escape', () => assert.equal(errorOf("'a\\qb'").message, "unknown escape sequence U+0071 'q'"));
    it('durations need a unit, numbers no unit', () => {
      assert.deepEqual(err('foo[5]'), ['syntax', '5', 'missing unit character in duration']);
      assert.deepEqual(err('foo * 5m'), ['syntax', '5m', 'unexpected duration "5m"']);
      assert.deepEqual(err('foo[5hs]'), ['syntax', '5hs', 'not a valid duration string: "5hs"']);
      assert.deepEqual(err('foo[0s]'), ['syntax', '0s', 'duration must be greater than 0']);
    });
    it('label matching and regexes', () => {
      assert.deepEqual(err('foo{a="b" c="d"}'), ['syntax', 'c', 'unexpected identifier "c" in label matching, expected "," or "}"']);
      assert.deepEqual(err('foo{a=b}'), ['syntax', 'b', 'unexpected identifier "b" in label matching, expected string']);
      assert.deepEqual(err('sum by a (foo)'), ['syntax', 'a', 'unexpected identifier "a" in grouping opts, expected "("']);
      assert.deepEqual(err('foo offset 5'), ['syntax', '5', 'unexpected number "5" in offset, expected duration']);
      assert.match(errorOf('foo{a=~"("}').message, /^error parsing regexp: missing closing \)/);
    });
    it('unknown characters', () => assert.deepEqual(err('foo $ bar'), ['syntax', '$', "unexpected character: '$'"]));
    it('trailing comma in a call', () =>
      assert.deepEqual(err('rate(foo[5m],)'), ['syntax', ',', 'trailing commas not allowed in function call args']));
    it('an empty query', () => assert.equal(errorOf('# nothing').message, 'no expression found in input'));
    it('a range on something else than a selector', () =>
      assert.deepEqual(err('rate(foo[5m])[5m]'), ['syntax', '[5m]', 'ranges only allowed for vector selectors']));
    it('offset and @ placement', () => {
      assert.equal(
        errorOf('sum(foo) offset 5m').message,
        'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
      assert.equal(
        errorOf('sum(foo) @ 100').message,
        '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
      assert.equal(errorOf('foo offset 1m offset 2m').message, 'offset may not be set multiple times');
      assert.equal(errorOf('foo offset 5m[5m]').message, 'no offset modifiers allowed before range');
      assert.equal(errorOf('foo @ inf').message, 'timestamp out of bounds for @ modifier: +Inf');
      // Modifiers bind to the closest selector, as in Prometheus: this one is fine.
      assert.deepEqual(analyzeQuery('a + b offset 5m', undefined, T242), []);
    });
    it('aggregation arguments', () => {
      assert.equal(errorOf('sum()').message, 'no arguments for aggregate expression provided');
      assert.equal(errorOf('topk(foo)').message, 'wrong number of arguments for aggregate expression provided, expected 2, got 1');
    });
  });

  describe('unknown functions', () => {
    it('are errors on the name, as in Prometheus 2.42', () =>
      assert.deepEqual(err('foo(bar)'), ['unknown-function', 'foo', 'unknown function with name "foo"']));
    it('function names are case-sensitive', () =>
      assert.deepEqual(err('RATE(x[5m])'), ['unknown-function', 'RATE', 'unknown function with name "RATE"']));
    it('functions newer than 2.42 are unknown to it', () => {
      assert.deepEqual(err('mad_over_time(foo[5m])'), ['unknown-function', 'mad_over_time', 'unknown function with name "mad_over_time"']);
      assert.deepEqual(err('limitk(2, foo)'), ['unknown-function', 'limitk', 'unknown function with name "limitk"']);
    });
  });

  describe('type rules', () => {
    it('range vector expected', () =>
      assert.deepEqual(err('rate(foo)'), ['type', 'foo', 'expected type range vector in call to function "rate", got instant vector']));
    it('instant vector expected', () =>
      assert.deepEqual(err('abs(foo[5m])'), [
        'type',
        'foo[5m]',
        'expected type instant vector in call to function "abs", got range vector',
      ]));
    it('scalar expected', () =>
      assert.deepEqual(err('clamp_max(foo, foo)'), [
        'type',
        'foo',
        'expected type scalar in call to function "clamp_max", got instant vector',
      ]));
    it('string expected', () =>
      assert.equal(
        errorOf('label_replace(foo, 1, "a", "b", "c")').message,
        'expected type string in call to function "label_replace", got scalar',
      ));
    it('argument counts', () => {
      assert.deepEqual(err('abs(1, 2)'), ['type', 'abs(1, 2)', 'expected 1 argument(s) in call to "abs", got 2']);
      assert.equal(errorOf('round(foo, 1, 2)').message, 'expected at most 2 argument(s) in call to "round", got 3');
      assert.equal(errorOf('label_join(foo)').message, 'expected at least 3 argument(s) in call to "label_join", got 1');
    });
    it('aggregation expression and parameter', () => {
      assert.deepEqual(err('sum(foo[5m])'), [
        'type',
        'foo[5m]',
        'expected type instant vector in aggregation expression, got range vector',
      ]);
      assert.deepEqual(err('topk(bar, foo)'), ['type', 'bar', 'expected type scalar in aggregation parameter, got instant vector']);
      assert.deepEqual(err('count_values(1, foo)'), ['type', '1', 'expected type string in aggregation parameter, got scalar']);
    });
    it('binary operands must be scalars or instant vectors', () =>
      assert.deepEqual(err('foo + bar[5m]'), ['type', 'bar[5m]', 'binary expression must contain only scalar and instant vector types']));
    it('comparisons between scalars need bool', () =>
      assert.deepEqual(err('1 > 2'), ['type', '>', 'comparisons between scalars must use BOOL modifier']));
    it('bool only on comparisons', () =>
      assert.deepEqual(err('a + bool b'), ['type', '+ bool', 'bool modifier can only be used on comparison operators']));
    it('set operators need vectors on both sides', () =>
      assert.equal(errorOf('foo and 1').message, 'set operator "and" not allowed in binary scalar expression'));
    it('vector matching only between vectors', () =>
      assert.equal(errorOf('1 + on(a) foo').message, 'vector matching only allowed between instant vectors'));
    it('no grouping on set operations', () =>
      assert.equal(errorOf('a and on(x) group_left b').message, 'no grouping allowed for "and" operation'));
    it('a label in ON and GROUP at once', () =>
      assert.equal(errorOf('a + on(x) group_left(x) b').message, 'label "x" must not occur in ON and GROUP clause at once'));
    it('unary minus on a range vector', () =>
      assert.equal(
        errorOf('-foo[5m]').message,
        'unary expression only allowed on expressions of type scalar or instant vector, got "range vector"',
      ));
    it('subquery of a range vector', () =>
      assert.equal(errorOf('foo[5m:1m][5m:1m]').message, 'subquery is only allowed on instant vector, got matrix instead'));
    it('selectors must match something', () => {
      assert.deepEqual(err('{a=~".*"}'), ['type', '{a=~".*"}', 'vector selector must contain at least one non-empty matcher']);
      assert.equal(errorOf('foo{__name__="bar"}').message, 'metric name must not be set twice: "foo" or "bar"');
    });
    it('by on a non-aggregation is a syntax error', () =>
      assert.deepEqual(err('rate(foo[5m]) by (a)'), ['syntax', 'by', 'unexpected <by>']));
  });

  describe('semantic warnings', () => {
    it('rate() on a gauge', () => {
      const [p] = analyzeQuery('rate(scaph_host_power_microwatts[1m]) / 1e6', METRICS, T242);
      assert.equal(p.code, 'rate-on-gauge');
      assert.equal(p.severity, 'warning');
      assert.equal(p.from, 5);
      assert.equal(p.to, 5 + 'scaph_host_power_microwatts'.length);
      assert.match(p.message, /^rate\(\) is for counters, but "scaph_host_power_microwatts" is a gauge/);
      assert.deepEqual(codes('irate(up[5m])'), ['rate-on-gauge']);
      assert.deepEqual(codes('increase(up[5m])'), ['rate-on-gauge']);
      assert.deepEqual(codes('delta(up[5m])'), []);
    });
    it('a counter used raw', () => {
      assert.deepEqual(codes('node_cpu_seconds_total'), ['raw-counter']);
      assert.deepEqual(codes('sum(node_cpu_seconds_total) > 0'), ['raw-counter']);
      assert.deepEqual(codes('rate(node_cpu_seconds_total[5m])'), []);
      assert.deepEqual(codes('count(node_cpu_seconds_total)'), []);
      assert.deepEqual(codes('absent(node_cpu_seconds_total)'), []);
      assert.deepEqual(codes('up unless node_cpu_seconds_total'), []);
    });
    it('unknown metric, only when the lookup says so', () => {
      const ps = analyzeQuery('scaph_host_powr_microwatts / 1e6 + other_metric', METRICS, T242);
      assert.deepEqual(
        ps.map((p) => [p.code, p.from, p.to]),
        [['unknown-metric', 0, 26]],
      );
      assert.match(ps[0].message, /^Unknown metric "scaph_host_powr_microwatts"/);
    });
    it('micro-units shown without conversion', () => {
      const [p] = analyzeQuery('scaph_host_power_microwatts', METRICS, T242);
      assert.deepEqual(
        [p.code, p.severity, p.message],
        ['micro-units', 'hint', '"scaph_host_power_microwatts" is in microwatts: divide by 1e6 to show watts.'],
      );
      assert.deepEqual(codes('scaph_host_power_microwatts / 1e6'), []);
      assert.deepEqual(codes('sum(scaph_host_power_microwatts) / 1000000'), []);
      assert.deepEqual(codes('increase(scaph_host_energy_microjoules[1h]) / 3.6e12'), []);
      assert.deepEqual(codes('scaph_host_power_microwatts * 1e-6'), []);
      assert.deepEqual(codes('avg_over_time((sum(scaph_host_power_microwatts) / 1e6)[1h:])'), []);
      assert.deepEqual(codes('increase(scaph_host_energy_microjoules[1h])'), ['micro-units']);
      assert.deepEqual(codes('scaph_host_power_microwatts / 2'), ['micro-units']);
      // Counting series, or filtering with `and`, does not show the values.
      assert.deepEqual(codes('count(scaph_host_power_microwatts)'), []);
      assert.deepEqual(codes('up and on() scaph_host_power_microwatts > 0'), []);
    });
    it('without a metric lookup, no metric-based warnings', () => {
      assert.deepEqual(
        analyzeQuery('rate(scaph_host_power_microwatts[1m]) / 1e6 + node_cpu_seconds_total + unknown_metric', undefined, T242),
        [],
      );
    });
    it('no warnings on a query with a syntax error', () => assert.deepEqual(codes('rate(scaph_host_power_microwatts[1m]'), ['syntax']));
  });

  describe('documents', () => {
    it('reports each query at document offsets, skipping comment paragraphs', () => {
      const doc = '# power\nscaph_host_power_microwatts / 1e6\n\n# broken\nsum(foo\n\n# only a comment\n\nrate(foo)\n';
      const ps = analyzeDocument(doc, METRICS, T242);
      assert.deepEqual(
        ps.map((p) => [p.code, doc.slice(p.from, p.to)]),
        [
          ['syntax', ''],
          ['type', 'foo'],
        ],
      );
      assert.equal(ps[0].from, doc.indexOf('sum(foo') + 7);
      assert.equal(ps[1].from, doc.lastIndexOf('foo'));
    });
    it('CRLF documents', () => {
      const doc = 'rate(foo)\r\n\r\nabs(1, 2)\r\n';
      assert.deepEqual(
        analyzeDocument(doc, undefined, T242).map((p) => doc.slice(p.from, p.to)),
        ['foo', 'abs(1, 2)'],
      );
    });
  });

  describe('Prometheus positions', () => {
    it('line and column, 1-based', () => {
      assert.equal(prometheusPosition('foo + ', 6), '1:7');
      assert.equal(prometheusPosition('foo\n+ bar[5m]', 6), '2:3');
    });
    it('columns count UTF-8 bytes, as Prometheus does', () => {
      const q = 'foo{a="日本"} + $';
      assert.equal(prometheusPosition(q, q.indexOf('$')), '1:19');
      assert.equal(prometheusPosition('"😀" $', 5), '1:8');
    });
  });

  describe('function and aggregation tables', () => {
    it('every function has one name per argument and a doc', () => {
      for (const f of FUNCTIONS.values()) {
        assert.equal(f.argNames.length, f.args.length, f.name);
        assert.ok(f.doc.length > 20, f.name);
        assert.ok(
          f.argNames.every((n) => /^[a-zA-Zφ_]+$/.test(n)),
          `${f.name}: ${f.argNames.join(', ')}`,
        );
      }
      assert.deepEqual(FUNCTIONS.get('round')?.variadic, 1);
      assert.deepEqual(FUNCTIONS.get('label_join')?.variadic, -1);
      assert.equal(FUNCTIONS.get('time')?.returns, 'scalar');
      assert.equal(FUNCTIONS.get('holt_winters')?.removedIn, '3.0.0');
      assert.equal(FUNCTIONS.get('double_exponential_smoothing')?.feature, 'promql-experimental-functions');
    });
    it('all twelve aggregations, with their parameters', () => {
      assert.deepEqual([...AGGREGATIONS.keys()].sort(), [
        'avg',
        'bottomk',
        'count',
        'count_values',
        'group',
        'max',
        'min',
        'quantile',
        'stddev',
        'stdvar',
        'sum',
        'topk',
      ]);
      assert.equal(AGGREGATIONS.get('count_values')?.param, 'string');
      assert.equal(AGGREGATIONS.get('topk')?.paramName, 'k');
    });
  });
});
