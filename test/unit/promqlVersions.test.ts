// The checker follows the target's language: each construct newer than 2.42 is accepted from its version (and
// with its flag while experimental) and rejected before, with the message that Prometheus version gives
// (functions.go, generated_parser.y, parse.go, lex.go at the tags named in functionGates.ts / constructs.ts).
import { strict as assert } from 'node:assert';
import { analyzeQuery } from '../../src/server/promql/diagnostics';
import { FUNCTIONS } from '../../src/server/promql/functions';
import { UPSTREAM_FUNCTIONS } from '../../src/server/promql/functionGates';
import { DEFAULT_TARGET, type PromqlTarget } from '../../src/server/promql/target';
import { type PromqlFeature } from '../../src/shared/promqlTarget';

const target = (version: string, ...features: PromqlFeature[]): PromqlTarget => ({
  ...DEFAULT_TARGET,
  version,
  features: new Set(features),
});

/** The first error's message for `q` under `t`, or 'ok'. */
function check(q: string, t: PromqlTarget): string {
  const e = analyzeQuery(q, undefined, t).find((p) => p.severity === 'error');
  return e ? e.message : 'ok';
}

const EXP: PromqlFeature = 'promql-experimental-functions';
const DUR: PromqlFeature = 'promql-duration-expr';

interface Case {
  readonly q: string;
  /** Versions (with flags) where it parses. */
  readonly ok: readonly PromqlTarget[];
  /** Versions (with flags) where it fails, and the message. */
  readonly bad: readonly [PromqlTarget, string][];
}

const unknown = (name: string): string => `unknown function with name "${name}"`;
const notEnabled = (name: string): string => `function "${name}" is not enabled`;

const CASES: readonly Case[] = [
  {
    q: 'histogram_avg(a)',
    ok: [target('2.51.0'), target('3.5.5')],
    bad: [[target('2.50.1'), unknown('histogram_avg')]],
  },
  {
    q: 'histogram_stddev(a) + histogram_stdvar(a)',
    ok: [target('2.47.0')],
    bad: [[target('2.46.0'), unknown('histogram_stddev')]],
  },
  {
    q: 'sort_by_label(a, "x")',
    ok: [target('2.49.0', EXP), target('3.14.0', EXP)],
    bad: [
      [target('2.48.1', EXP), unknown('sort_by_label')],
      [target('2.53.4'), notEnabled('sort_by_label')],
    ],
  },
  {
    q: 'holt_winters(a[5m], 0.5, 0.5)',
    ok: [target('2.42.0'), target('2.55.1')],
    bad: [[target('3.0.0', EXP), unknown('holt_winters')]],
  },
  {
    q: 'double_exponential_smoothing(a[5m], 0.5, 0.5)',
    ok: [target('3.0.0', EXP)],
    bad: [
      [target('2.55.1', EXP), unknown('double_exponential_smoothing')],
      [target('3.5.5'), notEnabled('double_exponential_smoothing')],
    ],
  },
  {
    q: 'first_over_time(a[5m])',
    ok: [target('3.7.0', EXP), target('3.13.0', EXP), target('3.14.0')],
    bad: [
      [target('3.6.0', EXP), unknown('first_over_time')],
      [target('3.7.0'), notEnabled('first_over_time')],
      [target('3.13.0'), notEnabled('first_over_time')],
    ],
  },
  {
    q: 'info(a)',
    ok: [target('2.55.0', EXP)],
    bad: [
      [target('2.54.1', EXP), unknown('info')],
      [target('3.5.5'), notEnabled('info')],
    ],
  },
  {
    q: 'start() + end() + range() + step()',
    ok: [target('3.12.0', EXP)],
    bad: [
      [target('3.11.0', EXP), 'unexpected "("'],
      [target('3.12.0'), notEnabled('start')],
    ],
  },
  { q: 'max_of(1, 2)', ok: [target('3.13.0', EXP)], bad: [[target('3.12.0', EXP), unknown('max_of')]] },
  {
    q: 'limitk(2, a)',
    ok: [target('2.54.0', EXP), target('3.5.5', EXP)],
    bad: [
      [target('2.53.4', EXP), unknown('limitk')],
      [
        target('2.54.0'),
        'limitk() and limit_ratio() are experimental and must be enabled with --enable-feature=promql-experimental-functions',
      ],
      [target('3.5.5'), 'limitk() is experimental and must be enabled with --enable-feature=promql-experimental-functions'],
    ],
  },
  {
    q: 'limit_ratio by (x) (0.5, a)',
    ok: [target('2.54.0', EXP)],
    bad: [
      [target('2.53.4', EXP), 'unexpected <by>'],
      [target('3.1.0'), 'limit_ratio() is experimental and must be enabled with --enable-feature=promql-experimental-functions'],
    ],
  },
  {
    q: '{"scaph.host", "l.x"="v"}',
    ok: [target('2.51.0'), target('3.5.5')],
    bad: [[target('2.50.1'), 'unexpected string "\\"scaph.hos..." in label matching, expected identifier or "}"']],
  },
  {
    q: 'sum by ("a") (x)',
    ok: [target('2.55.0'), target('3.0.0')],
    bad: [[target('2.54.1'), 'unexpected string "\\"a\\"" in grouping opts, expected label']],
  },
  {
    q: 'sum by ("a.b") (x)',
    ok: [target('3.0.0')],
    bad: [[target('2.55.1'), 'unexpected string "\\"a.b\\"" in grouping opts, expected label']],
  },
  { q: 'a[300]', ok: [target('2.54.0')], bad: [[target('2.53.4'), 'missing unit character in duration']] },
  { q: 'a offset 60', ok: [target('2.54.0')], bad: [[target('2.53.4'), 'unexpected number "60" in offset, expected duration']] },
  { q: 'time() - 1h', ok: [target('2.54.0')], bad: [[target('2.53.4'), 'unexpected duration "1h"']] },
  { q: '1_000_000', ok: [target('2.54.0')], bad: [[target('2.53.4'), 'bad number or duration syntax: "1"']] },
  {
    q: 'rate(a[5m+30s])',
    ok: [target('3.4.0', DUR), target('3.14.0')],
    bad: [
      [target('3.3.0', DUR), 'unexpected <op:+> in subquery or range, expected ":" or "]"'],
      [target('3.13.0'), 'experimental duration expression is not enabled'],
    ],
  },
  {
    q: 'a offset -(1h)',
    ok: [target('3.4.0', DUR), target('3.14.0')],
    bad: [
      [target('3.3.0', DUR), 'unexpected "(" in offset, expected duration'],
      [target('3.5.5'), 'experimental duration expression is not enabled'],
    ],
  },
  {
    q: 'a[5m:step()]',
    ok: [target('3.6.0', DUR), target('3.14.0')],
    bad: [[target('3.5.5', DUR), "unexpected colon 's'"]],
  },
  {
    q: 'a[range()]',
    ok: [target('3.10.0', DUR)],
    bad: [[target('3.9.0', DUR), "unexpected character in duration expression: 'r'"]],
  },
  {
    q: 'a[5m] anchored',
    ok: [target('3.7.0', 'promql-extended-range-selectors')],
    bad: [
      [target('3.6.0', 'promql-extended-range-selectors'), 'unexpected identifier "anchored"'],
      [target('3.7.0'), 'anchored modifier is experimental and not enabled'],
    ],
  },
  {
    q: 'a[5m] smoothed',
    ok: [target('3.14.0', 'promql-extended-range-selectors')],
    bad: [[target('3.14.0'), 'smoothed modifier is experimental and not enabled']],
  },
  {
    q: 'a + fill(0) b',
    ok: [target('3.10.0', 'promql-binop-fill-modifiers')],
    bad: [
      [target('3.9.0', 'promql-binop-fill-modifiers'), unknown('fill')],
      [target('3.10.0'), 'binop fill modifiers are experimental and not enabled'],
    ],
  },
  { q: 'a </ b', ok: [target('3.11.0')], bad: [[target('3.10.0'), 'unexpected <op:/>']] },
  // A duration is a number of seconds after @ from 2.54 (`number : NUMBER | DURATION`); real 3.5.3 accepts it.
  {
    q: 'foo @ 5m',
    ok: [target('2.54.0'), target('3.5.5')],
    bad: [[target('2.53.3'), 'unexpected duration "5m" in @, expected timestamp']],
  },
  // From 3.4 a zero duration parses (parseDuration no longer refuses it); ranges and subquery steps must be positive
  // (positive_duration_expr), offsets not: real 3.5.3 accepts `offset 0s` and refuses `up[0]`.
  { q: 'foo offset 0s', ok: [target('3.4.0'), target('3.5.5')], bad: [[target('3.3.0'), 'duration must be greater than 0']] },
  { q: 'up[0]', ok: [target('2.54.0'), target('3.3.0')], bad: [[target('3.4.0'), 'duration must be greater than 0']] },
  {
    q: 'up[1m:0s]',
    ok: [],
    bad: [
      [target('2.42.0'), 'duration must be greater than 0'],
      [target('3.5.5'), 'duration must be greater than 0'],
    ],
  },
];

