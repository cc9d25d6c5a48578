// npm run bench (part 4): PromQL completion and diagnostics latency (p50/p99) with 10,000 metric names and a
// 2,184-line .promql document of 460 queries, and in the same run @prometheus-io/codemirror-promql's completion and
// linter on the same inputs (Node, @codemirror/state; its metric names come from an in-memory PrometheusClient, ours
// from an in-memory fetch: neither pays HTTP). Figures, not a gate. What each side does, row by row:
// - completion: OptiVolt's Completer.complete(text, offset) (the server's completion handler minus JSON-RPC) /
//   codemirror-promql's complete strategy on a CompletionContext over a fully parsed state: both return all items.
// - diagnostics, whole document: a document just opened, nothing cached (a new URI each run, closed afterwards).
//   OptiVolt: DocumentValidator.schedule (debounce 0: one setTimeout(0), ~1 ms, is counted) up to the published
//   LSP diagnostics (line/character ranges, the target's source label): split into queries, lex each with the port
//   of Prometheus' lexer, parse (fastParse for the common shapes, lezer-promql for the rest), Prometheus' reduce-time
//   and type checks, metric warnings. codemirror-promql: EditorState.create + ensureSyntaxTree (its lezer parse
//   of the whole text) + its linter (parse-error and type diagnostics). Its grammar reads one expression per editor,
//   so on a multi-query document it parses everything as one (broken) expression: the one-query row compares like
//   with like.
// - diagnostics, one character typed: OptiVolt re-checks only the query whose text changed (its per-document
//   cache) and publishes the whole document's diagnostics again; codemirror-promql applies one transaction,
//   finishes its incremental parse and lints.
// - diagnostics, one query per document: OptiVolt's analyzeQuery (the validator's per-query step: the problems of
//   one query with their offsets) / codemirror-promql's new state, parse and lint of that query alone.
// The diagnostics rows run both sides alternately on each input (timeBoth), so that load from elsewhere slows both alike.
import { EditorState } from '@codemirror/state';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { CompletionContext } from '@codemirror/autocomplete';
import { ensureSyntaxTree } from '@codemirror/language';
import { PromQLExtension, newCompleteStrategy } from '@prometheus-io/codemirror-promql';
import { newLintStrategy } from '@prometheus-io/codemirror-promql/dist/cjs/lint';
import type { FetchFn } from '../src/core/prometheus/fetchFn';
import { Completer } from '../src/server/promql/completion';
import { analyzeQuery } from '../src/server/promql/diagnostics';
import { MetricStore } from '../src/server/promql/metrics';
import { splitQueries } from '../src/shared/promqlDocument';
import { DocumentValidator } from '../src/server/validator';

const NAMES = Array.from(
  { length: 10000 },
  (_, i) => `app_${['http', 'db', 'queue', 'cache'][i % 4]}_metric_${i}_${i % 3 ? 'total' : 'bytes'}`,
);

/** ~2,100 lines: 460 commented queries of 3–4 lines each plus blank lines, built from the guide's shapes. */
function buildDocument(): string {
  const shapes = [
    (m: string) => `sum by (job) (\n  rate(${m}{job="api", instance=~"10\\\\.0\\\\..*"}[5m])\n)`,
    (m: string) => `topk(5,\n  scaph_process_power_consumption_microwatts{exe=~".*node.*"} / 1e6\n) > bool 0.5 * on(job) group_left ${m}`,
    (m: string) => `histogram_quantile(0.9,\n  sum by (le) (rate(${m}[5m] offset 1h))\n)`,
    (m: string) => `increase(scaph_host_energy_microjoules[5m]) / 1e6\n  + ignoring(instance) avg_over_time(${m}[1h:1m])`,
  ];
  const out: string[] = [];
  for (let i = 0; i < 460; i++) out.push(`# query ${i}\n${shapes[i % shapes.length](NAMES[(i * 37) % NAMES.length])}`);
  return out.join('\n\n');
}

