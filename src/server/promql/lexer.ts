// Prometheus 2.42's PromQL lexer (promql/parser/lex.go), ported state for state, with the later versions'
// changes behind LexOptions (2.54's numbers, 3.4's duration expressions inside brackets). The parse itself is lezer's;
// this scanner exists because Prometheus reports lexical errors (bad escapes, unterminated strings, bad
// durations, unbalanced brackets) from its own lexer, at its own positions, and classifies tokens (duration vs
// number, keyword vs identifier) in ways lezer-promql's newer, more lenient tokenizer does not. Offsets are
// UTF-16 offsets into the query; prometheusPosition() converts to Prometheus' byte columns.
import {
  ch,
  EOF,
  isAlpha,
  isAlphaNumeric,
  isDigit,
  isSpace,
  Lexer,
  type LexOptions,
  type LexResult,
  quoteRune,
  quoteString,
  type State,
} from './lexCursor';
import { acceptRemainingDuration, scanDurationKeyword, scanNumber } from './lexNumbers';

const OPERATOR_KEYWORDS = new Set(['and', 'or', 'unless', 'atan2']);
const AGGREGATORS = new Set([
  'sum',
  'avg',
  'count',
  'min',
  'max',
  'group',
  'stddev',
  'stdvar',
  'topk',
  'bottomk',
  'count_values',
  'quantile',
]);
const KEYWORDS = new Set(['offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'start', 'end']);

function lexStatements(l: Lexer): State {
  if (l.braceOpen) return lexInsideBraces;
  if (l.input.startsWith('#', l.pos)) return lexLineComment;
  const r = l.next();
  if (r === EOF) {
    if (l.parenDepth !== 0) return l.errorf('unclosed left parenthesis');
    if (l.bracketOpen) return l.errorf('unclosed left bracket');
    l.emit('EOF');
    return undefined;
  }
  if (isSpace(r)) return lexSpace;
  switch (String.fromCodePoint(r)) {
    case ',':
      l.emit('PUNCT');
      return lexStatements;
    case '*':
    case '/':
    case '%':
    case '+':
    case '-':
    case '^':
      l.emit('OPERATOR');
      return lexStatements;
    case '=': {
      const t = l.peek();
      if (t === ch('=')) {
        l.next();
        l.emit('OPERATOR');
      } else if (t === ch('~')) {
        return l.errorf(`unexpected character after '=': ${quoteRune(t)}`);
      } else l.emit('PUNCT');
      return lexStatements;
    }
    case '!': {
      const t = l.next();
      if (t !== ch('=')) return l.errorf(`unexpected character after '!': ${quoteRune(t)}`);
      l.emit('OPERATOR');
      return lexStatements;
    }
    case '<':
    case '>':
      if (l.peek() === ch('=')) l.next();
      l.emit('OPERATOR');
      return lexStatements;
    case '"':
    case "'":
      l.stringOpen = r;
      return lexString;
    case '`':
      l.stringOpen = r;
      return lexRawString;
    case '(':
      l.emit('PUNCT');
      l.parenDepth++;
      return lexStatements;
    case ')':
      l.emit('PUNCT');
      l.parenDepth--;
      if (l.parenDepth < 0) return l.errorf(`unexpected right parenthesis ${quoteRune(r)}`, true);
      return lexStatements;
    case '{':
      l.emit('PUNCT');
      l.braceOpen = true;
      return lexInsideBraces;
    case '[':
      if (l.bracketOpen) return l.errorf(`unexpected left bracket ${quoteRune(r)}`);
      l.gotColon = false;
      l.emit('PUNCT');
      while (isSpace(l.peek())) l.next();
      l.ignore();
      l.bracketOpen = true;
      return l.options.durationExpr ? lexDurationExpr : l.options.numbers254 ? lexNumberOrDuration : lexDuration;
    case ']':
      if (!l.bracketOpen) return l.errorf(`unexpected right bracket ${quoteRune(r)}`);
      l.emit('PUNCT');
      l.bracketOpen = false;
      return lexStatements;
    case '@':
      l.emit('OPERATOR');
      return lexStatements;
  }
  if (isDigit(r) || (r === ch('.') && isDigit(l.peek()))) {
    l.backup();
    return lexNumberOrDuration;
  }
  if (isAlpha(r) || r === ch(':')) {
    if (!l.bracketOpen) {
      l.backup();
      return lexKeywordOrIdentifier;
    }
    if (l.options.durationKeywords?.size) {
      // 3.6: only `:` and the duration keywords.
      if (r === ch(':')) {
        if (l.gotColon) return l.errorf(`unexpected colon ${quoteRune(r)}`);
      } else if (scanDurationKeyword(l)) return lexStatements;
      else return l.errorf(`unexpected character: ${quoteRune(r)}, expected ':'`);
    }
    if (l.gotColon) return l.errorf(`unexpected colon ${quoteRune(r)}`);
    // Inside brackets Prometheus 2.42 reads any letter as the subquery colon (one character).
    l.emit('COLON');
    l.gotColon = true;
    return lexStatements;
  }
  return l.errorf(`unexpected character: ${quoteRune(r)}`);
}

function lexInsideBraces(l: Lexer): State {
  if (l.input.startsWith('#', l.pos)) return lexLineComment;
  const r = l.next();
  if (r === EOF) return l.errorf('unexpected end of input inside braces');
  if (isSpace(r)) return lexSpace;
  if (isAlpha(r)) {
    l.backup();
    return lexIdentifier;
  }
  switch (String.fromCodePoint(r)) {
    case ',':
      l.emit('PUNCT');
      return lexInsideBraces;
    case '"':
    case "'":
      l.stringOpen = r;
      return lexString;
    case '`':
      l.stringOpen = r;
      return lexRawString;
    case '=':
      if (l.next() !== ch('~')) l.backup();
      l.emit('PUNCT');
      return lexInsideBraces;
    case '!': {
      const nr = l.next();
      if (nr !== ch('~') && nr !== ch('=')) return l.errorf(`unexpected character after '!' inside braces: ${quoteRune(nr)}`);
      l.emit('PUNCT');
      return lexInsideBraces;
    }
    case '{':
      return l.errorf(`unexpected left brace ${quoteRune(r)}`);
    case '}':
      l.emit('PUNCT');
      l.braceOpen = false;
      return lexStatements;
  }
  return l.errorf(`unexpected character inside braces: ${quoteRune(r)}`);
}

function lexEscape(l: Lexer): State {
  let c = l.next();
  let n: number;
  let base: number;
  let max: number;
  if (c !== EOF && 'abfnrtv\\'.includes(String.fromCodePoint(c))) return lexString;
  if (c === l.stringOpen) return lexString;
  if (c >= ch('0') && c <= ch('7')) [n, base, max] = [3, 8, 255];
  else if (c === ch('x')) [c, n, base, max] = [l.next(), 2, 16, 255];
  else if (c === ch('u')) [c, n, base, max] = [l.next(), 4, 16, 0x10ffff];
  else if (c === ch('U')) [c, n, base, max] = [l.next(), 8, 16, 0x10ffff];
  else if (c === EOF) {
    l.errorf('escape sequence not terminated');
    return lexString;
  } else {
    l.errorf(`unknown escape sequence U+${c.toString(16).toUpperCase().padStart(4, '0')} ${quoteRune(c)}`);
    return lexString;
  }
  let x = 0;
  while (n > 0) {
    const d = digitVal(c);
    if (d >= base) {
      if (c === EOF) l.errorf('escape sequence not terminated');
      else l.errorf(`illegal character U+${c.toString(16).toUpperCase().padStart(4, '0')} ${quoteRune(c)} in escape sequence`);
      return lexString;
    }
    x = x * base + d;
    n--;
    if (n > 0) c = l.next();
  }
  if (x > max || (x >= 0xd800 && x < 0xe000)) l.errorf('escape sequence is an invalid Unicode code point');
  return lexString;
}

function digitVal(c: number): number {
  if (c >= ch('0') && c <= ch('9')) return c - ch('0');
  if (c >= ch('a') && c <= ch('f')) return c - ch('a') + 10;
  if (c >= ch('A') && c <= ch('F')) return c - ch('A') + 10;
  return 16;
}

function lexString(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (r === ch('\\')) return lexEscape;
    if (r === 0xfffd) {
      l.errorf('invalid UTF-8 rune');
      return lexString;
    }
    if (r === EOF || r === 0x0a) return l.errorf('unterminated quoted string');
    if (r === l.stringOpen) break;
  }
  l.emit('STRING');
  return lexStatements;
}

function lexRawString(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (r === 0xfffd) {
      l.errorf('invalid UTF-8 rune');
      return lexRawString;
    }
    if (r === EOF) {
      l.errorf('unterminated raw string');
      return lexRawString;
    }
    if (r === l.stringOpen) break;
  }
  l.emit('STRING');
  return lexStatements;
}

