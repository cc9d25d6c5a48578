// Finds the error the target Prometheus reports first for a query: lexical errors (our port of its lexer), grammar
// errors (lezer-promql's strict parse, plus the places where the newer grammar accepts what the target does not:
// each construct newer than 2.42 is gated in constructs.ts), errors raised while the parser reduces (unknown
// function, offset / @ placement, bad durations, regexes ...), and only when none of those, the type rules.
// Prometheus stops at the first error it records; to know which one that is, each error is keyed by the token the
// parser had read when it was recorded.
import { SyntaxNode } from '@lezer/common';
import { AstBuilder, Expr, Label } from './ast';
import { CONSTRUCTS, type Construct } from './constructs';
import { availability, type Availability } from './gates';
import { describeToken, lex, type LexOptions, Token } from './lexer';
import { parseLenient, parseStrict } from './promqlParsers';
import { lezerText, messageContext, tooComplex, trailingComma } from './tokenStream';
import { atLeast, DEFAULT_TARGET, type PromqlTarget } from './target';
import { knownFunction, TypeChecker } from './typecheck';
import { checkRegex, goNumberError, parseDuration, parseNumber, unquote } from './values';

export interface SyntaxProblem {
  readonly from: number;
  readonly to: number;
  readonly message: string;
  readonly code: 'syntax' | 'type' | 'unknown-function';
}

export interface SyntaxResult {
  readonly error?: SyntaxProblem;
  /** The expression, when the query parses (it may still have a type error). */
  readonly ast?: Expr;
  /** Too deeply nested or too long a chain of operators to check beyond lexical errors. */
  readonly tooComplex?: boolean;
}

interface Event extends SyntaxProblem {
  /** Index of the token the parser had read as lookahead when recording the error. */
  readonly key: number;
  /**
   * Order among errors keyed by the same token: -2 reduced right after the previous token, without lookahead
   * (goyacc's default reductions: calls, selectors, numbers ...); -1 lexical error reading the token; 0 reduced
   * on the token as lookahead; 1 grammar error on the token.
   */
  readonly phase: -2 | -1 | 0 | 1;
}

// Words Prometheus 2.42 lexes as keywords: followed by `(` they are a syntax error, not a call.
const NOT_CALLABLE = new Set([
  'by',
  'without',
  'offset',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'bool',
  'start',
  'end',
  'and',
  'or',
  'unless',
  'atan2',
]);
// math.MaxInt64 as a float64, Prometheus' bound for @ timestamps.
const MAX_AT = 2 ** 63;

