// The language server's PromQL errors against real Prometheus binaries. For every query of the corpus, Prometheus'
// /api/v1/query either accepts it or answers bad_data with `line:col: parse error: ...`; the checker, told the
// binary's version and feature flags, must find an error exactly when Prometheus does, and at the same line:col.
// Debian's 2.42 (the version the checker was ported from) must agree on every query; the other binaries and flag
// sets report their figure and every disagreement, and hold a floor.
import { strict as assert } from 'node:assert';
import { AGGREGATIONS, FUNCTIONS } from '../../src/server/promql/functions';
import { PromqlFeature } from '../../src/shared/promqlTarget';
import { readCorpus, readFullCorpus } from './promqlCorpus';
import { agrees, PromqlOracle, show } from './promqlOracle';
import { prometheus242, prometheus253 } from './prometheusProcess';

/**
 * Queries whose error position may differ from Prometheus', each with the reason. Empty: every position is
 * exact. An entry here must still disagree, or the test fails (no stale exceptions).
 */
const KNOWN_POSITION_EXCEPTIONS: ReadonlyMap<string, string> = new Map();

describe('PromQL diagnostics agree with a real Prometheus 2.42 parser', function () {
  this.timeout(120000);
  const corpus = readFullCorpus();
  let oracle: PromqlOracle;

  before(async () => {
    oracle = await PromqlOracle.start(prometheus242());
  });
  after(async () => oracle?.stop());

  it('covers every function, aggregation, operator and modifier, with at least 300 queries', () => {
    assert.ok(corpus.length >= 300, `corpus has ${corpus.length} queries`);
    const all = corpus.join('\n');
    for (const f of FUNCTIONS.values()) assert.ok(all.includes(`${f.name}(`), `corpus lacks ${f.name}()`);
    for (const a of AGGREGATIONS.keys()) assert.ok(new RegExp(`\\b${a}\\b`).test(all), `corpus lacks ${a}`);
    for (const word of ['offset', '@', 'start()', 'end()', 'bool', 'on(', 'ignoring(', 'group_left', 'group_right', 'without', 'by (', '#', '`']) {
      assert.ok(all.includes(word), `corpus lacks ${word}`);
    }
    for (const op of ['+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', '<=', ' and ', ' or ', ' unless ', ' atan2 ']) {
      assert.ok(all.includes(op), `corpus lacks ${op}`);
    }
  });

  it('finds an error exactly where Prometheus does, and none where it accepts the query', async () => {
    const verdicts = await oracle.compare(corpus);
    const invalid = verdicts.filter((v) => v.prometheus);
    const verdictMismatch = verdicts.filter((v) => !v.prometheus !== !v.ours);
    const positionMismatch = invalid.filter((v) => v.ours && !agrees(v));
    const unexplained = positionMismatch.filter((v) => !KNOWN_POSITION_EXCEPTIONS.has(v.query));
    const stale = [...KNOWN_POSITION_EXCEPTIONS.keys()].filter((q) => !positionMismatch.some((v) => v.query === q));
    const exact = invalid.length - positionMismatch.length;
    // Messages are Prometheus-like, not asserted identical (Prometheus' own wording is sometimes internal).
    const sameMessage = invalid.filter((v) => v.ourMessage === v.prometheusMessage).length;
    console.log(
      `      ${oracle.name}: corpus ${verdicts.length} queries (${invalid.length} invalid, ${verdicts.length - invalid.length} valid); ` +
        `verdict agreement ${verdicts.length - verdictMismatch.length}/${verdicts.length}; ` +
        `position agreement ${exact}/${invalid.length}; listed exceptions ${KNOWN_POSITION_EXCEPTIONS.size}; ` +
        `identical messages ${sameMessage}/${invalid.length}`,
    );
    assert.deepEqual(verdictMismatch.map(show), [], 'valid/invalid verdicts differ');
    assert.deepEqual(unexplained.map(show), [], 'error positions differ');
    assert.deepEqual(stale, [], 'listed exceptions that now agree: remove them');
  });

  it('agrees on 2,000 corpus queries mutated from a fixed seed (multi-error and broken inputs)', async () => {
    // The first corpus file only: the seeded sample stays the one measured before promql-corpus-newer.txt existed.
    const mutated = mutateCorpus(readCorpus().filter((q) => q.length < 2000), 2000, 0x5eed);
    const verdicts = await oracle.compare(mutated);
    const differ = verdicts.filter((v) => !agrees(v));
    const invalid = verdicts.filter((v) => v.prometheus).length;
    console.log(`      ${verdicts.length} mutated queries (${invalid} invalid): ${verdicts.length - differ.length} agree on verdict and position`);
    assert.deepEqual(differ.map(show), []);
  });
});

