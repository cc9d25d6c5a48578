// Hover: a metric's card with its live current value, a function's or aggregation's signature and doc, a
// keyword's meaning, a duration in seconds. Works on the parse tree of the query under the cursor.
import { parser, type SyntaxNode } from './lezerPromql';
import { queryAt, splitQueries } from '../../shared/promqlDocument';
import { AGGREGATIONS, FUNCTIONS } from './functions';
import { KEYWORD_DOCS, describeDuration, functionSignature, gateMarkdown, metricMarkdown } from './docs';
import type { MetricStore } from './metrics';
import { DEFAULT_TARGET, type PromqlTarget } from './target';
import type { FunctionSpec } from './types';

export interface HoverAnswer {
  readonly markdown: string;
  /** Document offsets of the hovered word. */
  readonly from: number;
  readonly to: number;
}

const KEYWORD_NODES = new Set([
  'By',
  'Without',
  'On',
  'Ignoring',
  'GroupLeft',
  'GroupRight',
  'Bool',
  'Offset',
  'At',
  'AtStart',
  'AtEnd',
  'And',
  'Or',
  'Unless',
  'Atan2',
]);

/** `target`: the PromQL the configured Prometheus accepts (gated functions say whether it does); `functions`: the table. */
export async function hover(
  doc: string,
  offset: number,
  metrics: MetricStore,
  target: PromqlTarget = DEFAULT_TARGET,
  functions: ReadonlyMap<string, FunctionSpec> = FUNCTIONS,
): Promise<HoverAnswer | undefined> {
  const block = queryAt(splitQueries(doc), offset);
  if (!block) return undefined;
  const local = offset - block.start;
  const text = block.text;
  const tree = parser.parse(text);
  let node: SyntaxNode | null = tree.resolveInner(local, 1);
  if (node.from > local || node.to < local || node.name === 'PromQL') node = tree.resolveInner(local, -1);
  const at = (n: SyntaxNode, markdown: string): HoverAnswer => ({ markdown, from: block.start + n.from, to: block.start + n.to });
  for (let n: SyntaxNode | null = node; n; n = n.parent) {
    const word = text.slice(n.from, n.to);
    // A function lezer-promql's grammar does not know yet (newer than the package) parses as a metric name.
    const called = n.name === 'FunctionIdentifier' || (n.name === 'Identifier' && /^\s*\(/.test(text.slice(n.to)));
    if (called && functions.has(word)) {
      const fn = functions.get(word)!;
      const gate = gateMarkdown(fn, target);
      return at(n, `\`\`\`promql\n${functionSignature(fn)}\n\`\`\`\n${fn.doc}${gate ? `\n\n${gate}` : ''}`);
    }
    if (n.name === 'FunctionIdentifier') return undefined;
    if (n.name === 'Identifier' && n.parent?.name === 'VectorSelector') {
      const info = metrics.get(word);
      const lines = [
        info ? metricMarkdown(info) : `**${word}**${metrics.isUnknown(word) ? ' · not known to the catalogue or to Prometheus' : ''}`,
      ];
      const live = await liveValue(metrics, text.slice(n.parent.from, n.parent.to), info?.unit);
      if (live) lines.push('', live);
      return at(n, lines.join('\n'));
    }

    if (n.name === 'AggregateOp') {
      const agg = AGGREGATIONS.get(word.toLowerCase());
      if (agg)
        return at(
          n,
          `\`\`\`promql\n${agg.name}${agg.param ? `(${agg.paramName ?? 'parameter'} ${agg.param}, v vector)` : '(v vector)'} → vector\n\`\`\`\n${agg.doc}`,
        );
      return undefined;
    }
    if (KEYWORD_NODES.has(n.name)) {
      const doc = KEYWORD_DOCS[word.toLowerCase().replace('()', '')];
      return doc ? at(n, doc) : undefined;
    }
    if (n.name === 'NumberDurationLiteralInDurationContext' || n.name === 'NumberDurationLiteral') {
      const d = describeDuration(word);
      return d ? at(n, d) : undefined;
    }
    if (n.name.endsWith('Expr') || n.name === 'PromQL') return undefined;
  }
  return undefined;
}

/** "Now: 12.3 W" style lines from the live server, for a selector; undefined when it does not answer. */
async function liveValue(metrics: MetricStore, selector: string, unit: string | undefined): Promise<string | undefined> {
  let res;
  try {
    res = await metrics.currentValues(selector);
  } catch {
    return undefined;
  }
  if (!res) return undefined;
  if (res.total === 0) return `_Now: no series at ${metrics.url}_`;
  const fmt = (v: number): string => formatLiveValue(v, unit);
  const rows = res.series.map((s) => {
    const labels = Object.entries(s.labels)
      .filter(([k]) => k !== '__name__')
      .map(([k, v]) => `${k}="${v}"`)
      .join(', ');
    return `- ${labels ? `\`{${labels.length > 80 ? `${labels.slice(0, 77)}…` : labels}}\` ` : ''}**${fmt(s.value)}**`;
  });
  const more = res.total > res.series.length ? `\n- … ${res.total - res.series.length} more series` : '';
  return `Now (${metrics.url}):\n${rows.join('\n')}${more}`;
}

/**
 * A live value for the hover in plain notation ("8506891 µW (8.51 W)", not the "8.50689e+6" of toPrecision): whole
 * from 1e5 up, else six significant digits, an exponent only below 1e-4; micro-units also in base units.
 */
export function formatLiveValue(v: number, unit: string | undefined): string {
  let plain: string;
  if (!Number.isFinite(v) || Number.isInteger(v)) plain = String(v);
  else if (Math.abs(v) >= 1e5)
    plain = String(Math.round(v)); // the integer part is already 6+ digits
  else {
    const r = Number(v.toPrecision(6));
    plain = Math.abs(r) >= 1e-4 ? r.toLocaleString('en-US', { useGrouping: false, maximumFractionDigits: 10 }) : String(r);
  }
  if (unit === 'microwatts') return `${plain} µW (${(v / 1e6).toFixed(2)} W)`;
  if (unit === 'microjoules') return `${plain} µJ (${(v / 1e6).toFixed(1)} J)`;
  return plain;
}
