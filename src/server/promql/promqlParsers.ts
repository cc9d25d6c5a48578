// Parsing with @prometheus-io/lezer-promql, tuned to Prometheus 2.42's language: any identifier followed by
// `(` parses as a function call (so `holt_winters(...)`, which the newer grammar dropped, and unknown names are
// reported by the checker, as Prometheus does, rather than as syntax errors), and the strict parser gives the
// exact offset where the input stops being a valid PromQL prefix.
import { Tree } from '@lezer/common';
import { LRParser, Stack } from '@lezer/lr';
import { parser } from './lezerPromql';
import { errorMessage } from '../../core/errors';

const basePromqlParser = parser as unknown as LRParser;

type Specializer = (value: string, stack: Stack) => number;
interface SpecializerSpec {
  readonly external?: Specializer;
  readonly extend?: boolean;
  readonly get?: (value: string) => number;
}

// lezer-promql's own specializers are not exported; the parser holds them (extend = contextual keywords,
// the plain one = function names).
const specs = (basePromqlParser as unknown as { specializerSpecs: readonly SpecializerSpec[] }).specializerSpecs;
const keywordSpec = specs.find((s) => s.external && !s.extend);
const extendSpec = specs.find((s) => s.external && s.extend);
const functionNames = specs.find((s) => !s.external && s.get);

const DURATION_ONLY = new Set(['max_of', 'min_of']);

function configure(strict: boolean): LRParser {
  if (!keywordSpec?.external || !extendSpec?.external || !functionNames?.get) return basePromqlParser.configure({ strict });
  const keywords = keywordSpec.external;
  const original = extendSpec.external;
  const known = functionNames.get;
  // The token a function name becomes (encoded with the specialize/extend flag in the low bit).
  const anyFunctionTerm = known('abs') >> 1;
  const offsetTerm = keywords('offset', undefined as unknown as Stack);
  const extendAnyCall: Specializer = (value, stack) => {
    const r = original(value, stack);
    if (r >= 0 || known(value) >= 0) return r;
    // An identifier that is not one of lezer-promql's function names may still be called: parse it as a call
    // (lezer keeps the identifier reading too, and drops whichever does not fit what follows).
    return stack.canShift(anyFunctionTerm) ? anyFunctionTerm : -1;
  };
  // Prometheus accepts `offset` as a metric name where no offset modifier can follow.
  const offsetAsName: Specializer = (value, stack) => {
    const r = keywords(value, stack);
    // lezer-promql knows max_of / min_of only inside durations; Prometheus 3.13 also has them as functions.
    if (DURATION_ONLY.has(value.toLowerCase()) && stack.canShift(anyFunctionTerm)) return anyFunctionTerm;
    return r === offsetTerm && !stack.canShift(offsetTerm) ? -1 : r;
  };
  return basePromqlParser.configure({
    strict,
    specializers: [
      { from: original, to: extendAnyCall },
      { from: keywords, to: offsetAsName },
    ],
  });
}

const lenient = configure(false);
const strict = configure(true);

/** Parses with error recovery: always a tree, with error nodes where the input does not fit. */
export const parseLenient = (text: string): Tree => lenient.parse(text);

/** Where the input stops being a valid PromQL prefix, or -1 if it parses. The tree when it parses. */
export function parseStrict(text: string): { tree?: Tree; failAt: number } {
  try {
    return { tree: strict.parse(text), failAt: -1 };
  } catch (err) {
    const m = /No parse at (\d+)/.exec(errorMessage(err));
    if (!m) throw err;
    return { failAt: Number(m[1]) };
  }
}
