// Context-aware completion for PromQL. The cursor's lexical context (src/server/promql/context.ts) decides
// what may come next; the items come from the function table, the metric catalogue merged with the live
// server, and the live labels of the metric at the cursor. Nothing is offered where it cannot fit: no
// metrics inside a duration, no operators where an operand is expected, nothing in a comment.
import { parser, type SyntaxNode } from './lezerPromql';
import { CompletionItemKind, InsertTextFormat, MarkupKind, type CompletionItem } from 'vscode-languageserver';
import { queryAt, splitQueries } from '../../shared/promqlDocument';
import { callNameBefore, scanTo, tokenBefore, wordBeforeBracket, wordStart } from './context';
import { AGGREGATIONS, FUNCTIONS } from './functions';
import { KEYWORD_DOCS, functionSignature, metricMarkdown } from './docs';
import type { MetricStore } from './metrics';
import type { FunctionSpec, MetricInfo, ValueType } from './types';
import { availability, describeGate } from './gates';
import { DEFAULT_TARGET, type PromqlTarget } from './target';

export type CompletionContext =
  | { kind: 'none' }
  | { kind: 'expression'; from: number; expect?: ValueType; inFunction?: string }
  | { kind: 'operator'; from: number; afterAggregation: boolean }
  | { kind: 'aggregation-modifier'; from: number }
  | { kind: 'label-name'; from: number; metric?: string }
  | { kind: 'label-value'; from: number; label: string; metric?: string; quoted: boolean }
  | { kind: 'grouping-label'; from: number; metric?: string }
  | { kind: 'duration'; from: number; subqueryStep: boolean }
  | { kind: 'at-modifier'; from: number };

const BINARY_KEYWORDS = new Set(['and', 'or', 'unless', 'atan2', 'bool']);
const MATCHING = new Set(['on', 'ignoring', 'group_left', 'group_right']);
const OPERAND_BEFORE = new Set(['(', ',', '+', '-', '*', '/', '%', '^', '==', '!=', '>', '<', '>=', '<=']);

/** Decides what fits at `pos` in a single query's text (offsets relative to that text). */
export function completionContext(text: string, pos: number): CompletionContext {
  const lex = scanTo(text, pos);
  if (lex.inComment) return { kind: 'none' };
  const top = lex.stack[lex.stack.length - 1];
  if (lex.string) {
    if (top?.ch !== '{') return { kind: 'none' };
    const m = matcherSegment(text, top.pos + 1, lex.string.contentStart - 1);
    if (!m?.label) return { kind: 'none' };
    return { kind: 'label-value', from: lex.string.contentStart, label: m.label, metric: metricBefore(text, top.pos), quoted: true };
  }
  const from = wordStart(text, pos);
  if (top?.ch === '{') {
    const m = matcherSegment(text, top.pos + 1, from);
    const metric = metricBefore(text, top.pos);
    if (m?.label) return { kind: 'label-value', from, label: m.label, metric, quoted: false };
    if (m && !m.label && m.rest.trim() === '') return { kind: 'label-name', from, metric };
    return { kind: 'none' };
  }
  if (top?.ch === '[') {
    // Durations have no colons (metric names do): `[5m:1` is a subquery step being typed.
    let d = pos;
    while (d > 0 && /[A-Za-z0-9]/.test(text[d - 1])) d--;
    return { kind: 'duration', from: d, subqueryStep: text.lastIndexOf(':', d - 1) > top.pos };
  }
  const word = text.slice(from, pos);
  if (/^[0-9]/.test(word)) return { kind: 'none' };
  if (top?.ch === '(') {
    const kw = wordBeforeBracket(text, top.pos);
    if (kw && /^(by|without|on|ignoring|group_left|group_right)$/i.test(kw.text)) {
      return { kind: 'grouping-label', from, metric: firstMetricAround(text, top.pos) };
    }
  }
  const prev = tokenBefore(text, from);
  if (!prev) return { kind: 'expression', from, ...argExpectation(text, top) };
  const p = prev.text.toLowerCase();
  if (p === 'offset') return { kind: 'duration', from, subqueryStep: false };
  if (p === '@') return { kind: 'at-modifier', from };
  if (AGGREGATIONS.has(p)) return { kind: 'aggregation-modifier', from };
  if (OPERAND_BEFORE.has(p) || BINARY_KEYWORDS.has(p)) return { kind: 'expression', from, ...argExpectation(text, top) };
  if (p === ')') {
    const opener = matchingOpen(text, prev.start);
    const before = opener === undefined ? undefined : wordBeforeBracket(text, opener);
    if (before && MATCHING.has(before.text.toLowerCase())) return { kind: 'expression', from };
    if (before && /^(by|without)$/i.test(before.text)) return { kind: 'none' }; // `sum by (x) |` wants "("
    const agg = opener === undefined ? undefined : callNameBefore(text, opener);
    return { kind: 'operator', from, afterAggregation: !!agg && AGGREGATIONS.has(agg.name.toLowerCase()) };
  }
  if (/^[A-Za-z_:0-9\]}"'`]/.test(p) || p.endsWith(']') || p === '}') return { kind: 'operator', from, afterAggregation: false };
  return { kind: 'none' };
}