function lexSpace(l: Lexer): State {
  while (isSpace(l.peek())) l.next();
  l.ignore();
  return lexStatements;
}

function lexLineComment(l: Lexer): State {
  l.pos += 1;
  for (let r = l.next(); r !== 0x0a && r !== 0x0d && r !== EOF;) r = l.next();
  l.backup();
  l.emit('COMMENT');
  return lexStatements;
}

function lexDuration(l: Lexer): State {
  if (scanNumber(l)) return l.errorf('missing unit character in duration');
  if (!acceptRemainingDuration(l)) return l.errorf(`bad duration syntax: ${quoteString(l.input.slice(l.start, l.pos))}`);
  l.backup();
  l.emit('DURATION');
  return lexStatements;
}

function lexNumberOrDuration(l: Lexer): State {
  if (scanNumber(l)) {
    l.emit('NUMBER');
    return lexStatements;
  }
  if (acceptRemainingDuration(l)) {
    l.backup();
    l.emit('DURATION');
    return lexStatements;
  }
  return l.errorf(`bad number or duration syntax: ${quoteString(l.input.slice(l.start, l.pos))}`);
}

/** 3.4's lexDurationExpr (as of 3.14): arithmetic, parentheses, commas and duration keywords inside brackets. */
function lexDurationExpr(l: Lexer): State {
  const r = l.next();
  if (r === EOF) return l.errorf('unexpected end of input in duration expression');
  const c = String.fromCodePoint(r);
  switch (c) {
    case ']':
      l.emit('PUNCT');
      l.bracketOpen = false;
      l.gotColon = false;
      return lexStatements;
    case ':':
      l.emit('COLON');
      // errorf overwrites the item just emitted (lex.go): the parser never sees the colon.
      if (!l.gotDuration) return l.errorf('unexpected colon before duration in duration expression', true);
      if (l.gotColon) return l.errorf('unexpected repeated colon in duration expression', true);
      l.gotColon = true;
      return lexDurationExpr;
    case '(':
      l.emit('PUNCT');
      l.parenDepth++;
      return lexDurationExpr;
    case ')':
      l.emit('PUNCT');
      l.parenDepth--;
      if (l.parenDepth < 0) return l.errorf(`unexpected right parenthesis ${quoteRune(r)}`, true);
      return lexDurationExpr;
    case ',':
      l.emit('PUNCT');
      return lexDurationExpr;
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '^':
      l.emit('OPERATOR');
      return lexDurationExpr;
  }
  if (isSpace(r)) {
    while (isSpace(l.peek())) l.next();
    l.ignore();
    return lexDurationExpr;
  }
  if (isAlpha(r) && scanDurationKeyword(l)) return lexDurationExpr;
  if (isDigit(r) || (r === ch('.') && isDigit(l.peek()))) {
    l.backup();
    l.gotDuration = true;
    return lexNumberOrDuration;
  }
  return l.errorf(`unexpected character in duration expression: ${quoteRune(r)}`);
}