class Checker {
  readonly events: Event[] = [];

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
    private readonly target: PromqlTarget,
  ) {}

  private gate(c: Construct): Availability {
    return availability(CONSTRUCTS[c], this.target);
  }

  /** Whether the target's parser reads the construct (perhaps only to report it not enabled). */
  private parses(c: Construct): boolean {
    const a = this.gate(c);
    return a.ok || a.why === 'not-enabled';
  }

  /** A duration where the target takes one: a duration token, or from 2.54 a number (seconds). */
  private isDurationToken(t: Token | undefined): boolean {
    return t?.type === 'DURATION' || (t?.type === 'NUMBER' && this.parses('numbersAsDurations'));
  }

  /**
   * Whether the duration part of a bracket starting at token i (after `[` or `:`) is a duration expression
   * (`5m+30s`, `step()`) rather than one literal, for a target whose lexer reads those (3.4); its last token index.
   */
  private durationExprAt(i: number): number | undefined {
    if (!this.parses('durationExpressions')) return undefined;
    const t = this.tokens;
    if (this.isDurationToken(t[i]) && (t[i + 1]?.text === ']' || t[i + 1]?.type === 'COLON')) return undefined;
    let depth = 0;
    let k = i;
    for (; k < t.length && t[k].type !== 'EOF'; k++) {
      if (t[k].text === '(') depth++;
      else if (t[k].text === ')') depth--;
      else if (depth === 0 && (t[k].text === ']' || t[k].type === 'COLON')) break;
    }
    return k > i ? k - 1 : undefined;
  }

  /** parse.go's experimentalDurationExpr: an expression where a duration goes needs the flag (until 3.14). */
  private durationExpr(first: number, last: number): void {
    if (this.gate('durationExpressions').ok) return;
    const from = this.tokens[first].start;
    const to = this.tokens[last].end;
    this.reduce(to, from, to, 'experimental duration expression is not enabled');
  }

  /** A quoted label name in a grouping list the target accepts: any name in 3.x (UTF-8), legacy names in 2.55. */
  private quotedLabelOk(quoted: string): boolean {
    if (!this.parses('quotedGroupingLabels')) return false;
    const name = unquote(quoted);
    return atLeast(this.target, '3.0.0') ? name.length > 0 : /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name);
  }

  /** Index of the first token starting at or after `offset` (tokens.length if none). */
  indexAt(offset: number): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.tokens[mid].start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first token ending after `offset`: the token the parser was on when lezer stopped there. */
  indexEndingAfter(offset: number): number {
    let lo = 0;
    let hi = this.tokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const t = this.tokens[mid];
      if (t.end <= offset && t.type !== 'EOF') lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private tokenAt(i: number): Token | undefined {
    return this.tokens[i];
  }

  syntaxAt(i: number, detail = ''): Event {
    const t = this.tokenAt(i);
    const from = t ? t.start : this.text.length;
    const what = t ? describeToken(t) : 'end of input';
    const to = t ? Math.max(t.end, from + (t.type === 'EOF' ? 0 : 1)) : from;
    // A duration where one belongs that lezer's tokenizer cut short (`[5hs]`): Prometheus' own complaint.
    const prev = this.tokenAt(i - 1);
    if (t?.type === 'DURATION' && prev && (prev.text === '[' || prev.text === ':' || prev.text.toLowerCase() === 'offset')) {
      const d = parseDuration(t.text);
      if ('error' in d) return { from, to, message: d.error, code: 'syntax', key: i, phase: 0 };
    }
    return { from, to, message: `unexpected ${what}${detail || messageContext(this.tokens, i)}`, code: 'syntax', key: i, phase: 1 };
  }

  private grammar(i: number, detail = ''): void {
    this.events.push(this.syntaxAt(i, detail));
  }

  private reduce(
    afterOffset: number,
    from: number,
    to: number,
    message: string,
    code: SyntaxProblem['code'] = 'syntax',
    lookahead = false,
  ): void {
    this.events.push({ from, to, message, code, key: this.indexAt(afterOffset), phase: lookahead ? 0 : -2 });
  }

  /** Checks that the tokens from index i are exactly `expected` (predicates); reports the first that is not. */
  private sequence(i: number, expected: ((t: Token) => boolean)[], detail: string): number {
    for (const ok of expected) {
      const t = this.tokenAt(i);
      if (!t || !ok(t)) {
        this.grammar(i, detail);
        return -1;
      }
      i++;
    }
    return i;
  }

  /**
   * A duration literal's own errors. From 3.4 (positive_duration_expr in generated_parser.y) a zero duration parses
   * and only ranges and subquery steps must be positive, numbers included (`up[0]`); an offset may be 0s.
   */
  private duration(t: Token, positive: boolean): void {
    const from34 = atLeast(this.target, '3.4.0');
    if (t.type === 'NUMBER') {
      if (positive && from34 && parseNumber(t.text) <= 0) this.reduce(t.end, t.start, t.end, 'duration must be greater than 0');
      return;
    }
    const d = parseDuration(t.text);
    if (!('error' in d)) return;
    if (from34 && !positive && d.error === 'duration must be greater than 0') return;
    this.reduce(t.end, t.start, t.end, d.error);
  }

  private quotedLabels(labels: readonly Label[], detail: string): void {
    const q = labels.find((l) => l.quoted && !this.quotedLabelOk(this.text.slice(l.from, l.to)));
    if (q) this.grammar(this.indexAt(q.from), detail);
  }

  /**
   * Errors visible in the token stream alone, found even where lezer's tree is cut short by a later error:
   * quoted label names and bad regexes in matchers, `by` after a plain name, an `offset` without a duration.
   */
  scanTokens(): void {
    const tokens = this.tokens;
    let inBraces = false;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i];
      const prev = tokens[i - 1];
      if (t.type === 'PUNCT' && t.text === '{') inBraces = true;
      else if (t.type === 'PUNCT' && t.text === '}') inBraces = false;
      else if (inBraces && t.type === 'STRING' && (prev?.text === '{' || prev?.text === ',') && !this.parses('quotedSelectorNames')) {
        this.grammar(i, ' in label matching, expected identifier or "}"');
      } else if (inBraces && t.type === 'STRING' && (prev?.text === '=~' || prev?.text === '!~') && tokens[i - 2]?.type === 'IDENTIFIER') {
        const r = checkRegex(unquote(t.text));
        if (!r.ok) this.reduce(t.end, tokens[i - 2].start, t.end, r.error);
      } else if (
        t.text === '(' &&
        (prev?.type === 'METRIC_IDENTIFIER' || (keywordAsName(tokens, i - 1) && !knownFunction(prev.text, this.target)))
      ) {
        // A metric identifier, or a keyword used as a metric name (`by`, `start`, `and` ...), cannot be called.
        this.grammar(i);
      } else if (
        t.type === 'KEYWORD' &&
        /^(by|without)$/i.test(t.text) &&
        (prev?.type === 'IDENTIFIER' || prev?.type === 'METRIC_IDENTIFIER')
      ) {
        this.grammar(i);
      } else if (
        t.type === 'OPERATOR' &&
        t.text.toLowerCase() === 'atan2' &&
        (!prev || prev.text === '(' || prev.text === ',' || prev.type === 'OPERATOR')
      ) {
        // Unlike `and` / `or`, `atan2` is no metric name to Prometheus 2.42 (lezer-promql reads it as one).
        this.grammar(i);
      } else if (t.text === '/' && (prev?.text === '<' || prev?.text === '>') && prev.end === t.start && !this.parses('trimOperators')) {
        // lezer-promql reads `</` and `>/` as one (newer) operator; Prometheus 2.42 sees `<` then `/`.
        this.grammar(i);
      } else if (t.type === 'STRING' && this.inGroupingList(i) && !this.quotedLabelOk(t.text)) {
        this.grammar(i, ' in grouping opts, expected label');
      } else if (t.type === 'PUNCT' && t.text === '[') {
        this.bracket(i);
      } else if (
        t.type === 'KEYWORD' &&
        t.text.toLowerCase() === 'offset' &&
        prev &&
        (/^[\]})]$/.test(prev.text) || /IDENTIFIER|DURATION|NUMBER|STRING/.test(prev.type))
      ) {
        const j = tokens[i + 1]?.text === '-' ? i + 2 : i + 1;
        if (tokens[j] && !this.isDurationToken(tokens[j]) && !this.parses('durationExpressions')) {
          this.grammar(j, ' in offset, expected duration');
        }
      }
    }
  }

  /** Whether token i sits right after `(` or `,` in a `by (...)`, `on (...)` ... label list. */
  private inGroupingList(i: number): boolean {
    let j = i - 1;
    if (this.tokens[j]?.text !== '(' && this.tokens[j]?.text !== ',') return false;
    while (j >= 0 && this.tokens[j].text !== '(') {
      if (!/^(,|IDENTIFIER|KEYWORD|AGGREGATOR|OPERATOR)$/.test(this.tokens[j].text === ',' ? ',' : this.tokens[j].type)) return false;
      j--;
    }
    return /^(by|without|on|ignoring|group_left|group_right)$/i.test(this.tokens[j - 1]?.text ?? '');
  }

  /** A range or subquery: `[` duration (`:` duration?)? `]`, token by token as Prometheus' grammar reads it. */
  private bracket(i: number): void {
    const t = (k: number): Token | undefined => this.tokens[k];
    const expr = this.durationExprAt(i + 1);
    if (expr !== undefined) {
      this.durationExpr(i + 1, expr);
      return;
    }
    if (!this.isDurationToken(t(i + 1))) return; // The lexer already rejected it.
    this.duration(this.tokens[i + 1], true);
    const after = t(i + 2);
    if (!after || after.text === ']') return;
    if (after.type !== 'COLON') {
      this.grammar(i + 2, ' in subquery or range, expected ":" or "]"');
      return;
    }
    let k = i + 3;
    const step = this.durationExprAt(k);
    if (step !== undefined) {
      this.durationExpr(k, step);
      return;
    }
    if (this.isDurationToken(t(k))) this.duration(this.tokens[k++], true);
    else if (t(k) && t(k)?.text !== ']') {
      this.grammar(k, ' in subquery selector, expected duration or "]"');
      return;
    }
    if (t(k) && t(k)?.text !== ']') this.grammar(k, ' in subquery selector, expected "]"');
  }

  /** Post-order, as an LR parser reduces. */
  walk(e: Expr): void {
    switch (e.kind) {
      case 'number': {
        // The token holding the number (lezer may see it one character in, see lezerText).
        const i = this.indexEndingAfter(e.numberFrom);
        const t = this.tokenAt(i);
        if (t?.type !== 'NUMBER') {
          // 2.54 reads a duration where a number goes as its seconds (`time() - 1h`).
          if (!(t?.type === 'DURATION' && this.parses('numbersAsDurations'))) this.grammar(i);
          return;
        }
        const err = goNumberError(t.text);
        if (err) this.reduce(t.end, t.start, t.end, `error parsing number: ${err}`);
        return;
      }
      case 'string':
        return;
      case 'vector': {
        if (e.name?.text.toLowerCase() === 'atan2') this.grammar(this.indexAt(e.name.from));
        for (const m of e.matchers) {
          if (m.quotedName && !this.parses('quotedSelectorNames')) {
            this.grammar(this.indexAt(m.from), ' in label matching, expected identifier or "}"');
            return;
          }
          if (m.op === '=~' || m.op === '!~') {
            const r = checkRegex(unquote(m.value));
            if (!r.ok) this.reduce(m.to, m.from, m.to, r.error);
          }
        }
        return;
      }
      case 'matrix':
      case 'subquery': {
        this.walk(e.expr);
        const open = this.indexAt(e.bracket);
        if (this.durationExprAt(open + 1) !== undefined || (e.kind === 'subquery' && this.subqueryStepExpr(open))) {
          // Checked by bracket(); only what follows the `]` is left.
          if (e.kind === 'matrix') this.rangeTarget(e, e.to);
          return;
        }
        const isDuration = (t: Token): boolean => this.isDurationToken(t);
        const is = (s: string) => (t: Token) => t.text === s && t.type === 'PUNCT';
        const colon = (t: Token): boolean => t.type === 'COLON';
        const pattern = e.kind === 'matrix' ? [is('['), isDuration, is(']')] : [is('['), isDuration, colon];
        let i = this.sequence(open, pattern, '');
        if (i < 0) return;
        this.duration(this.tokens[open + 1], true);
        if (e.kind === 'subquery') {
          if (this.isDurationToken(this.tokenAt(i))) this.duration(this.tokens[i++], true);
          i = this.sequence(i, [is(']')], ' in subquery selector, expected "]"');
          if (i < 0) return;
        }
        const closeEnd = this.tokens[i - 1].end;
        if (e.kind === 'matrix') this.rangeTarget(e, closeEnd);
        return;
      }
      case 'offset': {
        this.walk(e.expr);
        const kw = this.indexAt(e.keyword);
        const sign = this.tokenAt(kw + 1)?.text === '-' ? 1 : 0;
        const plain = this.isDurationToken(this.tokenAt(kw + 1 + sign));
        if (!plain && this.parses('durationExpressions') && this.tokenAt(kw + 1)) {
          this.durationExpr(kw + 1, this.indexEndingAfter(e.to - 1));
          this.modifierTarget(e.expr, e.to, 'offset');
          return;
        }
        const i = this.sequence(kw + 1 + sign, [(t) => this.isDurationToken(t)], ' in offset, expected duration');
        if (i < 0) return;
        const dur = this.tokens[i - 1];
        this.duration(dur, false);
        this.modifierTarget(e.expr, dur.end, 'offset');
        return;
      }
      case 'at': {
        this.walk(e.expr);
        const at = this.indexAt(e.keyword);
        let end: number;
        if (e.preprocessor) {
          const i = this.sequence(at + 1, [(t) => t.type === 'KEYWORD', (t) => t.text === '(', (t) => t.text === ')'], '');
          if (i < 0) return;
          end = this.tokens[i - 1].end;
        } else {
          const sign = /^[-+]$/.test(this.tokenAt(at + 1)?.text ?? '') ? 1 : 0;
          // From 2.54 a duration is a number of seconds there too (`number : NUMBER | DURATION`, generated_parser.y).
          const durationOk = this.parses('numbersAsDurations');
          const i = this.sequence(
            at + 1 + sign,
            [(t) => t.type === 'NUMBER' || (durationOk && t.type === 'DURATION')],
            ' in @, expected timestamp',
          );
          if (i < 0) return;
          const num = this.tokens[i - 1];
          end = num.end;
          if (num.type === 'DURATION') {
            const d = parseDuration(num.text);
            if ('error' in d) this.reduce(num.end, num.start, num.end, d.error);
            this.modifierTarget(e.expr, end, '@');
            return;
          }
          const bad = goNumberError(num.text);
          if (bad) {
            this.reduce(num.end, num.start, num.end, `error parsing number: ${bad}`);
            return;
          }
          const v = parseNumber((sign ? this.tokens[at + 1].text : '') + num.text);
          if (!Number.isFinite(v) || v >= MAX_AT || v <= -MAX_AT) {
            const shown = Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : v.toFixed(6);
            this.reduce(end, e.from, e.to, `timestamp out of bounds for @ modifier: ${shown}`);
          }
        }
        this.modifierTarget(e.expr, end, '@');
        return;
      }
      case 'call': {
        const name = e.name;
        // Keywords and names with a colon (metric identifiers) cannot be called in Prometheus' grammar; from 3.12
        // `start()` and `end()` are functions too.
        if ((NOT_CALLABLE.has(name.toLowerCase()) && !knownFunction(name, this.target)) || name.includes(':')) {
          this.grammar(this.indexAt(e.argsFrom));
          return;
        }
        for (const a of e.args) this.walk(a);
        const f = knownFunction(name, this.target);
        if (!f) this.reduce(e.to, e.from, e.nameTo, `unknown function with name "${name}"`, 'unknown-function');
        else if (!availability(f, this.target).ok)
          this.reduce(e.to, e.from, e.nameTo, `function "${name}" is not enabled`, 'unknown-function');
        return;
      }
      case 'aggregate': {
        const limit = e.op === 'limitk' || e.op === 'limit_ratio';
        if (limit && !this.parses('limitAggregations')) {
          if (e.modifierFirst && e.grouping) {
            this.grammar(this.indexAt(e.grouping.from));
            return;
          }
          for (const a of e.args) this.walk(a);
          const bodyEnd = e.grouping ? e.grouping.from : e.to;
          this.reduce(bodyEnd, e.from, e.opTo, `unknown function with name "${this.text.slice(e.from, e.opTo)}"`, 'unknown-function');
          return;
        }
        if (e.grouping && e.modifierFirst) this.quotedLabels(e.grouping.labels, ' in grouping opts, expected label');
        for (const a of e.args) this.walk(a);
        if (e.grouping && !e.modifierFirst) this.quotedLabels(e.grouping.labels, ' in grouping opts, expected label');
        const withParam = limit || ['topk', 'bottomk', 'count_values', 'quantile'].includes(e.op);
        // Without a grouping, the parser must read the next token to know whether a trailing `by (...)` follows.
        const lookahead = !e.grouping;
        if (e.args.length === 0) this.reduce(e.to, e.from, e.to, 'no arguments for aggregate expression provided', 'syntax', lookahead);
        else if (limit && !this.gate('limitAggregations').ok) {
          // parse.go's newAggregateExpr; 3.1 named the operator in the message.
          const message = atLeast(this.target, '3.1.0')
            ? `${e.op}() is experimental and must be enabled with --enable-feature=promql-experimental-functions`
            : 'limitk() and limit_ratio() are experimental and must be enabled with --enable-feature=promql-experimental-functions';
          this.reduce(e.to, e.from, e.to, message, 'unknown-function', lookahead);
        } else if (e.args.length !== (withParam ? 2 : 1)) {
          const message = `wrong number of arguments for aggregate expression provided, expected ${withParam ? 2 : 1}, got ${e.args.length}`;
          this.reduce(e.to, e.from, e.to, message, 'syntax', lookahead);
        }
        return;
      }
      case 'binary': {
        this.walk(e.lhs);
        if ((e.op === '</' || e.op === '>/') && !this.parses('trimOperators')) {
          this.grammar(this.indexAt(e.opFrom + 1));
          return;
        }
        if (e.matching) {
          this.quotedLabels(e.matching.labels, ' in grouping opts, expected label');
          this.quotedLabels(e.matching.include, ' in grouping opts, expected label');
        }
        if (e.fill && !this.parses('binopFillModifiers')) {
          const name = /^\w+/.exec(this.text.slice(e.fill.from))?.[0] ?? 'fill';
          this.reduce(e.fill.to, e.fill.from, e.fill.from + name.length, `unknown function with name "${name}"`, 'unknown-function');
        }
        this.walk(e.rhs);
        // parse.go's newBinaryExpression, once both sides are read.
        if (e.fill && !this.gate('binopFillModifiers').ok) {
          this.reduce(e.to, e.from, e.to, 'binop fill modifiers are experimental and not enabled', 'syntax', true);
        }
        return;
      }
      case 'unary':
      case 'paren':
        this.walk(e.expr);
        return;
      case 'unsupported': {
        this.walk(e.expr);
        if (!this.parses('extendedRangeSelectors')) this.grammar(this.indexAt(e.keyword.from));
        else if (!this.gate('extendedRangeSelectors').ok) {
          const word = this.text.slice(e.keyword.from, e.keyword.to).toLowerCase();
          this.reduce(e.keyword.to, e.from, e.to, `${word} modifier is experimental and not enabled`, 'syntax', true);
        }
        return;
      }
    }
  }

  /** Whether a subquery's step (after its colon) is a duration expression. */
  private subqueryStepExpr(open: number): boolean {
    let k = open + 1;
    while (k < this.tokens.length && this.tokens[k].type !== 'COLON' && this.tokens[k].text !== ']') k++;
    return this.tokens[k]?.type === 'COLON' && this.durationExprAt(k + 1) !== undefined;
  }

  /** A range applies to a plain selector only: not after an offset or an @ timestamp (@ start() / end() are allowed). */
  private rangeTarget(e: Extract<Expr, { kind: 'matrix' }>, closeEnd: number): void {
    let base = e.expr;
    let offset = false;
    let at = false;
    while (base.kind === 'offset' || base.kind === 'at') {
      if (base.kind === 'offset') offset = true;
      else if (!base.preprocessor) at = true;
      base = base.expr;
    }
    const bad =
      base.kind !== 'vector'
        ? 'ranges only allowed for vector selectors'
        : offset
          ? 'no offset modifiers allowed before range'
          : at
            ? 'no @ modifiers allowed before range'
            : undefined;
    if (bad) this.reduce(closeEnd, e.bracket, closeEnd, bad);
  }

  /** Prometheus' addOffset / setTimestamp: what an offset or @ may follow, and only once each. */
  private modifierTarget(target: Expr, after: number, what: 'offset' | '@'): void {
    let e = target;
    let again = false;
    while (e.kind === 'offset' || e.kind === 'at') {
      if ((what === 'offset' && e.kind === 'offset') || (what === '@' && e.kind === 'at')) {
        // What lies below was checked when that modifier was reduced: no need to walk a long chain again.
        again = true;
        break;
      }
      e = e.expr;
    }
    if (!again && e.kind !== 'vector' && e.kind !== 'matrix' && e.kind !== 'subquery') {
      this.reduce(
        after,
        target.from,
        target.to,
        `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`,
      );
    } else if (again) {
      this.reduce(
        after,
        target.from,
        target.to,
        what === 'offset' ? 'offset may not be set multiple times' : '@ <timestamp> may not be set multiple times',
      );
    }
  }
}