const label = (t: PromqlTarget): string => `${t.version}${t.features.size ? ` (${[...t.features].join(', ')})` : ''}`;

describe('PromQL checker per Prometheus version', () => {
  for (const c of CASES) {
    describe(c.q, () => {
      for (const t of c.ok) it(`parses on ${label(t)}`, () => assert.equal(check(c.q, t), 'ok'));
      for (const [t, message] of c.bad) it(`fails on ${label(t)}: ${message}`, () => assert.equal(check(c.q, t), message));
    });
  }

  it('the default target is the pinned 3.5.5: holt_winters is unknown, histogram_avg known', () => {
    assert.equal(check('holt_winters(a[5m], 0.5, 0.5)', DEFAULT_TARGET), unknown('holt_winters'));
    assert.equal(check('histogram_avg(a)', DEFAULT_TARGET), 'ok');
  });

  it('type-checks the newer functions with their upstream signatures', () => {
    const t = target('3.14.0', EXP);
    assert.equal(check('max_of(a, 1)', t), 'expected type scalar in call to function "max_of", got instant vector');
    assert.equal(check('first_over_time(a)', t), 'expected type range vector in call to function "first_over_time", got instant vector');
    assert.equal(check('histogram_quantiles(a, "q", 0.5, 0.9)', t), 'ok');
    assert.equal(check('histogram_quantiles(a, "q")', t), 'expected at least 3 argument(s) in call to "histogram_quantiles", got 2');
  });

  it('every function row matches functions.go (types, variadic, return) and every upstream function has a row', () => {
    assert.deepEqual([...FUNCTIONS.keys()].sort(), Object.keys(UPSTREAM_FUNCTIONS).sort());
    for (const f of FUNCTIONS.values()) {
      const u = UPSTREAM_FUNCTIONS[f.name];
      assert.deepEqual([f.args, f.variadic, f.returns], [u.args, u.variadic, u.returns], f.name);
      assert.deepEqual([f.since, f.feature, f.stableSince, f.removedIn], [u.since, u.feature, u.stableSince, u.removedIn], f.name);
    }
  });
});