function lexIdentifier(l: Lexer): State {
  while (isAlphaNumeric(l.next()));
  l.backup();
  l.emit('IDENTIFIER');
  return lexStatements;
}

function lexKeywordOrIdentifier(l: Lexer): State {
  for (;;) {
    const r = l.next();
    if (isAlphaNumeric(r) || r === ch(':')) continue;
    l.backup();
    const kw = l.input.slice(l.start, l.pos).toLowerCase();
    if (kw === 'inf' || kw === 'nan') l.emit('NUMBER');
    else if (OPERATOR_KEYWORDS.has(kw)) l.emit('OPERATOR');
    else if (AGGREGATORS.has(kw) || (l.options.limitAggregators && (kw === 'limitk' || kw === 'limit_ratio'))) l.emit('AGGREGATOR');
    else if (KEYWORDS.has(kw)) l.emit('KEYWORD');
    else l.emit(kw.includes(':') ? 'METRIC_IDENTIFIER' : 'IDENTIFIER');
    return lexStatements;
  }
}

/** Scans the whole query the way Prometheus 2.42 does (or a later one, see options), up to its first lexical error. */
export function lex(input: string, options: LexOptions = {}): LexResult {
  const l = new Lexer(input, options);
  let state: State = lexStatements;
  while (state) {
    l.scanned = false;
    while (!l.scanned && state) state = state(l);
    if (l.error) break;
  }
  return { tokens: l.tokens, ...(l.error ? { error: l.error } : {}) };
}