function hasError(n: SyntaxNode): boolean {
  let found = false;
  n.toTree().iterate({
    enter: (c) => {
      if (c.type.isError) found = true;
      return !found;
    },
  });
  return found;
}

// Keywords Prometheus 2.42 also accepts as metric names, where an expression starts.
const KEYWORD_NAMES = new Set(['by', 'without', 'start', 'end', 'and', 'or', 'unless', 'offset']);

/** Whether token i is a keyword standing where an expression starts, hence read as a metric name. */
function keywordAsName(tokens: readonly Token[], i: number): boolean {
  const t = tokens[i];
  if (!t || (t.type !== 'KEYWORD' && t.type !== 'OPERATOR') || !KEYWORD_NAMES.has(t.text.toLowerCase())) return false;
  const prev = tokens[i - 1];
  return !prev || prev.text === '(' || prev.text === ',' || (prev.type === 'OPERATOR' && prev.text !== '@');
}

function first(events: readonly Event[]): Event | undefined {
  let best: Event | undefined;
  for (const ev of events) {
    if (!best || ev.key < best.key || (ev.key === best.key && ev.phase < best.phase)) best = ev;
  }
  return best;
}

/** How the target's lexer differs from 2.42's (lex.go at the versions in constructs.ts). */
function lexOptions(target: PromqlTarget): LexOptions {
  const parses = (c: Construct): boolean => {
    const a = availability(CONSTRUCTS[c], target);
    return a.ok || a.why === 'not-enabled';
  };
  const keywords = !parses('durationStepMinMax')
    ? []
    : atLeast(target, '3.13.0')
      ? ['step', 'range', 'min_of', 'max_of']
      : ['step', 'min', 'max', ...(parses('durationRange') ? ['range'] : [])];
  return {
    limitAggregators: parses('limitAggregations'),
    numbers254: parses('numbersAsDurations'),
    durationExpr: parses('durationExpressions'),
    durationKeywords: new Set(keywords),
  };
}

