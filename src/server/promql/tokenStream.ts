// Token-stream helpers for the syntax check: when lezer cannot be trusted (depth, long chains), the text lezer
// parses (number tokens normalised), Prometheus' trailing-comma error, and the context words of its messages.
import type { Token } from './lexCursor';

const tokenAt = (tokens: readonly Token[], i: number): Token | undefined => tokens[i];

const MAX_NESTING = 1000;

const MAX_OPERATORS_PER_LEVEL = 250;

/**
 * Whether lezer can parse this faithfully. Its parser cuts stacks deeper than ~2800 frames (brackets, unary
 * operators, right-associative `^` chains) and forces its way out of long left-associative chains (over ~300
 * operators in a row, `a + b + c ...`): either reads as a false syntax error.
 */
export function tooComplex(tokens: readonly Token[]): boolean {
  let depth = 0;
  let max = 0;
  let chain = 0;
  let prev: Token | undefined;
  const operatorsAt: number[] = [0];
  for (const t of tokens) {
    if (t.text === '(' || t.text === '[' || t.text === '{') {
      max = Math.max(max, ++depth);
      operatorsAt[depth] = 0;
    } else if (t.text === ')' || t.text === ']' || t.text === '}') depth = Math.max(0, depth - 1);
    else if (t.type === 'OPERATOR') {
      if (t.text === '^' || !prev || prev.type === 'OPERATOR' || prev.text === '(' || prev.text === ',') chain++;
      else if (++operatorsAt[depth] > MAX_OPERATORS_PER_LEVEL) return true;
    }
    prev = t;
  }
  return max + chain > MAX_NESTING;
}

/** The comma right before the failing token, when it ends a call's argument list (Prometheus' own error). */
export function trailingComma(tokens: readonly Token[], failIndex: number): Token | undefined {
  const comma = tokens[failIndex - 1];
  if (comma?.text !== ',' || tokens[failIndex]?.text === '}') return undefined;
  let depth = 0;
  for (let i = failIndex - 2; i >= 0; i--) {
    const t = tokens[i].text;
    if (t === ')') depth++;
    else if (t === '(' && depth-- === 0) {
      const callee = tokens[i - 1];
      if (callee && (callee.type === 'IDENTIFIER' || callee.type === 'AGGREGATOR')) return comma;
      // `sum by (a) (x, ...`: the arguments follow the aggregation's grouping.
      if (callee?.text !== ')') return undefined;
      let k = i - 2;
      while (k >= 0 && tokens[k].text !== '(') k--;
      return /^(by|without)$/i.test(tokens[k - 1]?.text ?? '') && tokens[k - 2]?.type === 'AGGREGATOR' ? comma : undefined;
    }
  }
  return undefined;
}

// The duration functions as lezer-promql spells them; others the target has (min/max before 3.13, any case) it
// cannot parse.
const LEZER_DURATION_WORDS = new Set(['step', 'range', 'min_of', 'max_of']);

/** Whether token i stands in a duration: lexed as a keyword inside brackets, or after `offset` (through `(`, signs). */
function inDuration(tokens: readonly Token[], i: number): boolean {
  if (tokens[i].type === 'KEYWORD') return true;
  let j = i - 1;
  while (j >= 0 && /^[-+(]$/.test(tokens[j].text)) j--;
  return j >= 0 && tokens[j].type === 'KEYWORD' && tokens[j].text.toLowerCase() === 'offset';
}

/** Index of the `)` closing the `(` at index open, or -1. */
function closing(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    if (tokens[k].text === '(') depth++;
    else if (tokens[k].text === ')' && --depth === 0) return k;
  }
  return -1;
}

/**
 * The text lezer parses: Prometheus' number tokens rewritten as same-length decimals lezer reads as one number
 * (`5.`, `0X1f`, `1e`), so both see the same tokens; values are read from the original text. A call of a duration
 * function lezer does not know (`max(step(), 5s)` on 3.6–3.12, `STEP()`) becomes a same-length `(1   )`: the
 * duration itself is checked from the tokens (durationExpr.ts), lezer only needs to see a duration there. Before
 * fill modifiers, `fill(` is renamed so that lezer reads a call, as Prometheus does.
 */
export interface LezerTextOptions {
  /** The target's duration functions (LexOptions.durationKeywords). */
  readonly durationWords?: ReadonlySet<string>;
  /** The target has no fill modifiers: `fill(...)` is a call of an unknown function to it, as lezer must read it. */
  readonly fillIsName?: boolean;
}

