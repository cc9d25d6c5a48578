// The language server's PromQL errors against a real Prometheus (Debian's 2.42 binary): for every query of the
// corpus, Prometheus' /api/v1/query either accepts it or answers bad_data with `line:col: parse error: ...`;
// the server must find an error exactly when Prometheus does, and at the same line:col.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeQuery, prometheusPosition } from '../../src/server/promql/diagnostics';
import { AGGREGATIONS, FUNCTIONS } from '../../src/server/promql/functions';
import { readCorpus } from './promqlCorpus';
import { prometheus242, PrometheusProcess } from './prometheusProcess';

/**
 * Queries whose error position may differ from Prometheus', each with the reason. Empty: every position is
 * exact. An entry here must still disagree, or the test fails (no stale exceptions).
 */
const KNOWN_POSITION_EXCEPTIONS: ReadonlyMap<string, string> = new Map([]);

interface Verdict {
  readonly query: string;
  readonly prometheus: string | undefined;
  readonly prometheusMessage: string;
  readonly ours: string | undefined;
  readonly ourMessage: string;
}

describe('PromQL diagnostics agree with a real Prometheus 2.42 parser', function () {
  this.timeout(120000);
  const corpus = readCorpus();
  let prom: PrometheusProcess;

  before(async () => {
    prom = await PrometheusProcess.startWithConfig({ global: { evaluation_interval: '1m' } }, fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-promql-')), true, undefined, prometheus242());
  });
  after(async () => prom?.stop());

  async function prometheusVerdict(query: string): Promise<{ position?: string; message: string }> {
    const res = await fetch(`${prom.url}/api/v1/query`, { method: 'POST', body: new URLSearchParams({ query, time: '1700000000' }) });
    const body = (await res.json()) as { status: string; errorType?: string; error?: string };
    // Only the parser's verdict counts: an evaluation error (errorType "execution") means the query parsed.
    if (body.status !== 'error' || body.errorType !== 'bad_data') return { message: '' };
    const m = /^invalid parameter "query": (\d+:\d+): parse error: (.*)$/s.exec(body.error ?? '');
    assert.ok(m, `unexpected bad_data answer for ${JSON.stringify(query)}: ${body.error}`);
    return { position: m[1], message: m[2] };
  }

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

  async function compare(queries: readonly string[]): Promise<Verdict[]> {
    const verdicts: Verdict[] = [];
    for (const query of queries) {
      const p = await prometheusVerdict(query);
      const error = analyzeQuery(query).find((x) => x.severity === 'error');
      verdicts.push({
        query,
        prometheus: p.position,
        prometheusMessage: p.message,
        ours: error && prometheusPosition(query, error.from),
        ourMessage: error?.message ?? '',
      });
    }
    return verdicts;
  }

  const show = (v: Verdict): string =>
    `${JSON.stringify(v.query)}: Prometheus ${v.prometheus ?? 'accepts'} ${v.prometheusMessage} / ours ${v.ours ?? 'accepts'} ${v.ourMessage}`;

  it('finds an error exactly where Prometheus does, and none where it accepts the query', async () => {
    const verdicts = await compare(corpus);
    const invalid = verdicts.filter((v) => v.prometheus);
    const verdictMismatch = verdicts.filter((v) => !v.prometheus !== !v.ours);
    const positionMismatch = invalid.filter((v) => v.ours && v.ours !== v.prometheus);
    const unexplained = positionMismatch.filter((v) => !KNOWN_POSITION_EXCEPTIONS.has(v.query));
    const stale = [...KNOWN_POSITION_EXCEPTIONS.keys()].filter((q) => !positionMismatch.some((v) => v.query === q));
    const exact = invalid.length - positionMismatch.length;
    // Messages are Prometheus-like, not asserted identical (Prometheus' own wording is sometimes internal).
    const sameMessage = invalid.filter((v) => v.ourMessage === v.prometheusMessage).length;
    console.log(
      `      corpus ${verdicts.length} queries (${invalid.length} invalid, ${verdicts.length - invalid.length} valid); ` +
        `verdict agreement ${verdicts.length - verdictMismatch.length}/${verdicts.length}; ` +
        `position agreement ${exact}/${invalid.length}; listed exceptions ${KNOWN_POSITION_EXCEPTIONS.size}; ` +
        `identical messages ${sameMessage}/${invalid.length}`,
    );
    assert.deepEqual(verdictMismatch.map(show), [], 'valid/invalid verdicts differ');
    assert.deepEqual(unexplained.map(show), [], 'error positions differ');
    assert.deepEqual(stale, [], 'listed exceptions that now agree: remove them');
  });

  it('agrees on 2,000 corpus queries mutated from a fixed seed (multi-error and broken inputs)', async () => {
    const mutated = mutateCorpus(corpus.filter((q) => q.length < 2000), 2000, 0x5eed);
    const verdicts = await compare(mutated);
    const differ = verdicts.filter((v) => v.prometheus !== v.ours);
    const invalid = verdicts.filter((v) => v.prometheus).length;
    console.log(`      ${verdicts.length} mutated queries (${invalid} invalid): ${verdicts.length - differ.length} agree on verdict and position`);
    assert.deepEqual(differ.map(show), []);
  });
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