function pct(times: number[], p: number): number {
  const s = [...times].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function timeEach<T>(inputs: T[], fn: (x: T) => unknown): Promise<number[]> {
  const t: number[] = [];
  for (const x of inputs) {
    const t0 = process.hrtime.bigint();
    await fn(x);
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return t;
}

/** Times `a` and `b` on each input in turn, so that whatever else the machine runs slows both alike. */
async function timeBoth<T>(inputs: T[], a: (x: T) => unknown, b: (x: T) => unknown): Promise<[number[], number[]]> {
  const ta: number[] = [];
  const tb: number[] = [];
  // A turn of the event loop before each run: V8's pending GC tasks for the garbage of the run before (the
  // other tool's) run there, not inside whichever run yields first.
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));
  for (const x of inputs) {
    await settle();
    ta.push(...(await timeEach([x], a)));
    await settle();
    tb.push(...(await timeEach([x], b)));
  }
  return [ta, tb];
}

const row = (label: string, ours: number[], theirs: number[]): string => {
  const [o50, o99, t50, t99] = [pct(ours, 50), pct(ours, 99), pct(theirs, 50), pct(theirs, 99)];
  return `${label.padEnd(44)} OptiVolt p50 ${o50.toFixed(3).padStart(8)} ms  p99 ${o99.toFixed(3).padStart(8)} ms | codemirror-promql p50 ${t50.toFixed(3).padStart(8)} ms  p99 ${t99.toFixed(3).padStart(8)} ms | OptiVolt/codemirror p50 ${(o50 / t50).toFixed(2)} p99 ${(o99 / t99).toFixed(2)}`;
};

