// What the token stream alone shows of a query, before and beside any parse tree: the errors Prometheus reports
// that lezer's tree may cut short (quoted names, regexes, `by` after a plain name, brackets: ranges, subquery steps
// and, from 3.4, duration expressions), and the event log every check records its errors into. Prometheus stops
// at the first error it records; each error is keyed by the token the parser had read when it was recorded, so the
// syntax check (syntax.ts) can tell which one that is. The tree-level checks extend this (syntaxWalk.ts).
import type { Label } from './ast';
import { CONSTRUCTS, type Construct } from './constructs';
import { availability, type Availability } from './gates';
import { checkDurationExpr, MAX_DURATION_SECONDS } from './durationExpr';
import { describeToken, type LexOptions, type Token } from './lexCursor';
import { messageContext } from './tokenStream';
import { atLeast, type PromqlTarget } from './target';
import { knownFunction } from './typecheck';
import { checkRegex, parseDuration, parseNumber, unquote } from './values';

export interface SyntaxProblem {
  readonly from: number;
  readonly to: number;
  readonly message: string;
  readonly code: 'syntax' | 'type' | 'unknown-function';
}

export interface Event extends SyntaxProblem {
  /** Index of the token the parser had read as lookahead when recording the error. */
  readonly key: number;
  /**
   * Order among errors keyed by the same token: -2 reduced right after the previous token, without lookahead
   * (goyacc's default reductions: calls, selectors, numbers ...); -1 lexical error reading the token; 0 reduced
   * on the token as lookahead; 1 grammar error on the token.
   */
  readonly phase: -2 | -1 | 0 | 1;
}

export class CheckerBase {
  readonly events: Event[] = [];

  constructor(
    protected readonly text: string,
    protected readonly tokens: readonly Token[],
    protected readonly target: PromqlTarget,
  ) {}

  protected gate(c: Construct): Availability {
    return availability(CONSTRUCTS[c], this.target);
  }

  /** Whether the target's parser reads the construct (perhaps only to report it not enabled). */
  parses(c: Construct): boolean {
    const a = this.gate(c);
    return a.ok || a.why === 'not-enabled';
  }

  /** A duration where the target takes one: a duration token, or from 2.54 a number (seconds). */
  protected isDurationToken(t: Token | undefined): boolean {
    return t?.type === 'DURATION' || (t?.type === 'NUMBER' && this.parses('numbersAsDurations'));
  }

  /**
   * Whether the duration part of a bracket starting at token i (after `[` or `:`) is a duration expression
   * (`5m+30s`, `step()`) rather than one literal, for a target whose lexer reads those (3.4); its last token index.
   */
  protected durationExprAt(i: number): number | undefined {
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

  /** A duration expression in tokens[first..last]: a range or subquery step (`positive`) or an offset (durationExpr.ts). */
  protected durationExpr(first: number, last: number, positive: boolean): void {
    const keywords = lexOptions(this.target).durationKeywords ?? new Set<string>();
    checkDurationExpr(
      this.tokens,
      first,
      last,
      { positive, enabled: this.gate('durationExpressions').ok, keywords },
      {
        reduce: (after, from, to, message, lookahead) => this.reduce(after, from, to, message, 'syntax', lookahead),
        grammar: (i) => this.grammar(i),
      },
    );
  }

  /** A quoted label name in a grouping list the target accepts: any name in 3.x (UTF-8), legacy names in 2.55. */
  protected quotedLabelOk(quoted: string): boolean {
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

  protected tokenAt(i: number): Token | undefined {
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

  protected grammar(i: number, detail = ''): void {
    this.events.push(this.syntaxAt(i, detail));
  }

  protected reduce(
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
  protected sequence(i: number, expected: ((t: Token) => boolean)[], detail: string): number {
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
  protected duration(t: Token, positive: boolean): void {
    const from34 = atLeast(this.target, '3.4.0');
    if (t.type === 'NUMBER') {
      const v = parseNumber(t.text);
      // 3.4's duration_expr: a number of seconds must fit a time.Duration.
      if (from34 && Math.abs(v) > MAX_DURATION_SECONDS) this.reduce(t.end, t.start, t.end, 'duration out of range');
      else if (positive && from34 && v <= 0) this.reduce(t.end, t.start, t.end, 'duration must be greater than 0');
      return;
    }
    const d = parseDuration(t.text);
    if (!('error' in d)) return;
    if (from34 && !positive && d.error === 'duration must be greater than 0') return;
    this.reduce(t.end, t.start, t.end, d.error);
  }

  protected quotedLabels(labels: readonly Label[], detail: string): void {
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
  protected inGroupingList(i: number): boolean {
    let j = i - 1;
    if (this.tokens[j]?.text !== '(' && this.tokens[j]?.text !== ',') return false;
    while (j >= 0 && this.tokens[j].text !== '(') {
      if (!/^(,|IDENTIFIER|KEYWORD|AGGREGATOR|OPERATOR)$/.test(this.tokens[j].text === ',' ? ',' : this.tokens[j].type)) return false;
      j--;
    }
    return /^(by|without|on|ignoring|group_left|group_right)$/i.test(this.tokens[j - 1]?.text ?? '');
  }

  /** A range or subquery: `[` duration (`:` duration?)? `]`, token by token as Prometheus' grammar reads it. */
  protected bracket(i: number): void {
    const t = (k: number): Token | undefined => this.tokens[k];
    const expr = this.durationExprAt(i + 1);
    if (expr !== undefined) {
      this.durationExpr(i + 1, expr, true);
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
      this.durationExpr(k, step, true);
      return;
    }
    if (this.isDurationToken(t(k))) this.duration(this.tokens[k++], true);
    else if (t(k) && t(k)?.text !== ']') {
      this.grammar(k, ' in subquery selector, expected duration or "]"');
      return;
    }
    if (t(k) && t(k)?.text !== ']') this.grammar(k, ' in subquery selector, expected "]"');
  }

  /** Whether a subquery's step (after its colon) is a duration expression. */
  protected subqueryStepExpr(open: number): boolean {
    let k = open + 1;
    while (k < this.tokens.length && this.tokens[k].type !== 'COLON' && this.tokens[k].text !== ']') k++;
    return this.tokens[k]?.type === 'COLON' && this.durationExprAt(k + 1) !== undefined;
  }
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

// Read once per target object (every query is lexed with them).
const lexOptionsOf = new WeakMap<PromqlTarget, LexOptions>();

/** How the target's lexer differs from 2.42's (lex.go at the versions in constructs.ts). */
export function lexOptions(target: PromqlTarget): LexOptions {
  const known = lexOptionsOf.get(target);
  if (known) return known;
  const parses = (c: Construct): boolean => {
    const a = availability(CONSTRUCTS[c], target);
    return a.ok || a.why === 'not-enabled';
  };
  const keywords = !parses('durationStepMinMax')
    ? []
    : atLeast(target, '3.13.0')
      ? ['step', 'range', 'min_of', 'max_of']
      : ['step', 'min', 'max', ...(parses('durationRange') ? ['range'] : [])];
  const options: LexOptions = {
    limitAggregators: parses('limitAggregations'),
    numbers254: parses('numbersAsDurations'),
    durationExpr: parses('durationExpressions'),
    durationKeywords: new Set(keywords),
  };
  lexOptionsOf.set(target, options);
  return options;
}
