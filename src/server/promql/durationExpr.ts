// Duration expressions (3.4+: `rate(x[5m+30s])`, `offset (1h/2)`, 3.6+ `step()`, `min(a, b)` ...) read the way
// Prometheus' generated_parser.y reduces them (v3.5.0 … v3.14.0, duration_expr / paren_duration_expr /
// positive_duration_expr / offset_duration_expr): a sign folds into the number it precedes; each binary operator
// and each pair of parentheses calls experimentalDurationExpr on its left operand (inside parentheses: the inner
// expression), which reports "experimental duration expression is not enabled" at that operand's range (parentheses
// not included) unless the flag is on; `/ 0` and `% 0` by a literal zero are "division by zero" / "modulo by zero"
// at the operator; a range or subquery step that is one literal must be greater than 0. Anything the grammar does
// not read is a syntax error at that token.
import type { Token } from './lexCursor';
import { parseDuration, parseNumber } from './values';

/** What the syntax check records for a duration expression (CheckerBase's reduce / grammar). */
export interface DurationSink {
  /** An error the parser raises while reducing, keyed by the token after `afterOffset`. */
  reduce(afterOffset: number, from: number, to: number, message: string, lookahead: boolean): void;
  /** A grammar error at token index i. */
  grammar(i: number): void;
}

interface Node {
  readonly from: number;
  readonly to: number;
  /** The value of a number literal (sign folded in), in seconds; undefined for any other expression. */
  readonly literal?: number;
}

/** generated_parser.y's bound on a number of seconds as a duration: 1<<63 / 1e9. */
export const MAX_DURATION_SECONDS = 2 ** 63 / 1e9;

const PRECEDENCE: Readonly<Record<string, number>> = { '+': 4, '-': 4, '*': 5, '/': 5, '%': 5, '^': 6 };
const MUL = 5;
const MIN_MAX = new Set(['min', 'max', 'min_of', 'max_of']);

/** Thrown where the grammar stops; the sink has been told. */
const STOP: unique symbol = Symbol('stop');

class DurationParser {
  private i: number;

  constructor(
    private readonly tokens: readonly Token[],
    first: number,
    private readonly last: number,
    private readonly enabled: boolean,
    private readonly keywords: ReadonlySet<string>,
    private readonly sink: DurationSink,
  ) {
    this.i = first;
  }

  private at(k = this.i): Token | undefined {
    return k <= this.last ? this.tokens[k] : undefined;
  }

  private fail(): never {
    this.sink.grammar(this.i);
    throw STOP;
  }

  private expect(text: string): Token {
    const t = this.at();
    if (t?.text !== text) this.fail();
    this.i++;
    return t;
  }

  /** experimentalDurationExpr(e): reported when the parser reduces, on the token after `end`. */
  private experimental(e: Node, end: number, lookahead: boolean): void {
    if (!this.enabled) this.sink.reduce(end, e.from, e.to, 'experimental duration expression is not enabled', lookahead);
  }

  expr(min: number): Node {
    let lhs = this.unary();
    for (;;) {
      const op = this.at();
      const prec = op?.type === 'OPERATOR' ? PRECEDENCE[op.text] : undefined;
      if (!op || prec === undefined || prec <= min) return lhs;
      this.i++;
      const rhs = this.expr(prec === PRECEDENCE['^'] ? prec - 1 : prec);
      // Reduced with the token after the right operand as lookahead.
      this.experimental(lhs, rhs.to, true);
      if ((op.text === '/' || op.text === '%') && rhs.literal === 0) {
        this.sink.reduce(rhs.to, op.start, op.end, op.text === '/' ? 'division by zero' : 'modulo by zero', true);
        lhs = { from: lhs.from, to: rhs.to, literal: 0 };
      } else lhs = { from: lhs.from, to: rhs.to };
    }
  }

  private unary(): Node {
    const t = this.at();
    if (t?.type === 'OPERATOR' && (t.text === '-' || t.text === '+')) {
      this.i++;
      // `unary_op duration_expr %prec MUL`: only `^` binds tighter.
      const e = this.expr(MUL);
      const literal = e.literal === undefined ? undefined : t.text === '-' ? -e.literal : e.literal;
      return { from: t.start, to: e.to, ...(literal === undefined ? {} : { literal }) };
    }
    return this.primary();
  }

  private primary(): Node {
    const t = this.at();
    if (!t) this.fail();
    if (t.type === 'DURATION' || t.type === 'NUMBER') {
      this.i++;
      const literal = literalSeconds(t);
      if (Math.abs(literal) > MAX_DURATION_SECONDS) {
        this.sink.reduce(t.end, t.start, t.end, 'duration out of range', false);
        return { from: t.start, to: t.end, literal: 0 };
      }
      return { from: t.start, to: t.end, literal };
    }
    if (t.type === 'PUNCT' && t.text === '(') {
      this.i++;
      const inner = this.expr(0);
      const close = this.expect(')');
      // paren_duration_expr is reduced as soon as `)` is read.
      this.experimental(inner, close.end, false);
      return inner;
    }
    // Inside brackets the target's lexer reads them as keywords; after `offset`, as identifiers or aggregators.
    const word = /^(KEYWORD|IDENTIFIER|AGGREGATOR)$/.test(t.type) ? t.text.toLowerCase() : '';
    if (this.keywords.has(word)) {
      this.i++;
      this.expect('(');
      if (MIN_MAX.has(word)) {
        this.expr(0);
        this.expect(',');
        this.expr(0);
      }
      const close = this.expect(')');
      return { from: t.start, to: close.end };
    }
    return this.fail();
  }

  /** The token index the parser stopped at. */
  get index(): number {
    return this.i;
  }
}

function literalSeconds(t: Token): number {
  if (t.type === 'NUMBER') return parseNumber(t.text);
  const d = parseDuration(t.text);
  return 'ms' in d ? d.ms / 1000 : d.error === 'duration must be greater than 0' ? 0 : NaN;
}

export interface DurationContext {
  /** A range or a subquery step (must be greater than 0), not an offset. */
  readonly positive: boolean;
  /** Duration expressions are on in the target (3.14, or the flag). */
  readonly enabled: boolean;
  /** The target's duration functions (step, range, min/max or min_of/max_of): lexed as words outside brackets. */
  readonly keywords: ReadonlySet<string>;
}

/** Checks the duration expression in tokens[first..last], reporting through `sink`. */
export function checkDurationExpr(
  tokens: readonly Token[],
  first: number,
  last: number,
  { positive, enabled, keywords }: DurationContext,
  sink: DurationSink,
): void {
  const p = new DurationParser(tokens, first, last, enabled, keywords, sink);
  try {
    const e = p.expr(0);
    if (p.index <= last) {
      sink.grammar(p.index);
      return;
    }
    // positive_duration_expr, reduced on the `]` or `:` that follows.
    if (positive && e.literal !== undefined && e.literal <= 0) sink.reduce(e.to, e.from, e.to, 'duration must be greater than 0', true);
  } catch (err) {
    if (err !== STOP) throw err;
  }
}
