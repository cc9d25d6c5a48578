// The cursor of our port of Prometheus' PromQL lexer (promql/parser/lex.go): its token and error types, the
// rune-level reading (next / peek / backup / accept, UTF-16 offsets, lone surrogates read as U+FFFD as Go does),
// Go's quoting for messages, and how Prometheus names a token in its errors. The states are in lexer.ts, the number
// and duration scanners (2.42's and 2.54's) in lexNumbers.ts.

export type TokenType =
  | 'IDENTIFIER'
  | 'METRIC_IDENTIFIER'
  | 'NUMBER'
  | 'DURATION'
  | 'STRING'
  | 'KEYWORD'
  | 'OPERATOR'
  | 'AGGREGATOR'
  | 'PUNCT'
  | 'COLON'
  | 'COMMENT'
  | 'EOF';

export interface Token {
  readonly type: TokenType;
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

export interface LexError {
  /** Offset Prometheus reports the error at (the lexer's start of item at the time). */
  readonly pos: number;
  readonly message: string;
  /** Number of non-comment tokens emitted before the error: the parser meets the error there. */
  readonly tokenIndex: number;
}

export interface LexResult {
  /** Non-comment tokens, ending with EOF unless the lexer stopped on an error. */
  readonly tokens: Token[];
  readonly error?: LexError;
}

/** What the target's lexer reads differently from 2.42's. */
export interface LexOptions {
  /** `limitk` and `limit_ratio` are aggregators (2.54). */
  readonly limitAggregators?: boolean;
  /** 2.54's number scanner (`1_000`), and `[` opens a number or a duration, not only a duration. */
  readonly numbers254?: boolean;
  /** 3.4's lexDurationExpr: arithmetic inside brackets. */
  readonly durationExpr?: boolean;
  /** Words read as tokens inside brackets (3.6 step/min/max, 3.10 range, 3.13 min_of/max_of for min/max). */
  readonly durationKeywords?: ReadonlySet<string>;
}

export const EOF = -1;
export const isSpace = (r: number): boolean => r === 0x20 || r === 0x09 || r === 0x0a || r === 0x0d;
export const isDigit = (r: number): boolean => r >= 0x30 && r <= 0x39;
export const isAlpha = (r: number): boolean => r === 0x5f || (r >= 0x61 && r <= 0x7a) || (r >= 0x41 && r <= 0x5a);
export const isAlphaNumeric = (r: number): boolean => isAlpha(r) || isDigit(r);
export const ch = (c: string): number => c.charCodeAt(0);

/** Go's %q for a rune, close enough for messages. */
export function quoteRune(r: number): string {
  if (r === EOF) return "'\uFFFD'";
  const c = String.fromCodePoint(r);
  if (c === "'") return "'\\''";
  if (c === '\\') return "'\\\\'";
  if (r === 0x0a) return "'\\n'";
  if (r === 0x0d) return "'\\r'";
  if (r === 0x09) return "'\\t'";
  if (r < 0x20 || r === 0x7f) return `'\\x${r.toString(16).padStart(2, '0')}'`;
  if (/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(c)) return `'${c}'`;
  return r > 0xffff ? `'\\U${r.toString(16).padStart(8, '0')}'` : `'\\u${r.toString(16).padStart(4, '0')}'`;
}

/** Go's %q for a string, close enough for messages. */
export const quoteString = (s: string): string => JSON.stringify(s);

export type State = ((l: Lexer) => State) | undefined;

export class Lexer {
  pos = 0;
  start = 0;
  width = 0;
  parenDepth = 0;
  braceOpen = false;
  bracketOpen = false;
  gotColon = false;
  gotDuration = false;
  stringOpen = 0;
  readonly tokens: Token[] = [];
  error?: LexError;
  scanned = false;

  constructor(
    readonly input: string,
    readonly options: LexOptions,
  ) {}
  is(valid: string): boolean {
    const r = this.peek();
    return r !== EOF && valid.includes(String.fromCodePoint(r));
  }

  next(): number {
    if (this.pos >= this.input.length) {
      this.width = 0;
      return EOF;
    }
    let r = this.input.codePointAt(this.pos)!;
    this.width = r > 0xffff ? 2 : 1;
    // A lone surrogate reaches Prometheus as U+FFFD once encoded as UTF-8.
    if (r >= 0xd800 && r <= 0xdfff) r = 0xfffd;
    this.pos += this.width;
    return r;
  }
  peek(): number {
    const r = this.next();
    this.backup();
    return r;
  }
  backup(): void {
    this.pos -= this.width;
  }
  accept(valid: string): boolean {
    const r = this.next();
    if (r !== EOF && valid.includes(String.fromCodePoint(r))) return true;
    this.backup();
    return false;
  }
  acceptRun(valid: string): void {
    for (;;) {
      const r = this.next();
      if (r === EOF || !valid.includes(String.fromCodePoint(r))) break;
    }
    this.backup();
  }
  emit(type: TokenType): void {
    const text = this.input.slice(this.start, this.pos);
    if (type !== 'COMMENT') this.tokens.push({ type, start: this.start, end: this.pos, text });
    this.start = this.pos;
    this.scanned = true;
  }
  ignore(): void {
    this.start = this.pos;
  }
  errorf(message: string, dropLast = false): State {
    if (!this.error) this.error = { pos: this.start, message, tokenIndex: this.tokens.length - (dropLast ? 1 : 0) };
    this.scanned = true;
    return undefined;
  }
}

/** How Prometheus names a token in "unexpected ..." messages. */
export function describeToken(t: Token): string {
  switch (t.type) {
    case 'EOF':
      return 'end of input';
    case 'IDENTIFIER':
      return `identifier ${quoteString(t.text)}`;
    case 'METRIC_IDENTIFIER':
      return `metric identifier ${quoteString(t.text)}`;
    case 'NUMBER':
      return `number ${quoteString(t.text)}`;
    case 'DURATION':
      return `duration ${quoteString(t.text)}`;
    case 'STRING':
      return `string ${quoteString(t.text.length > 10 ? t.text.slice(0, 10) + '...' : t.text)}`;
    case 'KEYWORD':
      return `<${t.text.toLowerCase()}>`;
    case 'OPERATOR':
      return t.text === '@' ? '"@"' : `<op:${t.text.toLowerCase()}>`;
    case 'AGGREGATOR':
      return `<aggr:${t.text.toLowerCase()}>`;
    default:
      return quoteString(t.text);
  }
}
