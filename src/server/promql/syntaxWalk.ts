// The tree-level half of the syntax check: the errors Prometheus' parser raises while it reduces (unknown or
// disabled functions, offset / @ placement, bad durations and numbers, aggregation arity, gated operators and
// modifiers), visited in post-order as an LR parser reduces, on top of the token-level checks of checkerBase.ts.
import type { Expr } from './ast';
import { CheckerBase } from './checkerBase';
import { availability } from './gates';
import type { Token } from './lexCursor';
import { atLeast } from './target';
import { knownFunction } from './typecheck';
import { checkRegex, goNumberError, parseDuration, parseNumber, unquote } from './values';

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

export class Checker extends CheckerBase {
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
          this.durationExpr(kw + 1, this.indexEndingAfter(e.to - 1), false);
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
