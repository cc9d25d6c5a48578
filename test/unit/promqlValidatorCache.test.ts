// The document validator re-checks only the queries an edit changed: the others' problems are reused, shifted
// to where the query now is, and everything is checked again when the target or the metric knowledge changes.
import * as assert from 'node:assert/strict';
import { DiagnosticSeverity, type PublishDiagnosticsParams } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_TARGET, type PromqlTarget } from '../../src/server/promql/target';
import type { MetricLookup } from '../../src/server/promql/types';
import { NOT_CHECKED_CODE } from '../../src/server/targetDiagnostics';
import { DocumentValidator } from '../../src/server/validator';

/** A lookup that records the metric names the checks ask about: which queries were analysed. */
function recordingLookup(): MetricLookup & { asked: Set<string> } {
  const asked = new Set<string>();
  return {
    asked,
    get: (name) => (asked.add(name), undefined),
    isUnknown: (name) => (asked.add(name), name.startsWith('unknown_')),
  };
}

/** Query i selects metric m<i>; every third one has a syntax error, every fifth an unknown metric. */
const query = (i: number): string => (i % 3 === 0 ? `sum(m${i}{a=})` : i % 5 === 0 ? `rate(unknown_m${i}[5m])` : `rate(m${i}[5m])`);
const documentText = (n: number, edit?: (i: number, q: string) => string): string =>
  Array.from({ length: n }, (_, i) => (edit ? edit(i, query(i)) : query(i))).join('\n\n');

