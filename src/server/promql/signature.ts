// Signature help for functions and aggregations: the call whose parenthesis encloses the cursor (lexically,
// so it works while the query is still incomplete) and the argument being typed.
import { queryAt, splitQueries } from '../../shared/promqlDocument';
import { callNameBefore, scanTo } from './context';
import { AGGREGATIONS, FUNCTIONS } from './functions';
import { functionSignature, gateMarkdown } from './docs';
import { DEFAULT_TARGET, type PromqlTarget } from './target';
import type { FunctionSpec } from './types';

export interface SignatureAnswer {
  readonly label: string;
  readonly documentation: string;
  readonly parameters: ReadonlyArray<{ label: [number, number]; documentation?: string }>;
  readonly activeParameter: number;
}

/** `target`: the PromQL the configured Prometheus accepts (a gated function says whether it does). */
export function signatureHelp(
  doc: string,
  offset: number,
  target: PromqlTarget = DEFAULT_TARGET,
  functions: ReadonlyMap<string, FunctionSpec> = FUNCTIONS,
): SignatureAnswer | undefined {
  const block = queryAt(splitQueries(doc), offset);
  if (!block) return undefined;
  const lex = scanTo(block.text, offset - block.start);
  if (lex.inComment || lex.string) return undefined;
  for (let i = lex.stack.length - 1; i >= 0; i--) {
    const open = lex.stack[i];
    if (open.ch !== '(') return undefined; // inside [] or {}: not an argument position
    const call = callNameBefore(block.text, open.pos);
    const name = call?.name.toLowerCase();
    const fn = name ? functions.get(name) : undefined;
    if (fn) {
      const label = functionSignature(fn);
      const parameters = paramRanges(label, fn.args.length);
      const active = fn.variadic === -1 ? Math.min(open.commas, fn.args.length - 1) : open.commas;
      const gate = gateMarkdown(fn, target);
      return { label, documentation: gate ? `${fn.doc}\n\n${gate}` : fn.doc, parameters, activeParameter: active };
    }
    const agg = name ? AGGREGATIONS.get(name) : undefined;
    if (agg) {
      const label = agg.param
        ? `${agg.name}(${agg.paramName ?? 'parameter'} ${agg.param}, v vector) → vector`
        : `${agg.name}(v vector) → vector`;
      return { label, documentation: agg.doc, parameters: paramRanges(label, agg.param ? 2 : 1), activeParameter: open.commas };
    }
    // A plain parenthesis or a grouping clause: look further out.
  }
  return undefined;
}

/** [start, end) of each parameter inside "name(a, b) → t". */
function paramRanges(label: string, n: number): Array<{ label: [number, number] }> {
  const out: Array<{ label: [number, number] }> = [];
  let i = label.indexOf('(') + 1;
  const close = label.lastIndexOf(')');
  for (let k = 0; k < n; k++) {
    let e = label.indexOf(', ', i);
    if (e < 0 || e > close) e = close;
    out.push({ label: [i, e] });
    i = e + 2;
  }
  return out;
}
