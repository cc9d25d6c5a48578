// The fast parser (src/server/promql/fastParse.ts) against lezer-promql: wherever it answers, lezer's strict parse
// must accept the query too and AstBuilder must build the very same tree, on every query of the corpora (Prometheus'
// own parser tests of each release tag, the agreement corpus) and on each of them with one token deleted or doubled,
// for old and new targets. Where it does not answer, the query takes the lezer path unchanged.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { AstBuilder } from '../../src/server/promql/ast';
import { fastParse } from '../../src/server/promql/fastParse';
import { lex } from '../../src/server/promql/lexer';
import { parseStrict } from '../../src/server/promql/promqlParsers';
import { lexOptions } from '../../src/server/promql/checkerBase';
import { analyzeSyntax } from '../../src/server/promql/syntax';
import type { PromqlTarget } from '../../src/server/promql/target';
import { lezerText, tooComplex } from '../../src/server/promql/tokenStream';
import { PROMQL_FEATURES } from '../../src/shared/promqlTarget';
import { readFullCorpus } from '../stack/promqlCorpus';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/promql-upstream');

function upstreamQueries(): string[] {
  const out: string[] = [];
  for (const f of fs.readdirSync(FIXTURES).filter((n) => n.endsWith('.json'))) {
    const tag = JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8')) as { sources: { cases: { query: string }[] }[] };
    for (const s of tag.sources) for (const c of s.cases) out.push(c.query);
  }
  return out;
}

const target = (version: string, all = false): PromqlTarget => ({
  dialect: 'prometheus',
  version,
  features: new Set(all ? PROMQL_FEATURES : []),
  reason: 'test',
});
const TARGETS = [target('2.42.0'), target('2.53.0'), target('3.5.0'), target('3.5.0', true), target('3.14.0', true)];

/** The tree lezer's path builds, or 'rejected' when its strict parse fails; undefined when the fast path does not answer. */
function bothTrees(query: string, t: PromqlTarget): { fast: unknown; lezer: unknown } | undefined {
  const { tokens, error } = lex(query, lexOptions(t));
  if (error || tooComplex(tokens)) return undefined;
  const fast = fastParse(tokens);
  if (!fast) return undefined;
  const { tree } = parseStrict(lezerText(query, tokens));
  return { fast, lezer: tree ? new AstBuilder(query).build(tree.topNode) : 'rejected' };
}

/** Each query with one of its tokens cut out, or doubled: near misses the fast path must not accept unless lezer does. */
function withOneTokenChanged(queries: readonly string[], change: 'deleted' | 'doubled'): string[] {
  const out: string[] = [];
  for (const q of queries) {
    const { tokens } = lex(q, {});
    for (const t of tokens) {
      if (t.type === 'EOF') continue;
      const text = q.slice(t.start, t.end);
      out.push(q.slice(0, t.start) + (change === 'doubled' ? `${text} ${text}` : '') + q.slice(t.end));
    }
  }
  return out;
}

describe('PromQL fast parser: the same trees as lezer-promql, or no answer', () => {
  const base = [...new Set([...upstreamQueries(), ...readFullCorpus()])];
  const known = new Set(base);
  const deleted = [...new Set(withOneTokenChanged(base, 'deleted'))].filter((q) => !known.has(q));
  const doubled = [...new Set(withOneTokenChanged(base, 'doubled'))].filter((q) => !known.has(q));

  // Most real queries take the fast path; most near misses do not parse at all. The near misses are read by the
  // oldest and the newest lexer only (the others lie between): 300,000 checks would take half a minute.
  const ends = [TARGETS[0], TARGETS[TARGETS.length - 1]];
  for (const [name, queries, targets, share] of [
    ['the corpora', base, TARGETS, 0.5],
    ['the corpora with one token deleted', deleted, ends, 0.05],
    ['the corpora with one token doubled', doubled, ends, 0.005],
  ] as const) {
    it(`${name}: every query the fast path reads, lezer reads to the same tree`, function () {
      this.timeout(120000);
      let answered = 0;
      let checks = 0;
      for (const t of targets) {
        for (const q of queries) {
          checks++;
          const both = bothTrees(q, t);
          if (!both) continue;
          answered++;
          assert.deepStrictEqual(both.fast, both.lezer, `${JSON.stringify(q)} for ${t.version}${t.features.size ? ' +features' : ''}`);
        }
      }
      console.log(`      ${queries.length} queries × ${targets.length} targets: the fast path read ${answered} of ${checks}`);
      // Not a vacuous test: the fast path must take its share.
      assert.ok(answered > checks * share, `fast path answered only ${answered} of ${checks}`);
    });
  }

  it('the queries of the benchmark document take the fast path, and a query it cannot read still gets its error', () => {
    const shapes = [
      'sum by (job) (\n  rate(app_http_metric_1_total{job="api", instance=~"10\\\\.0\\\\..*"}[5m])\n)',
      'topk(5,\n  scaph_process_power_consumption_microwatts{exe=~".*node.*"} / 1e6\n) > bool 0.5 * on(job) group_left app_db_metric_2_total',
      'histogram_quantile(0.9,\n  sum by (le) (rate(app_queue_metric_3_bytes[5m] offset 1h))\n)',
      'increase(scaph_host_energy_microjoules[5m]) / 1e6\n  + ignoring(instance) avg_over_time(app_cache_metric_4_total[1h:1m])',
    ];
    for (const q of shapes) {
      const both = bothTrees(`# a comment\n${q}`, TARGETS[2]);
      assert.ok(both, q);
      assert.deepStrictEqual(both.fast, both.lezer);
    }
    // A trailing comma: the fast path leaves it to lezer's path, which reports Prometheus' own error.
    assert.equal(fastParse(lex('rate(x[5m],)', {}).tokens), undefined);
    assert.equal(analyzeSyntax('rate(x[5m],)').error?.message, 'trailing commas not allowed in function call args');
  });

  it('a # comment between an operand and its operator is no operator, on either path', () => {
    // A quoted metric name sends the first query to lezer; the second takes the fast path.
    for (const q of ['{"foo"} # note\nand 1', 'foo # note\nand 1']) {
      assert.equal(analyzeSyntax(q).error?.message, 'set operator "and" not allowed in binary scalar expression', q);
    }
    assert.equal(fastParse(lex('{"foo"} # note\nand 1', {}).tokens), undefined);
  });
});
