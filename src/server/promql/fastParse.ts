// The common shapes of PromQL parsed straight from our token stream into the Prometheus-shaped AST, without lezer.
// lezer-promql's GLR parse is over half of a query's check; most queries a user writes are plain selectors,
// calls, aggregations, binary operators and ranges, which a precedence-climbing parser reads in a fraction of that.
// It answers only for queries it reads completely and without doubt; anything else (a token out of place, quoted
// UTF-8 names, duration expressions, experimental modifiers, keywords used as metric names, numbers lezer reads
// differently) returns undefined and the query takes the lezer path, so every error still comes from that path.
// Its trees equal AstBuilder's for the same query (test/unit/promqlFastParse.test.ts checks this on every corpus).
import type { Expr, Grouping, Label, Matcher, Matching } from './ast';
import { AGGREGATIONS } from './functions';
import type { Token } from './lexCursor';

// Words lezer-promql specializes or extends (its grammar's @external specialize / extend lists), and the duration
// functions: as a metric name, label name or function name lezer may read them its own way.
const LEZER_WORDS = new Set([
  'inf',
  'nan',
  'bool',
  'ignoring',
  'on',
  'group_left',
  'group_right',
  'offset',
  'atan2',
  'limitk',
  'limit_ratio',
  'by',
  'without',
  'and',
  'or',
  'unless',
  'start',
  'end',
  'smoothed',
  'anchored',
  'fill',
  'fill_left',
  'fill_right',
  'step',
  'range',
  'min_of',
  'max_of',
  ...AGGREGATIONS.keys(),
]);

// Binding power of binary operators (generated_parser.y's %left / %right lines); `^` is right-associative.
const PRECEDENCE: Readonly<Record<string, number>> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '<=': 3,
  '<': 3,
  '>=': 3,
  '>': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
  '%': 5,
  atan2: 5,
  '^': 6,
};
const POW = 6;
// Deeper nesting, and longer chains of modifiers, are left to the lezer path and its limits (tooComplex).
const MAX_DEPTH = 200;
const MAX_MODIFIERS = 20;