async function main(): Promise<void> {
  const doc = buildDocument();
  const lines = doc.split('\n').length;
  console.log(
    `\nPromQL benchmark — Node ${process.version}: ${NAMES.length} metric names, ${lines}-line document of ${splitQueries(doc).length} queries`,
  );

  // OptiVolt: the server's own modules, names from an in-memory "Prometheus".
  const fakeFetch: FetchFn = async (url) => ({
    ok: true,
    status: 200,
    json: async () => ({
      status: 'success',
      data: url.includes('/metadata') ? {} : url.includes('__name__') ? NAMES : ['job', 'instance'],
    }),
  });
  const store = new MetricStore({ fetch: fakeFetch, ttlMs: 3_600_000 });
  store.setUrl('http://127.0.0.1:1');
  await store.refresh();
  const completer = new Completer(store);

  // codemirror-promql: the same names through its PrometheusClient interface.
  const client = {
    labelNames: async () => ['job', 'instance'],
    labelValues: async () => ['api'],
    metricMetadata: async () => ({}),
    series: async () => [],
    metricNames: async () => NAMES,
    flags: async () => ({}),
  };
  const cmComplete = newCompleteStrategy({ remote: client });
  const cmExt = new PromQLExtension().asExtension();
  const cmLint = newLintStrategy().promQL();
  // A state whose syntax tree covers the whole document: EditorState.create parses only within a small time
  // budget (an editor view would finish in the background); ensureSyntaxTree finishes the parse, and an empty
  // transaction moves that tree into the state, where codemirror-promql's completion and linter read it.
  const cmState = (text: string): EditorState => {
    const state = EditorState.create({ doc: text, extensions: cmExt });
    if (!ensureSyntaxTree(state, state.doc.length, 60000)) throw new Error('codemirror did not finish parsing');
    return state.update({}).state;
  };

  // Completion positions: end of a partial metric name, after `{`, after `(`, inside `[`.
  const positions: number[] = [];
  for (const m of doc.matchAll(/rate\(|\{job|\[5m|app_http_metric_\d/g)) {
    const at = m.index + (m[0].startsWith('{') ? 1 : m[0].startsWith('[') ? 1 : m[0].length);
    positions.push(at);
    if (positions.length >= 200) break;
  }
  // Warm both up (JIT, caches).
  await completer.complete(doc, positions[0]);
  const bigState = cmState(doc);
  await cmComplete.promQL(new CompletionContext(bigState, positions[0], true));

  let ourItems = 0;
  let theirItems = 0;
  const oursDoc = await timeEach(positions, async (p) => (ourItems += (await completer.complete(doc, p)).items.length));
  const theirsDoc = await timeEach(
    positions,
    async (p) => (theirItems += (await cmComplete.promQL(new CompletionContext(bigState, p, true)))?.options.length ?? 0),
  );
  console.log(
    `  items per position: OptiVolt ${(ourItems / positions.length).toFixed(0)}, codemirror-promql ${(theirItems / positions.length).toFixed(0)}`,
  );
  console.log(row(`completion, ${positions.length} positions in the document`, oursDoc, theirsDoc));

  const queries = splitQueries(doc).slice(0, 200);
  const single = queries.map((q) => ({ text: q.text, at: q.text.indexOf('(') + 1 }));
  const singleStates = single.map((s) => cmState(s.text));
  const oursOne = await timeEach(single, (s) => completer.complete(s.text, s.at));
  const theirsOne = await timeEach(
    single.map((s, i) => ({ s, st: singleStates[i] })),
    ({ s, st }) => cmComplete.promQL(new CompletionContext(st, s.at, true)),
  );
  console.log(row('completion, one query per document', oursOne, theirsOne));

  // The server's validator: `check` resolves when it publishes the document's diagnostics.
  const docs = new Map<string, TextDocument>();
  let published: (() => void) | undefined;
  const validator = new DocumentValidator(
    () => published?.(),
    store,
    (uri) => docs.get(uri),
    { debounceMs: 0 },
  );
  const check = (d: TextDocument): Promise<void> =>
    new Promise((resolve) => {
      docs.set(d.uri, d);
      published = resolve;
      validator.schedule(d);
    });

  // Diagnostics of a document just opened (nothing cached: a new document each time), 200 times each (with fewer
  // runs, p99 is only the slowest one)
  // (codemirror: new state + parse + lint).
  const runs = Array.from({ length: 200 }, (_, i) => i);
  // Warm both up (JIT) alike: a few whole checks each, on other documents.
  for (let i = 0; i < 5; i++) {
    await check(TextDocument.create(`file:///bench/warm-${i}.promql`, 'promql', 1, doc));
    validator.close(`file:///bench/warm-${i}.promql`);
    await cmLint({ state: cmState(doc) } as never);
  }
  const [oursLint, theirsLint] = await timeBoth(
    runs,
    // Closed after its diagnostics (its cache goes), as an editor closes documents: the heap stays an editor's.
    async (i) => {
      await check(TextDocument.create(`file:///bench/whole-${i}.promql`, 'promql', 1, doc));
      validator.close(`file:///bench/whole-${i}.promql`);
    },
    () => cmLint({ state: cmState(doc) } as never),
  );
  console.log(row(`diagnostics, whole ${lines}-line document`, oursLint, theirsLint));

  // One character typed into one query of the big document, 100 edits spread over the document: the time to
  // its diagnostics (codemirror: the transaction, the incremental parse, the lint).
  const edits = Array.from({ length: 100 }, (_, i) => {
    const q = splitQueries(doc)[(i * 97) % splitQueries(doc).length];
    return q.start + q.text.indexOf('(') + 1;
  });
  const typed = TextDocument.create('file:///bench/typing.promql', 'promql', 1, doc);
  await check(typed);
  let version = 1;
  const [oursEdit, theirsEdit] = await timeBoth(
    edits,
    (at) => {
      // Alternately type a character and take it back: the document stays the big one.
      const insert = version % 2 === 1;
      TextDocument.update(
        typed,
        [insert ? { range: { start: typed.positionAt(at), end: typed.positionAt(at) }, text: 'x' } : { text: doc }],
        ++version,
      );
      return check(typed);
    },
    (at) => {
      const state = bigState.update({ changes: { from: at, insert: 'x' } }).state;
      if (!ensureSyntaxTree(state, state.doc.length, 60000)) throw new Error('codemirror did not finish parsing');
      return cmLint({ state: state.update({}).state } as never);
    },
  );
  console.log(row(`diagnostics, one character typed (${lines} lines)`, oursEdit, theirsEdit));
  validator.dispose();
  const [oursLintOne, theirsLintOne] = await timeBoth(
    queries,
    (q) => analyzeQuery(q.text, store),
    (q) => cmLint({ state: cmState(q.text) } as never),
  );
  console.log(row('diagnostics, one query per document', oursLintOne, theirsLintOne));
}

void main();
