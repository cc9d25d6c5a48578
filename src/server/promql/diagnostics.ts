// PromQL diagnostics for the language server: the first syntax or type error exactly as the target Prometheus
// reports it, then (for queries that parse) semantic warnings about metrics and functions.
import { splitQueries } from '../../shared/promqlDocument';
import { semanticProblems } from './semantics';
import { zoneOverlapProblems } from './zoneOverlap';
import { analyzeSyntax } from './syntax';
import { DEFAULT_TARGET, type PromqlTarget } from './target';
import { MetricLookup, Problem } from './types';

/** Problems of one query; offsets relative to `text`. Metric-based warnings need `metrics`; `target`: the language. */
export function analyzeQuery(text: string, metrics?: MetricLookup, target: PromqlTarget = DEFAULT_TARGET): Problem[] {
  const { error, ast, tooComplex } = analyzeSyntax(text, target);
  const out: Problem[] = [];
  if (error) out.push({ from: error.from, to: error.to, severity: 'error', message: error.message, code: error.code });
  if (tooComplex) {
    out.push({
      from: 0,
      to: text.length,
      severity: 'warning',
      code: 'too-complex',
      message: 'Too deeply nested (over 1000 levels) or too many operators in a row (over 250) to check: only lexical errors are reported.',
    });
  }
  if (ast) out.push(...semanticProblems(ast, text, metrics), ...zoneOverlapProblems(ast));
  return out;
}

/** Problems of every query of a .promql document; offsets relative to `doc`. */
export function analyzeDocument(doc: string, metrics?: MetricLookup, target: PromqlTarget = DEFAULT_TARGET): Problem[] {
  const out: Problem[] = [];
  for (const block of splitQueries(doc)) {
    for (const p of analyzeQuery(block.text, metrics, target)) out.push({ ...p, from: p.from + block.start, to: p.to + block.start });
  }
  return out;
}

/** UTF-8 length of a UTF-16 string slice; a lone surrogate counts as U+FFFD (3 bytes), as it is sent. */
function utf8Length(s: string, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < to && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The `line:col` Prometheus prints before a parse error at `offset` of `query`: 1-based line, and a column
 * counted in UTF-8 bytes from the last line break (Prometheus' ParseErr.Error()).
 */
export function prometheusPosition(query: string, offset: number): string {
  let line = 1;
  let lastBreak = -1;
  for (let i = query.indexOf('\n'); i >= 0 && i < offset; i = query.indexOf('\n', i + 1)) {
    line++;
    lastBreak = i;
  }
  return `${line}:${utf8Length(query, lastBreak + 1, offset) + 1}`;
}