/** For the argument at the cursor, the type the enclosing function or aggregation expects there. */
function argExpectation(
  text: string,
  top: { ch: string; pos: number; commas: number } | undefined,
): { expect?: ValueType; inFunction?: string } {
  if (top?.ch !== '(') return {};
  const call = callNameBefore(text, top.pos);
  if (!call) return {};
  const name = call.name.toLowerCase();
  const fn = FUNCTIONS.get(name);
  if (fn) return { expect: argType(fn, top.commas), inFunction: fn.name };
  const agg = AGGREGATIONS.get(name);
  if (agg) return { expect: agg.param && top.commas === 0 ? agg.param : 'vector', inFunction: agg.name };
  return {};
}

export function argType(fn: FunctionSpec, index: number): ValueType | undefined {
  if (index < fn.args.length) return fn.args[index];
  return fn.variadic === -1 ? fn.args[fn.args.length - 1] : undefined;
}

function matchingOpen(text: string, closePos: number): number | undefined {
  let depth = 0;
  for (let i = closePos; i >= 0; i--) {
    const c = text[i];
    if (c === ')') depth++;
    else if (c === '(' && --depth === 0) return i;
  }
  return undefined;
}

/** The label matcher being typed between `start` and `end` (after the last top-level comma). */
function matcherSegment(text: string, start: number, end: number): { label?: string; rest: string } | undefined {
  let segStart = start;
  let quote: string | undefined;
  for (let i = start; i < end; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === ',') segStart = i + 1;
  }
  const seg = text.slice(segStart, end);
  const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*$/.exec(seg);
  if (m) return { label: m[1], rest: '' };
  if (/^\s*$/.test(seg)) return { rest: '' };
  return undefined;
}

/** The metric name right before a `{`, if any (not a keyword). */
function metricBefore(text: string, bracePos: number): string | undefined {
  const t = tokenBefore(text, bracePos);
  return t && /^[A-Za-z_:][A-Za-z0-9_:]*$/.test(t.text) && t.start + t.text.length === trimEnd(text, bracePos) ? t.text : undefined;
}

function trimEnd(text: string, pos: number): number {
  let e = pos;
  while (e > 0 && /\s/.test(text[e - 1])) e--;
  return e;
}

/** For `by (`/`on (`: the first metric of the enclosing aggregation or binary expression, from the parse tree. */
function firstMetricAround(text: string, pos: number): string | undefined {
  const tree = parser.parse(text);
  let node: SyntaxNode | null = tree.resolveInner(pos, 1);
  while (node && node.name !== 'AggregateExpr' && node.name !== 'BinaryExpr') node = node.parent;
  if (!node) return undefined;
  const cursor = node.cursor();
  do {
    if (cursor.name === 'Identifier' && cursor.node.parent?.name === 'VectorSelector') return text.slice(cursor.from, cursor.to);
  } while (cursor.next() && cursor.from < node.to);
  return undefined;
}

// ---- items ----

const DURATIONS: ReadonlyArray<readonly [string, string]> = [
  ['1m', 'one minute'],
  ['5m', 'five minutes: a good rate() window for a 15 s scrape interval (≥ 4 scrapes)'],
  ['15m', 'fifteen minutes'],
  ['30m', 'thirty minutes'],
  ['1h', 'one hour'],
  ['6h', 'six hours'],
  ['1d', 'one day'],
  ['1w', 'one week'],
];
const STEPS: ReadonlyArray<readonly [string, string]> = [
  ['15s', 'one scrape interval of the OptiVolt stack'],
  ['30s', 'thirty seconds'],
  ['1m', 'one minute'],
  ['5m', 'five minutes'],
];

const BINARY_OPS: ReadonlyArray<readonly [string, string]> = [
  ['+', 'addition'],
  ['-', 'subtraction'],
  ['*', 'multiplication'],
  ['/', 'division'],
  ['%', 'modulo'],
  ['^', 'power'],
  ['==', 'equal (filter, or 0/1 with bool)'],
  ['!=', 'not equal'],
  ['>', 'greater than'],
  ['<', 'less than'],
  ['>=', 'greater or equal'],
  ['<=', 'less or equal'],
  ['and', 'intersection: left-hand series that have a match on the right'],
  ['or', 'union: left-hand series, plus right-hand series without a match on the left'],
  ['unless', 'complement: left-hand series without a match on the right'],
  ['atan2', 'arc tangent of left / right, in radians'],
];