/**
 * The other real parsers: Debian trixie's 2.53 and sid's 3.5 (PROMETHEUS_BIN), each plain and with the PromQL
 * feature flags that version knows (cmd/prometheus/main.go: promql-experimental-functions from 2.49,
 * promql-duration-expr from 3.4; promql-extended-range-selectors and promql-binop-fill-modifiers come after 3.5).
 * `floor`: corpus queries on which the checker agrees (verdict, and position when both reject), measured with the
 * checker as committed; the test says when a figure exceeds its floor, so that it can be raised.
 */
const ORACLES: readonly { readonly id: string; readonly bin: () => string; readonly features: readonly PromqlFeature[]; readonly floor: number }[] = [
  { id: '2.53', bin: prometheus253, features: [], floor: 935 },
  { id: '2.53 experimental', bin: prometheus253, features: ['promql-experimental-functions'], floor: 935 },
  { id: '3.5', bin: prometheus35, features: [], floor: 935 },
  { id: '3.5 experimental', bin: prometheus35, features: ['promql-experimental-functions'], floor: 935 },
  { id: '3.5 duration-expr', bin: prometheus35, features: ['promql-duration-expr'], floor: 935 },
  { id: '3.5 experimental duration-expr', bin: prometheus35, features: ['promql-experimental-functions', 'promql-duration-expr'], floor: 935 },
];

function prometheus35(): string {
  const bin = process.env.PROMETHEUS_BIN;
  if (!bin) throw new Error('PROMETHEUS_BIN is not set (run through test/harness/runTier.js stack)');
  return bin;
}

describe('PromQL diagnostics against each real Prometheus version and feature set', function () {
  this.timeout(120000);
  const corpus = readFullCorpus();
  const figures: string[] = [];
  after(() => console.log(`      agreement per version:\n${figures.map((f) => `        ${f}`).join('\n')}`));

  for (const spec of ORACLES) {
    it(`${spec.id}: agrees on at least ${spec.floor} of the corpus' ${corpus.length} queries, printing every disagreement`, async () => {
      const oracle = await PromqlOracle.start(spec.bin(), spec.features);
      try {
        const verdicts = await oracle.compare(corpus);
        const rejected = verdicts.filter((v) => v.prometheus).length;
        const sameVerdict = verdicts.filter((v) => !v.prometheus === !v.ours).length;
        const differ = verdicts.filter((v) => !agrees(v));
        const agree = verdicts.length - differ.length;
        const figure =
          `${oracle.name}: ${agree}/${verdicts.length} agree (same verdict ${sameVerdict}/${verdicts.length}; ` +
          `${rejected} rejected by Prometheus)${agree > spec.floor ? `; above its floor ${spec.floor}: raise it` : ''}`;
        figures.push(figure);
        console.log(`      ${figure}`);
        for (const v of differ) console.log(`        ${show(v)}`);
        assert.ok(agree >= spec.floor, `${oracle.name}: ${agree} agree, floor ${spec.floor}`);
      } finally {
        await oracle.stop();
      }
    });
  }
});

/** Deterministic edits of corpus queries: insertions of PromQL fragments, deletions, duplications, replacements. */
function mutateCorpus(corpus: readonly string[], count: number, seed: number): string[] {
  let a = seed >>> 0;
  const random = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number): number => Math.floor(random() * n);
  const pieces = ['(', ')', '[', ']', '{', '}', ',', '"', "'", '`', '\\', '#', '\n', ':', '=', '~', '!', '@', ' ', 'é', 'by', 'offset', ' offset 5m', '[5m]', '[5m:]', ' @ 1', '-', '+', '*', ' and ', ' bool ', 'on(a)', 'group_left', '5m', '1', 'foo', 'sum', 'rate', '.', '0x', 'e'];
  const out: string[] = [];
  for (let n = 0; n < count; n++) {
    let q = corpus[int(corpus.length)];
    for (let edits = 1 + int(3); edits > 0; edits--) {
      const at = int(q.length + 1);
      const kind = int(4);
      if (kind === 0) q = q.slice(0, at) + pieces[int(pieces.length)] + q.slice(at);
      else if (kind === 1) q = q.slice(0, at) + q.slice(at + 1 + int(3));
      else if (kind === 2) {
        const from = int(q.length + 1);
        q = q.slice(0, at) + q.slice(from, from + int(15)) + q.slice(at);
      } else q = q.slice(0, at) + pieces[int(pieces.length)] + q.slice(at + 1);
    }
    out.push(q);
  }
  return out;
}
