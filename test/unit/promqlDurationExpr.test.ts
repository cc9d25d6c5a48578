// Duration expressions as Prometheus' parser reduces them (generated_parser.y at v3.5.0 … v3.14.0): where
// "experimental duration expression is not enabled" points (the left operand, parentheses not included), a sign
// folded into a literal, division and modulo by a literal zero, a range that is one literal must be positive, and
// the duration functions only from their version. Each expectation was checked against the real Prometheus 3.5.3
// (test/stack/promqlAgreement.test.ts) or upstream's parse_test.go at that tag (test/fixtures/promql-upstream).
import { strict as assert } from 'node:assert';
import { analyzeQuery, prometheusPosition } from '../../src/server/promql/diagnostics';
import type { PromqlTarget } from '../../src/server/promql/target';
import type { PromqlFeature } from '../../src/shared/promqlTarget';

const target = (version: string, ...features: PromqlFeature[]): PromqlTarget => ({
  dialect: 'prometheus',
  version,
  features: new Set(features),
  reason: 'test',
});

/** `line:col message` of the first error, as Prometheus prints it, or 'accepts'. */
function verdict(q: string, t: PromqlTarget): string {
  const e = analyzeQuery(q, undefined, t).find((p) => p.severity === 'error');
  return e ? `${prometheusPosition(q, e.from)} ${e.message}` : 'accepts';
}

const CASES: readonly [string, PromqlTarget, string][] = [
  // 3.5 without the flag: the error is on the left operand of the first reduction, parentheses excluded.
  ['foo offset (5m)', target('3.5.3'), '1:13 experimental duration expression is not enabled'],
  ['up offset (1h + 5m)', target('3.5.3'), '1:12 experimental duration expression is not enabled'],
  ['up offset -(1h)', target('3.5.3'), '1:13 experimental duration expression is not enabled'],
  ['up[(5m)]', target('3.5.3'), '1:5 experimental duration expression is not enabled'],
  ['up @ 1700000000 offset -(5m)', target('3.5.3'), '1:26 experimental duration expression is not enabled'],
  // A signed literal after offset is no expression; an unfinished one is a syntax error first.
  ['foo offset +1h', target('3.5.3'), 'accepts'],
  ['up[5m-]', target('3.5.3'), '1:7 unexpected "]"'],
  // Literal zero divisors, a non-positive literal range: with the flag, at the operator / the literal.
  ['up[5m / 0]', target('3.5.3', 'promql-duration-expr'), '1:7 division by zero'],
  ['foo offset (4d%0)', target('3.5.3', 'promql-duration-expr'), '1:15 modulo by zero'],
  ['up[-5]', target('3.5.3', 'promql-duration-expr'), '1:4 duration must be greater than 0'],
  ['up[10m / 2]', target('3.5.3', 'promql-duration-expr'), 'accepts'],
  // step() arrived in 3.6; after offset it is lexed as a plain word and still a duration function.
  ['up offset step()', target('3.5.3', 'promql-duration-expr'), '1:11 unexpected identifier "step"'],
  ['up offset -step()', target('3.10.0', 'promql-duration-expr'), 'accepts'],
  ['up offset max_of(step(), 5s)', target('3.14.0'), 'accepts'],
  ['up[step() / 0]', target('3.14.0'), '1:11 division by zero'],
  // Numbers of seconds must fit a time.Duration (3.4+); min()/max() on 3.6–3.12 and any case of step() parse.
  ['foo[9.5e10]', target('3.5.0', 'promql-duration-expr'), '1:5 duration out of range'],
  ['foo offset 9.5e10', target('3.5.0', 'promql-duration-expr'), '1:12 duration out of range'],
  ['foo[max(step(),5s)]', target('3.10.0', 'promql-duration-expr'), 'accepts'],
  ['foo offset -min(5s,step()+8s)', target('3.10.0', 'promql-duration-expr'), 'accepts'],
  ['metric1_total offset (STEP()/10)', target('3.14.0'), 'accepts'],
  ['foo[max(step(),)]', target('3.10.0', 'promql-duration-expr'), '1:16 unexpected ")"'],
  // lex.go's errorf replaces the colon it has just emitted: the parser meets the lexical error, after the colon.
  ['foo[:5m]', target('3.5.3'), '1:6 unexpected colon before duration in duration expression'],
  ['foo[5m:1m:2]', target('3.5.3'), '1:10 unexpected colon'],
];

// Not durations, but found with them against Prometheus 3.5.3: a quoted name alone in the braces names the metric,
// and more.
const NAMES: readonly [string, string][] = [
  ['up{"job"}', '1:1 metric name must not be set twice: "up" or "job"'],
  ['foo{"__name__"="bar"}', '1:1 metric name must not be set twice: "foo" or "bar"'],
  ['{"foo", a="b"}', 'accepts'],
  ['up{"job"="x"}', 'accepts'],
  // Before 3.10's fill modifiers `fill(...)` is a call of an unknown function; limitk's parameter is a scalar.
  ['up + fill() up', '1:6 unknown function with name "fill"'],
  ['up + fill(a) up', '1:6 unknown function with name "fill"'],
];

describe('PromQL duration expressions, as Prometheus reduces them', () => {
  for (const [q, t, expected] of CASES) {
    it(`${q} on ${t.version}${t.features.size ? ` with ${[...t.features].join(', ')}` : ''}: ${expected}`, () => {
      const got = verdict(q, t);
      assert.ok(expected === 'accepts' ? got === 'accepts' : got.startsWith(expected), got);
    });
  }
  for (const [q, expected] of NAMES) {
    it(`${q} on 3.5.3: ${expected}`, () => assert.equal(verdict(q, target('3.5.3')), expected));
  }
  it('limitk("a", up) with experimental functions on 3.5.3: its parameter must be a scalar', () => {
    assert.equal(
      verdict('limitk("a", up)', target('3.5.3', 'promql-experimental-functions')),
      '1:8 expected type scalar in aggregation parameter, got string',
    );
  });
});