const FILL_WORDS = new Set(['fill', 'fill_left', 'fill_right']);

export function lezerText(text: string, tokens: readonly Token[], { durationWords, fillIsName }: LezerTextOptions = {}): string {
  let out = '';
  let last = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.end > text.length) break;
    if (t.type === 'COLON' && t.text !== ':') {
      out += text.slice(last, t.start) + ':';
      last = t.end;
      continue;
    }
    if (fillIsName && t.type === 'IDENTIFIER' && FILL_WORDS.has(t.text.toLowerCase()) && tokens[i + 1]?.text === '(') {
      // Same length, no longer lezer's Fill keyword; the call's name is read from the original text.
      out += text.slice(last, t.start) + t.text.slice(0, -1) + '_';
      last = t.end;
      continue;
    }
    const word = durationWords?.size && /^(KEYWORD|IDENTIFIER|AGGREGATOR)$/.test(t.type) ? t.text.toLowerCase() : '';
    if (word && durationWords?.has(word) && !LEZER_DURATION_WORDS.has(t.text) && tokens[i + 1]?.text === '(' && inDuration(tokens, i)) {
      const close = closing(tokens, i + 1);
      if (close > 0 && tokens[close].end <= text.length) {
        out += text.slice(last, t.start) + '(1' + ' '.repeat(tokens[close].end - t.start - 3) + ')';
        last = tokens[close].end;
        i = close;
        continue;
      }
    }
    if (t.type !== 'NUMBER' || /^(inf|nan)$/i.test(t.text) || /^(\d+(\.\d+)?([eE][-+]?\d+)?|0x[0-9a-fA-F]+)$/.test(t.text)) continue;
    // Right after a number (`1.2.3` is `1.2` then `.3`), a leading blank keeps lezer from joining the two.
    const joined = t.start > 0 && /[\w.:]/.test(text[t.start - 1]) && t.end - t.start > 1;
    out += text.slice(last, t.start) + (joined ? ' ' : '') + '1'.repeat(t.end - t.start - (joined ? 1 : 0));
    last = t.end;
  }
  return last === 0 ? text : out + text.slice(last);
}

/** Where the parser was, in Prometheus' words (`in label matching, expected string`), from the tokens before. */
export function messageContext(tokens: readonly Token[], i: number): string {
  const prev = tokenAt(tokens, i - 1);
  if (!prev) return '';
  const p = prev.text.toLowerCase();
  let depth = 0;
  for (let j = i - 1; j >= 0; j--) {
    const t = tokens[j].text;
    if (t === '}' || t === ')') depth++;
    else if (t === '{' && depth-- === 0) {
      if (p === '{' || p === ',') return ' in label matching, expected identifier or "}"';
      if (prev.type === 'IDENTIFIER') return ' in label matching, expected label matching operator';
      if (prev.type === 'STRING') return ' in label matching, expected "," or "}"';
      return ' in label matching, expected string';
    } else if (t === '(' && depth-- === 0) {
      const opener = tokens[j - 1];
      if (opener?.type === 'KEYWORD' && /^(by|without|on|ignoring|group_left|group_right)$/i.test(opener.text)) {
        return p === '(' || p === ',' ? ' in grouping opts, expected label' : ' in grouping opts, expected "," or ")"';
      }
      break;
    }
  }
  if (/^(by|without|on|ignoring)$/.test(p) && tokenAt(tokens, i)?.text !== '(') return ' in grouping opts, expected "("';
  if (prev.type === 'AGGREGATOR' || (p === '(' && tokenAt(tokens, i - 2)?.type === 'AGGREGATOR')) return ' in aggregation';
  if (p === ')') {
    // `sum by (a) <here>`: right after an aggregation's grouping.
    let j = i - 2;
    while (j >= 0 && tokens[j].text !== '(') j--;
    const kw = tokenAt(tokens, j - 1);
    if (kw && /^(by|without)$/i.test(kw.text) && tokenAt(tokens, j - 2)?.type === 'AGGREGATOR') return ' in aggregation';
  }
  if (p === 'offset' || (p === '-' && tokenAt(tokens, i - 2)?.text.toLowerCase() === 'offset')) return ' in offset, expected duration';
  if (p === '@' || (/^[-+]$/.test(p) && tokenAt(tokens, i - 2)?.text === '@')) return ' in @, expected timestamp';
  if (prev.type === 'DURATION' && tokenAt(tokens, i - 2)?.text === '[') return ' in subquery or range, expected ":" or "]"';
  return '';
}
