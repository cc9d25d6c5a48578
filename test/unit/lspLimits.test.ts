// The PromQL language server on very large input (issue 20): diagnostics capped per document and checked without
// blocking other requests, and signature help linear in nesting depth. Figures for the 5 MB case are printed by
// the bench; these tests hold the behaviour with sizes that keep the unit tier fast.
import * as assert from 'node:assert/strict';
import type { Diagnostic, Hover } from 'vscode-languageserver';
import { signatureHelp } from '../../src/server/promql/signature';
import { MAX_PROBLEMS } from '../../src/server/validator';
import { startHarness, until, type Harness } from '../fixtures/lspHarness';

/** `n` queries of one syntax error each, one per paragraph. */
const invalidQueries = (n: number): string => Array.from({ length: n }, (_, i) => `sum(m${i}{a=})`).join('\n\n');

describe('PromQL language server: large documents', function () {
  this.timeout(60000);
  let h: Harness;
  let n = 0;
  before(async () => {
    h = await startHarness(undefined);
  });
  after(() => h.stop());

  const text = (d: Diagnostic | undefined): string => (typeof d?.message === 'object' ? d.message.value : (d?.message ?? ''));
  const last = (uri: string): Diagnostic | undefined => h.diagnostics.get(uri)?.diagnostics.at(-1);

  it(`publishes at most ${MAX_PROBLEMS} problems per document, then one saying how many more`, async () => {
    const uri = `file:///limits/${n++}.promql`;
    await h.open(uri, invalidQueries(MAX_PROBLEMS + 500));
    const note = await until(() => (/not shown/.test(text(last(uri))) ? last(uri) : undefined), 30000);
    const diagnostics = h.diagnostics.get(uri)!.diagnostics;
    assert.equal(diagnostics.length, MAX_PROBLEMS + 1);
    assert.equal(text(note), `Only the first 1,000 problems of this document are shown; 500 more are not shown.`);
    assert.equal(note.code, 'too-many-problems');
    // Where the first problem not shown is: query 1,001, on line 2,000.
    assert.equal(note.range.start.line, MAX_PROBLEMS * 2);
    assert.ok(diagnostics.slice(0, -1).every((d) => d.code === 'syntax'));
  });

  it('answers a hover while a large document is still being checked', async () => {
    const uri = `file:///limits/${n++}.promql`;
    await h.open(uri, invalidQueries(20000));
    // The first publish comes once the cap is reached, long before the remaining queries are counted.
    const first = await until(() => h.diagnostics.get(uri), 30000);
    assert.equal(first.diagnostics.length, MAX_PROBLEMS + 1, 'the first publish is capped');
    assert.match(text(first.diagnostics.at(-1)), /still being counted/);
    const answer = (await h.client.sendRequest('textDocument/hover', {
      textDocument: { uri },
      position: { line: 0, character: 1 },
    })) as Hover | null;
    assert.match(JSON.stringify(answer?.contents), /sum/);
    assert.match(text(last(uri)), /still being counted/, 'the hover waited for the whole document to be checked');
    await until(() => (/19,000 more are not shown/.test(text(last(uri))) ? true : undefined), 30000);
  });

  it('stops checking an old version when the document changes', async () => {
    const uri = `file:///limits/${n++}.promql`;
    await h.open(uri, invalidQueries(20000));
    await until(() => h.diagnostics.get(uri), 30000);
    await h.client.sendNotification('textDocument/didChange', {
      textDocument: { uri, version: 2 },
      contentChanges: [{ text: 'sum(x{a=})' }],
    });
    const final = await until(() => (h.diagnostics.get(uri)?.version === 2 ? h.diagnostics.get(uri) : undefined), 30000);
    assert.equal(final.diagnostics.length, 1);
    // Nothing of version 1 arrives after version 2's answer.
    await h.client.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line: 0, character: 1 } });
    assert.equal(h.diagnostics.get(uri)?.version, 2);
  });
});

describe('PromQL signature help: nesting depth', function () {
  this.timeout(120000);

  /** Best of three, in ms: the least disturbed by other work on the machine. */
  const time = (doc: string): number => {
    let best = Infinity;
    for (let k = 0; k < 3; k++) {
      const t = process.hrtime.bigint();
      const sig = signatureHelp(doc, doc.length);
      best = Math.min(best, Number(process.hrtime.bigint() - t) / 1e6);
      assert.match(sig?.label ?? '', /^abs\(/, 'the call around all the plain parentheses');
    }
    return best;
  };

  it('costs under 30x the time for 10x the depth (was quadratic: 9 s at 100,000)', () => {
    // Plain parentheses inside one call on one line: every level is looked at, walking outward to `abs(`.
    const nested = (depth: number): string => `abs(${'('.repeat(depth)}`;
    time(nested(1000)); // warm-up, so the first measurement is not of the compiler
    const small = time(nested(10000));
    const large = time(nested(100000));
    assert.ok(large < 30 * Math.max(small, 1), `10,000 deep: ${small.toFixed(1)} ms, 100,000 deep: ${large.toFixed(1)} ms`);
  });
});