const RATE_LIKE = new Set(['rate', 'irate', 'increase', 'resets']);
const GAUGE_LIKE = new Set([
  'delta',
  'idelta',
  'deriv',
  'predict_linear',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'quantile_over_time',
  'changes',
]);

/** Function items the target accepts: too new, removed or not-enabled functions are not offered (Prometheus refuses them). */
export function functionItems(
  functions: ReadonlyMap<string, FunctionSpec>,
  target: PromqlTarget,
): ReadonlyArray<{ returns: ValueType; item: CompletionItem }> {
  return [...functions.values()]
    .filter((fn) => availability(fn, target).ok)
    .map((fn) => {
      const gate = describeGate(fn);
      return {
        returns: fn.returns,
        item: {
          label: fn.name,
          kind: CompletionItemKind.Function,
          detail: functionSignature(fn),
          documentation: { kind: MarkupKind.Markdown, value: gate ? `${fn.doc}\n\n_${gate}_` : fn.doc },
          insertText: `${fn.name}($0)`,
          insertTextFormat: InsertTextFormat.Snippet,
          sortText: `5${fn.name}`,
        },
      };
    });
}

const AGGREGATION_ITEMS: readonly CompletionItem[] = [...AGGREGATIONS.values()].map((agg) => ({
  label: agg.name,
  kind: CompletionItemKind.Operator,
  detail: agg.param ? `${agg.name}(${agg.paramName ?? 'parameter'}, v) aggregation` : `${agg.name}(v) aggregation`,
  documentation: { kind: MarkupKind.Markdown, value: agg.doc },
  insertText: `${agg.name}($0)`,
  insertTextFormat: InsertTextFormat.Snippet,
  sortText: `6${agg.name}`,
}));

export class Completer {
  private readonly operandLists = new Map<string, { metrics: CompletionItem[]; items: CompletionItem[] }>();
  private metricItems: { version: readonly MetricInfo[]; items: CompletionItem[]; byType: Map<string, CompletionItem[]> } | undefined;
  /** Function items for one target object: rebuilt (and the operand lists dropped) when the target changes. */
  private functionList: { target: PromqlTarget; items: ReturnType<typeof functionItems> } | undefined;

  /**
   * `target`: the PromQL the configured Prometheus accepts (read on every request, so a newly detected one
   * applies at once); `functions`: the function table (tests inject gated functions).
   */
  constructor(
    private readonly metrics: MetricStore,
    private readonly target: () => PromqlTarget = () => DEFAULT_TARGET,
    private readonly functions: ReadonlyMap<string, FunctionSpec> = FUNCTIONS,
  ) {}

  /**
   * Completion at `offset` of a whole .promql document: the items, and the document range they replace
   * (offsets). Items carry no per-request edit, so a list of 10,000 metrics is reused as is; the server
   * sends the range once (LSP itemDefaults.editRange) or stamps it on each item for older clients.
   */
  async complete(doc: string, offset: number): Promise<{ items: CompletionItem[]; from: number; to: number }> {
    const none = { items: [], from: offset, to: offset };
    const lineStart = doc.lastIndexOf('\n', offset - 1) + 1;
    // A paragraph of comments only is not a query: nothing to complete in it.
    if (doc.slice(lineStart, offset).trimStart().startsWith('#')) return none;
    const block = queryAt(splitQueries(doc), offset) ?? { text: '', start: offset, end: offset };
    const local = offset - block.start;
    const ctx = completionContext(block.text, local);
    const from = block.start + ('from' in ctx ? ctx.from : local);
    const answer = (items: CompletionItem[]): { items: CompletionItem[]; from: number; to: number } => ({ items, from, to: offset });
    switch (ctx.kind) {
      case 'none':
        return none;
      case 'expression':
        return answer(await this.operandItems(ctx.expect, ctx.inFunction));
      case 'operator':
        return answer(this.operatorItems(ctx.afterAggregation));
      case 'aggregation-modifier':
        return answer(['by', 'without'].map((k) => keywordItem(k, `${k} ($1) ($0)`)));
      case 'at-modifier':
        return answer(['start()', 'end()'].map((k) => keywordItem(k)));
      case 'duration':
        return answer(
          (ctx.subqueryStep ? STEPS : DURATIONS).map(([d, doc], i) => ({
            label: d,
            kind: CompletionItemKind.Unit,
            detail: doc,
            sortText: String(i).padStart(2, '0'),
          })),
        );
      case 'label-name':
      case 'grouping-label':
        return answer(
          (await this.metrics.labelNames(ctx.metric)).map((l) => ({
            label: l,
            kind: CompletionItemKind.Property,
            detail: ctx.metric ? `label of ${ctx.metric}` : 'label',
          })),
        );
      case 'label-value': {
        const values = await this.metrics.labelValues(ctx.label, ctx.metric);
        return answer(
          values.map((v) => ({
            label: v,
            kind: CompletionItemKind.Value,
            detail: `${ctx.label} value`,
            insertText: ctx.quoted ? escapeForQuote(v) : JSON.stringify(v),
          })),
        );
      }
    }
  }

