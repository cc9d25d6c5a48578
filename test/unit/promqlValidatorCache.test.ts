// The document validator re-checks only the queries an edit changed: the others' problems are reused, shifted
// to where the query now is, and everything is checked again when the target or the metric knowledge changes.
import * as assert from 'node:assert/strict';
import type { PublishDiagnosticsParams } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { DEFAULT_TARGET, type PromqlTarget } from '../../src/server/promql/target';
import type { MetricLookup } from '../../src/server/promql/types';
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
});