/** A publish callback and the promise of its next call: the tests wait on the event, not on a poll. */
function publications(): { publish: (p: PublishDiagnosticsParams) => void; next: () => Promise<PublishDiagnosticsParams> } {
  const waiting: Array<(p: PublishDiagnosticsParams) => void> = [];
  return {
    publish: (p) => waiting.splice(0).forEach((w) => w(p)),
    next: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

describe('PromQL document validator: per-query cache', () => {
  let pub: ReturnType<typeof publications>;
  let docs: Map<string, TextDocument>;
  let lookup: ReturnType<typeof recordingLookup>;
  let target: PromqlTarget;
  let knowledge: number;
  let v: DocumentValidator;
  beforeEach(() => {
    pub = publications();
    docs = new Map();
    lookup = recordingLookup();
    target = DEFAULT_TARGET;
    knowledge = 0;
    v = new DocumentValidator(pub.publish, lookup, (uri) => docs.get(uri), {
      debounceMs: 0,
      target: () => target,
      knowledge: () => knowledge,
    });
  });
  afterEach(() => v.dispose());

  async function check(doc: TextDocument): Promise<PublishDiagnosticsParams> {
    docs.set(doc.uri, doc);
    const published = pub.next();
    v.schedule(doc);
    return published;
  }

  /** What a validator with nothing cached publishes for this text. */
  async function fresh(text: string): Promise<PublishDiagnosticsParams['diagnostics']> {
    const d = TextDocument.create('file:///fresh.promql', 'promql', 1, text);
    const own = publications();
    const other = new DocumentValidator(own.publish, recordingLookup(), () => d, { debounceMs: 0 });
    const published = own.next();
    other.schedule(d);
    const out = await published;
    other.dispose();
    return out.diagnostics;
  }

  it('analyses only the edited query, and publishes what a fresh check would', async () => {
    const doc = TextDocument.create('file:///c/1.promql', 'promql', 1, documentText(40));
    await check(doc);
    assert.ok(lookup.asked.has('m1') && lookup.asked.has('m38'), 'the first check asks about every query');
    lookup.asked.clear();
    // A line added to query 10: the queries after it move one line down.
    const edited = documentText(40, (i, q) => (i === 10 ? `# the tenth\n${q.replace('m10', 'm10x')}` : q));
    TextDocument.update(doc, [{ text: edited }], 2);
    const after = await check(doc);
    assert.deepEqual([...lookup.asked], ['unknown_m10x'], 'only the edited query is analysed again');
    assert.equal(after.version, 2);
    assert.deepEqual(after.diagnostics, await fresh(edited), 'same diagnostics, at the shifted positions');
  });

  it('checks everything again when the target, the metric knowledge, or revalidateAll says so', async () => {
    const doc = TextDocument.create('file:///c/2.promql', 'promql', 1, documentText(12));
    await check(doc);
    const all = new Set(lookup.asked);
    const again = async (change: () => void): Promise<void> => {
      lookup.asked.clear();
      change();
      await check(doc);
    };
    await again(() => undefined);
    assert.equal(lookup.asked.size, 0, 'unchanged: nothing analysed');
    await again(() => (target = { ...DEFAULT_TARGET, version: '3.7.0' }));
    assert.deepEqual(lookup.asked, all, 'a new target');
    await again(() => knowledge++);
    assert.deepEqual(lookup.asked, all, 'new metric knowledge');
    lookup.asked.clear();
    const published = pub.next();
    v.revalidateAll();
    await published;
    assert.deepEqual(lookup.asked, all, 'revalidateAll re-checks the open documents');
  });

  it('keeps the cap: the same capped answer from the cache', async () => {
    const capped = new DocumentValidator(pub.publish, lookup, (uri) => docs.get(uri), { debounceMs: 0, maxProblems: 5 });
    const doc = TextDocument.create('file:///c/3.promql', 'promql', 1, documentText(30));
    docs.set(doc.uri, doc);
    const run = async (): Promise<PublishDiagnosticsParams> => {
      const published = pub.next();
      capped.schedule(doc);
      return published;
    };
    const first = await run();
    TextDocument.update(doc, [{ text: doc.getText() }], 2);
    const second = await run();
    capped.dispose();
    assert.equal(first.diagnostics.length, 6);
    assert.match(String(first.diagnostics[5].message), /9 more are not shown/);
    assert.deepEqual(second.diagnostics, first.diagnostics);
  });

  it("against Prometheus: Prometheus' wording kept, the source names the version (VS Code shows it on hover)", async () => {
    target = { ...DEFAULT_TARGET, version: '3.5.3' };
    const out = await check(TextDocument.create('file:///c/4.promql', 'promql', 1, documentText(4)));
    assert.deepEqual(
      out.diagnostics.map((d) => [d.severity, d.source]),
      [
        [DiagnosticSeverity.Error, 'promql 3.5.3'],
        [DiagnosticSeverity.Error, 'promql 3.5.3'],
      ],
    );
    assert.match(String(out.diagnostics[0].message), /^unexpected "}" in label matching, expected string/);
  });

  it('against VictoriaMetrics or an unknown engine: no errors, warnings kept, one Information note first', async () => {
    target = { ...DEFAULT_TARGET, dialect: 'metricsql' };
    const out = await check(TextDocument.create('file:///c/5.promql', 'promql', 1, documentText(11)));
    assert.deepEqual(
      out.diagnostics.map((d) => [d.severity, d.code ?? d.message]),
      [
        [DiagnosticSeverity.Information, NOT_CHECKED_CODE],
        [DiagnosticSeverity.Warning, 'unknown-metric'],
        [DiagnosticSeverity.Warning, 'unknown-metric'],
      ],
    );
    assert.match(String(out.diagnostics[0].message), /this server is VictoriaMetrics \(MetricsQL\): its extensions are not checked/);
    target = { ...DEFAULT_TARGET, dialect: 'unknown', reason: 'it answers as Thanos' };
    const unknown = await check(TextDocument.create('file:///c/6.promql', 'promql', 1, documentText(3)));
    assert.deepEqual(
      unknown.diagnostics.map((d) => d.code),
      [NOT_CHECKED_CODE],
    );
    assert.match(String(unknown.diagnostics[0].message), /not recognisably Prometheus.*\(it answers as Thanos\)/);
    // A closed document is cleared, not told.
    const cleared = pub.next();
    v.close('file:///c/6.promql');
    assert.deepEqual((await cleared).diagnostics, []);
  });

  it('counts toward the cap only what is shown: errors a dialect does not report leave room for its warnings', async () => {
    target = { ...DEFAULT_TARGET, dialect: 'metricsql' };
    const capped = new DocumentValidator(pub.publish, lookup, (uri) => docs.get(uri), {
      debounceMs: 0,
      maxProblems: 3,
      target: () => target,
    });
    // 30 queries: 10 syntax errors (i % 3 == 0), 4 unknown metrics (i = 5, 10, 20, 25).
    const doc = TextDocument.create('file:///c/7.promql', 'promql', 1, documentText(30));
    docs.set(doc.uri, doc);
    const published = pub.next();
    capped.schedule(doc);
    const out = await published;
    capped.dispose();
    assert.deepEqual(
      out.diagnostics.map((d) => d.code),
      [NOT_CHECKED_CODE, 'unknown-metric', 'unknown-metric', 'unknown-metric', 'too-many-problems'],
    );
    assert.match(String(out.diagnostics[4].message), /first 3 problems of this document are shown; 1 more are not shown/);
  });
});