  /**
   * What fits at an operand: metrics (the preferred type first inside rate() or *_over_time()), functions
   * returning the expected type, aggregations. The list is built once per (metric list, expectation) and reused.
   */
  private async operandItems(expect: ValueType | undefined, inFunction: string | undefined): Promise<CompletionItem[]> {
    if (expect === 'string') return [];
    const fn = inFunction?.toLowerCase();
    const preferred = fn && RATE_LIKE.has(fn) ? 'counter' : fn && GAUGE_LIKE.has(fn) ? 'gauge' : undefined;
    const metrics = expect === undefined || expect === 'vector' || expect === 'matrix' ? await this.allMetricItems(preferred) : [];
    // only a selector (with a range) fits a range vector: no function returns one.
    if (expect === 'matrix') return metrics;
    const target = this.target();
    if (this.functionList?.target !== target) {
      this.functionList = { target, items: functionItems(this.functions, target) };
      this.operandLists.clear();
    }
    const key = `${expect ?? 'any'}|${preferred ?? ''}`;
    const hit = this.operandLists.get(key);
    if (hit?.metrics === metrics) return hit.items;
    const items = [...metrics, ...this.functionList.items.filter((f) => !expect || f.returns === expect).map((f) => f.item)];
    if (expect === undefined || expect === 'vector') items.push(...AGGREGATION_ITEMS);
    this.operandLists.set(key, { metrics, items });
    return items;
  }

  private operatorItems(afterAggregation: boolean): CompletionItem[] {
    const items: CompletionItem[] = BINARY_OPS.map(([op, doc], i) => ({
      label: op,
      kind: CompletionItemKind.Operator,
      detail: doc,
      sortText: `1${String(i).padStart(2, '0')}`,
    }));
    items.push(keywordItem('offset', 'offset ${1:5m}'), keywordItem('@', '@ ${1:end()}'));
    if (afterAggregation) items.unshift(keywordItem('by', 'by ($0)'), keywordItem('without', 'without ($0)'));
    return items;
  }

  /** Metric items, built once per set of names; with `preferred`, that type sorts first (a cached variant). */
  private async allMetricItems(preferred?: 'counter' | 'gauge'): Promise<CompletionItem[]> {
    const infos = await this.metrics.names();
    if (this.metricItems?.version !== infos) this.metricItems = { version: infos, items: this.buildMetricItems(infos), byType: new Map() };
    if (!preferred) return this.metricItems.items;
    let variant = this.metricItems.byType.get(preferred);
    if (!variant) {
      variant = this.metricItems.items.map((i) => ({
        ...i,
        sortText: `${(i.data as { type?: string }).type === preferred ? '0' : '1'}${i.label}`,
      }));
      this.metricItems.byType.set(preferred, variant);
    }
    return variant;
  }

  private buildMetricItems(infos: readonly MetricInfo[]): CompletionItem[] {
    return infos.map((m) => ({
      label: m.name,
      kind: CompletionItemKind.Variable,
      detail: [m.type, m.unit].filter(Boolean).join(' · ') || undefined,
      documentation: { kind: MarkupKind.Markdown, value: metricMarkdown(m) },
      sortText: `${m.source === 'catalogue' ? '2' : '3'}${m.name}`,
      data: { type: m.type },
    }));
  }
}

function keywordItem(label: string, snippet?: string): CompletionItem {
  const doc = KEYWORD_DOCS[label.replace('()', '')];
  return {
    label,
    kind: CompletionItemKind.Keyword,
    ...(doc ? { documentation: { kind: MarkupKind.Markdown, value: doc } } : {}),
    ...(snippet ? { insertText: snippet, insertTextFormat: InsertTextFormat.Snippet } : {}),
    sortText: `0${label}`,
  };
}

function escapeForQuote(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}
