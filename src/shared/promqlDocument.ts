// A .promql document holds one or more queries: each paragraph (lines up to a blank line) is one query, and
// lines whose first non-blank character is `#` are comments. Used by the language server (diagnostics,
// CodeLens) and by the extension (Run PromQL Query), so both see the same queries at the same offsets.

export interface QueryBlock {
  /** The paragraph's exact text, comment lines included (Prometheus' parser accepts `#` comments). */
  readonly text: string;
  /** Offsets of the paragraph in the document: text === document.slice(start, end). */
  readonly start: number;
  readonly end: number;
  /** Zero-based lines of the paragraph's first and last line. */
  readonly startLine: number;
  readonly endLine: number;
  /** Zero-based line of the first line that is not a comment: where a "Run" CodeLens goes. */
  readonly queryLine: number;
}

const isBlank = (line: string): boolean => line.trim() === '';
const isComment = (line: string): boolean => line.trimStart().startsWith('#');

let last: { doc: string; blocks: readonly QueryBlock[] } | undefined;

/**
 * Splits a document into its queries. Paragraphs made only of comments are not queries. The last answer is
 * kept: completion, hover and diagnostics of one document version all ask for the same split.
 */
export function splitQueries(doc: string): readonly QueryBlock[] {
  if (last?.doc === doc) return last.blocks;
  const blocks = split(doc);
  last = { doc, blocks };
  return blocks;
}

function split(doc: string): QueryBlock[] {
  const out: QueryBlock[] = [];
  const lines = doc.split('\n');
  let offset = 0;
  let block: { start: number; startLine: number; end: number; endLine: number; queryLine: number } | undefined;
  const flush = (): void => {
    if (block && block.queryLine >= 0) out.push({ ...block, text: doc.slice(block.start, block.end) });
    block = undefined;
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (isBlank(line)) flush();
    else {
      block ??= { start: offset, startLine: i, end: offset, endLine: i, queryLine: -1 };
      block.end = offset + line.length;
      block.endLine = i;
      if (block.queryLine < 0 && !isComment(line)) block.queryLine = i;
    }
    offset += raw.length + 1;
  }
  flush();
  return out;
}

/** The query whose paragraph contains the offset (or ends right before it), if any. */
export function queryAt(blocks: readonly QueryBlock[], offset: number): QueryBlock | undefined {
  return blocks.find((b) => offset >= b.start && offset <= b.end);
}
