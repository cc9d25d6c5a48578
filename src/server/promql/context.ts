// Where the cursor is, lexically, in a query that is being typed (so usually incomplete): inside which open
// brackets, inside a string or a comment, and what came just before. Completion and signature help read
// this; a partial query like `sum by (job) (rate(scaph_` does not parse into anything useful, but its
// brackets, strings and tokens still say what may come next.

export interface OpenBracket {
  readonly ch: '(' | '[' | '{';
  readonly pos: number;
  /** Commas seen at this bracket's depth so far (the active argument's index). */
  commas: number;
}

export interface LexState {
  readonly stack: readonly OpenBracket[];
  /** Set when the cursor is inside a string literal: its quote and the offset after the opening quote. */
  readonly string?: { quote: string; contentStart: number };
  readonly inComment: boolean;
}

/** Scans text[0, pos) tracking brackets, strings (with escapes) and `#` comments. Linear in pos. */
export function scanTo(text: string, pos: number): LexState {
  const stack: OpenBracket[] = [];
  let i = 0;
  while (i < pos) {
    const c = text[i];
    if (c === '#') {
      const nl = text.indexOf('\n', i);
      if (nl < 0 || nl >= pos) return { stack, inComment: true };
      i = nl + 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1;
      while (j < pos && text[j] !== c) {
        if (text[j] === '\\' && c !== '`') j++;
        else if (text[j] === '\n' && c !== '`') break;
        j++;
      }
      if (j >= pos) return { stack, string: { quote: c, contentStart: i + 1 }, inComment: false };
      i = j + 1;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') stack.push({ ch: c, pos: i, commas: 0 });
    else if (c === ')' || c === ']' || c === '}') stack.pop();
    else if (c === ',' && stack.length) stack[stack.length - 1].commas++;
    i++;
  }
  return { stack, inComment: false };
}

const WORD = /[A-Za-z0-9_:]/;

/** Start of the word (metric, label, keyword or duration characters) that ends at pos. */
export function wordStart(text: string, pos: number): number {
  let s = pos;
  while (s > 0 && WORD.test(text[s - 1])) s--;
  return s;
}

/** The token that ends right before `pos` (spaces and comments skipped): its text and where it starts. */
export function tokenBefore(text: string, pos: number): { text: string; start: number } | undefined {
  const lines = lineIndex(text);
  let e = pos;
  for (;;) {
    while (e > 0 && /\s/.test(text[e - 1])) e--;
    // A comment line before the cursor: skip it (a `#` earlier on the same line).
    const hash = lines.commentStart(lines.lineStart(e));
    if (hash < 0 || hash >= e) break;
    e = hash;
  }
  if (e === 0) return undefined;
  const c = text[e - 1];
  if (WORD.test(c)) {
    const s = wordStart(text, e);
    return { text: text.slice(s, e), start: s };
  }
  if (c === '"' || c === "'" || c === '`') return { text: c, start: e - 1 };
  const two = text.slice(Math.max(0, e - 2), e);
  if (['==', '!=', '>=', '<=', '=~', '!~'].includes(two)) return { text: two, start: e - 2 };
  return { text: c, start: e - 1 };
}

/**
 * Line starts and each line's comment start, computed once per text. Signature help asks for the token before
 * every open bracket, outward from the cursor; finding the line start and its `#` by scanning from the bracket
 * made 100,000 brackets on one line cost 100,000 line scans (quadratic), this makes each line scanned once.
 */
class LineIndex {
  private readonly starts: number[] = [0];
  private readonly comments = new Map<number, number>();
  constructor(private readonly text: string) {
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1);
  }
  /** Start of the line holding the character before `pos` (as `lastIndexOf('\n', pos - 1) + 1`). */
  lineStart(pos: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return this.starts[lo];
  }
  /** The first `#` outside quotes on the line starting at `lineStart`, or -1. */
  commentStart(lineStart: number): number {
    let hash = this.comments.get(lineStart);
    if (hash === undefined) {
      const nl = this.text.indexOf('\n', lineStart);
      hash = indexOfCommentStart(this.text, lineStart, nl < 0 ? this.text.length : nl);
      this.comments.set(lineStart, hash);
    }
    return hash;
  }
}

function indexOfCommentStart(text: string, from: number, to: number): number {
  let quote: string | undefined;
  for (let i = from; i < to; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '#') return i;
  }
  return -1;
}

let lastIndex: { text: string; index: LineIndex } | undefined;
function lineIndex(text: string): LineIndex {
  if (lastIndex?.text !== text) lastIndex = { text, index: new LineIndex(text) };
  return lastIndex.index;
}

/** The word right before an open bracket at `bracketPos` (function or aggregation name, by, on ...). */
export function wordBeforeBracket(text: string, bracketPos: number): { text: string; start: number } | undefined {
  const t = tokenBefore(text, bracketPos);
  return t && /^[A-Za-z_:]/.test(t.text) ? t : undefined;
}

/** For `sum by (job) (`: the aggregation operator before a grouping clause that precedes the bracket. */
export function callNameBefore(text: string, bracketPos: number): { name: string; start: number } | undefined {
  const t = tokenBefore(text, bracketPos);
  if (!t) return undefined;
  if (/^[A-Za-z_]/.test(t.text)) return { name: t.text, start: t.start };
  if (t.text !== ')') return undefined;
  // Walk back to the matching '(' of a `by (...)` / `without (...)` clause.
  let depth = 0;
  for (let i = t.start; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) {
      const kw = tokenBefore(text, i);
      if (kw && /^(by|without)$/i.test(kw.text)) {
        const op = tokenBefore(text, kw.start);
        return op && /^[A-Za-z_]/.test(op.text) ? { name: op.text, start: op.start } : undefined;
      }
      return undefined;
    }
  }
  return undefined;
}