// Numbers lezer and Prometheus read alike (see lezerText): anything else is left to the lezer path.
const PLAIN_NUMBER = /^(\d+(\.\d+)?([eE][-+]?\d+)?|0x[0-9a-fA-F]+)$/;
// lezer-promql's duration token: each unit at most once, in this order (Prometheus' own lexer is looser).
const LEZER_DURATION = /^(?=\d)(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/;
const PLAIN_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Thrown to leave the fast path; never escapes fastParse. */
const BAIL: unique symbol = Symbol('bail');

class FastParser {
  private i = 0;
  private depth = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  parse(): Expr {
    const e = this.expr(0);
    if (this.peek().type !== 'EOF') throw BAIL;
    return e;
  }

  private peek(k = 0): Token {
    const t = this.tokens[this.i + k];
    if (!t) throw BAIL;
    return t;
  }

  private next(): Token {
    const t = this.peek();
    this.i++;
    return t;
  }

  private expect(text: string): Token {
    const t = this.next();
    if (t.text !== text || (t.type !== 'PUNCT' && t.type !== 'COLON')) throw BAIL;
    return t;
  }

  /** The next token's word, consumed, when it is the keyword `a` (or `b`). */
  private keyword(a: string, b = a): string | undefined {
    const t = this.peek();
    const word = t.type === 'KEYWORD' ? t.text.toLowerCase() : '';
    if (word !== a && word !== b) return undefined;
    this.i++;
    return word;
  }

  private isPunct(t: Token, text: string): boolean {
    return t.type === 'PUNCT' && t.text === text;
  }

  /** Precedence climbing over binary operators stronger than `min`. */
  private expr(min: number): Expr {
    if (++this.depth > MAX_DEPTH) throw BAIL;
    const e = this.binary(min);
    this.depth--;
    return e;
  }

  private binary(min: number): Expr {
    let lhs = this.unary();
    for (;;) {
      const t = this.peek();
      if (t.type !== 'OPERATOR') return lhs;
      const op = t.text.toLowerCase();
      const prec = PRECEDENCE[op];
      if (prec === undefined || prec <= min) return lhs;
      this.i++;
      const bool = this.keyword('bool') !== undefined;
      const matching = this.matching();
      const rhs = this.expr(prec === POW ? prec - 1 : prec);
      lhs = {
        kind: 'binary',
        op,
        opFrom: t.start,
        opTo: t.end,
        lhs,
        rhs,
        bool,
        ...(matching ? { matching } : {}),
        from: lhs.from,
        to: rhs.to,
      };
    }
  }

  private matching(): Matching | undefined {
    const word = this.keyword('on', 'ignoring');
    if (!word) return undefined;
    const labels = this.labelList();
    const card = this.keyword('group_left', 'group_right');
    if (card !== 'group_left' && card !== 'group_right') return { on: word === 'on', labels, include: [] };
    const include = this.isPunct(this.peek(), '(') ? this.labelList() : [];
    return { on: word === 'on', labels, card, include };
  }

  /** `(a, b)` after by / without / on / ignoring / group_x: plain label names only. */
  private labelList(): Label[] {
    this.expect('(');
    const out: Label[] = [];
    while (!this.isPunct(this.peek(), ')')) {
      const t = this.next();
      if (!PLAIN_NAME.test(t.text) || t.type === 'STRING' || LEZER_WORDS.has(t.text.toLowerCase())) throw BAIL;
      out.push({ name: t.text, quoted: false, from: t.start, to: t.end });
      if (this.isPunct(this.peek(), ',')) this.i++;
      else if (!this.isPunct(this.peek(), ')')) throw BAIL;
    }
    this.i++;
    return out;
  }

  private unary(): Expr {
    const t = this.peek();
    if (t.type === 'OPERATOR' && (t.text === '-' || t.text === '+')) {
      // lezer reads a sign before a number as part of the literal, and binds it differently: left to lezer.
      if (this.peek(1).type === 'NUMBER') throw BAIL;
      this.i++;
      // A unary operator binds like `*`: `-a ^ b` is `-(a ^ b)`, `-a * b` is `(-a) * b`.
      const expr = this.expr(PRECEDENCE['*']);
      return { kind: 'unary', op: t.text, expr, from: t.start, to: expr.to };
    }
    return this.postfix(this.primary());
  }

  private primary(): Expr {
    const t = this.next();
    switch (t.type) {
      case 'NUMBER':
        if (!PLAIN_NUMBER.test(t.text)) throw BAIL;
        return { kind: 'number', text: t.text, numberFrom: t.start, from: t.start, to: t.end };
      case 'STRING':
        return { kind: 'string', text: t.text, from: t.start, to: t.end };
      case 'AGGREGATOR':
        return this.aggregate(t);
      case 'IDENTIFIER':
      case 'METRIC_IDENTIFIER': {
        if (LEZER_WORDS.has(t.text.toLowerCase())) throw BAIL;
        if (this.isPunct(this.peek(), '(')) {
          if (t.type === 'METRIC_IDENTIFIER') throw BAIL;
          const { args, argsFrom, to } = this.body();
          return { kind: 'call', name: t.text, nameTo: t.end, args, argsFrom, from: t.start, to };
        }
        return this.vector(t);
      }
      case 'PUNCT':
        if (t.text === '{') {
          this.i--;
          return this.vector(undefined);
        }
        if (t.text === '(') {
          const expr = this.expr(0);
          const close = this.expect(')');
          return { kind: 'paren', expr, from: t.start, to: close.end };
        }
        throw BAIL;
      default:
        throw BAIL;
    }
  }

  /** `(expr, expr ...)` of a call or an aggregation. */
  private body(): { args: Expr[]; argsFrom: number; to: number } {
    const open = this.expect('(');
    const args: Expr[] = [];
    while (!this.isPunct(this.peek(), ')')) {
      args.push(this.expr(0));
      if (this.isPunct(this.peek(), ',')) {
        this.i++;
        // A trailing comma is Prometheus' own error, found on the lezer path.
        if (this.isPunct(this.peek(), ')')) throw BAIL;
      } else if (!this.isPunct(this.peek(), ')')) throw BAIL;
    }
    const close = this.next();
    return { args, argsFrom: open.start, to: close.end };
  }

  private aggregate(op: Token): Expr {
    const name = op.text.toLowerCase();
    if (name === 'limitk' || name === 'limit_ratio') throw BAIL;
    let grouping = this.grouping();
    const modifierFirst = grouping !== undefined;
    const { args, argsFrom, to: bodyTo } = this.body();
    grouping ??= this.grouping();
    return {
      kind: 'aggregate',
      op: name,
      opTo: op.end,
      args,
      ...(grouping ? { grouping } : {}),
      modifierFirst,
      argsFrom,
      from: op.start,
      to: grouping && !modifierFirst ? grouping.to : bodyTo,
    };
  }

  private grouping(): Grouping | undefined {
    const from = this.peek().start;
    const word = this.keyword('by', 'without');
    if (!word) return undefined;
    const labels = this.labelList();
    return { without: word === 'without', labels, from, to: this.tokens[this.i - 1].end };
  }

  private vector(name: Token | undefined): Expr {
    const matchers: Matcher[] = [];
    let braceFrom = name ? name.end : 0;
    let to = name ? name.end : 0;
    if (this.isPunct(this.peek(), '{')) {
      const open = this.next();
      braceFrom = open.start;
      while (!this.isPunct(this.peek(), '}')) {
        const label = this.next();
        if (label.type === 'STRING' || !PLAIN_NAME.test(label.text) || LEZER_WORDS.has(label.text.toLowerCase())) throw BAIL;
        const op = this.next();
        if (op.type !== 'PUNCT' || !/^(=|!=|=~|!~)$/.test(op.text)) throw BAIL;
        const value = this.next();
        if (value.type !== 'STRING') throw BAIL;
        matchers.push({ name: label.text, op: op.text, value: value.text, quotedName: false, from: label.start, to: value.end });
        if (this.isPunct(this.peek(), ',')) this.i++;
        else if (!this.isPunct(this.peek(), '}')) throw BAIL;
      }
      to = this.next().end;
    } else if (!name) throw BAIL;
    return {
      kind: 'vector',
      ...(name ? { name: { text: name.text, from: name.start, to: name.end } } : {}),
      matchers,
      braceFrom,
      from: name ? name.start : braceFrom,
      to,
    };
  }

  /** Ranges, subqueries, `offset` and `@`: bound to the operand before them, as Prometheus binds them. */
  private postfix(inner: Expr): Expr {
    let e = inner;
    for (let n = 0; ; n++) {
      if (n > MAX_MODIFIERS) throw BAIL;
      const t = this.peek();
      if (this.isPunct(t, '[')) e = this.bracket(e);
      else if (this.keyword('offset')) {
        if (this.peek().type === 'OPERATOR' && this.peek().text === '-') this.i++;
        const d = this.durationToken();
        e = { kind: 'offset', expr: e, keyword: t.start, from: e.from, to: d.end };
      } else if (t.type === 'OPERATOR' && t.text === '@') {
        this.i++;
        e = this.at(e, t);
      } else return e;
    }
  }

  private durationToken(): Token {
    const t = this.next();
    if (!(t.type === 'DURATION' ? LEZER_DURATION : PLAIN_NUMBER).test(t.text)) throw BAIL;
    return t;
  }

  private bracket(e: Expr): Expr {
    const open = this.next();
    this.durationToken();
    const t = this.next();
    if (this.isPunct(t, ']')) return { kind: 'matrix', expr: e, bracket: open.start, from: e.from, to: t.end };
    if (t.type !== 'COLON' || t.text !== ':') throw BAIL;
    if (!this.isPunct(this.peek(), ']')) this.durationToken();
    const close = this.expect(']');
    return { kind: 'subquery', expr: e, bracket: open.start, from: e.from, to: close.end };
  }

  private at(e: Expr, keyword: Token): Expr {
    const t = this.next();
    if (t.type === 'KEYWORD' && /^(start|end)$/i.test(t.text)) {
      this.expect('(');
      const close = this.expect(')');
      return {
        kind: 'at',
        expr: e,
        keyword: keyword.start,
        valueFrom: t.start,
        preprocessor: t.text.toLowerCase(),
        from: e.from,
        to: close.end,
      };
    }
    // A signed timestamp is one literal to lezer: left to it.
    if (t.type !== 'NUMBER' || !PLAIN_NUMBER.test(t.text)) throw BAIL;
    return { kind: 'at', expr: e, keyword: keyword.start, valueFrom: t.start, from: e.from, to: t.end };
  }
}

/**
 * The AST of a query whose tokens (from lex(), ending with EOF, no lexical error) are one of the common shapes, or
 * undefined: then the query must take the lezer path.
 */
export function fastParse(tokens: readonly Token[]): Expr | undefined {
  try {
    return new FastParser(tokens).parse();
  } catch (err) {
    if (err === BAIL) return undefined;
    throw err;
  }
}