export function analyzeSyntax(text: string, target: PromqlTarget = DEFAULT_TARGET): SyntaxResult {
  const { tokens, error: lexError } = lex(text, lexOptions(target));
  const checker = new Checker(text, tokens, target);
  const events = checker.events;
  if (lexError) {
    events.push({
      from: lexError.pos,
      to: lexError.pos + 1,
      message: lexError.message,
      code: 'syntax',
      key: lexError.tokenIndex,
      phase: -1,
    });
  }
  if (tooComplex(tokens)) {
    // Beyond what lezer parses faithfully only the lexical check is exact: say so rather than guess.
    if (events.length) return { error: { ...events[0], to: Math.min(events[0].to, text.length) } };
    return { tooComplex: true };
  }
  checker.scanTokens();
  const builder = new AstBuilder(text);
  // After a lexical error nothing more is read, so the parse only needs the text before it.
  const parsed = lexError ? text.slice(0, lexError.pos) : text;
  const { tree, failAt } = parseStrict(lezerText(parsed, tokens));
  let ast: Expr | undefined;
  if (!lexError && tokens.length === 1) {
    events.push({ from: 0, to: text.length, message: 'no expression found in input', code: 'syntax', key: 0, phase: 0 });
  } else if (tree) {
    ast = builder.build(tree.topNode);
    if (ast) checker.walk(ast);
  } else {
    const failIndex = checker.indexEndingAfter(failAt);
    events.push(checker.syntaxAt(failIndex));
    // Errors recorded while reducing what came before the failure still come first: check the complete
    // expressions that end before it.
    const before = new Checker(text, tokens, target);
    const visit = (n: SyntaxNode): void => {
      if (n.from >= failAt) return;
      if (n.type.is('Expr') && n.to <= failAt && !hasError(n)) {
        const e = builder.build(n);
        if (e) before.walk(e);
        return;
      }
      for (let c = n.firstChild; c; c = c.nextSibling) visit(c);
    };
    if (failIndex > 0) {
      visit(parseLenient(lezerText(parsed, tokens)).topNode);
      // What precedes the failing token may be a complete query whose last reduction needs that token.
      const prefix = parseStrict(lezerText(text.slice(0, tokens[failIndex]?.start ?? failAt), tokens));
      const prefixAst = prefix.tree && builder.build(prefix.tree.topNode);
      if (prefixAst) before.walk(prefixAst);
    }
    for (const ev of before.events) if (ev.key < failIndex || (ev.key === failIndex && ev.phase <= 0)) events.push(ev);
  }
  let err = first(events);
  // A token that cannot start an argument, right after a comma in a call: Prometheus blames the comma.
  const comma = err?.phase === 1 ? trailingComma(tokens, err.key) : undefined;
  if (err && comma)
    err = {
      from: comma.start,
      to: comma.end,
      message: 'trailing commas not allowed in function call args',
      code: 'syntax',
      key: err.key,
      phase: 0,
    };
  if (err) {
    // A range of at least one character where there is one, so editors can underline it.
    const to = Math.min(Math.max(err.to, err.from + 1), text.length);
    return { error: { from: err.from, to: Math.max(to, err.from), message: err.message, code: err.code } };
  }
  if (!ast) return {};
  const tc = new TypeChecker(text, target);
  tc.check(ast);
  const te = tc.errors[0];
  return te ? { error: { from: te.from, to: te.to, message: te.message, code: 'type' }, ast } : { ast };
}
