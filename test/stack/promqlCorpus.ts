// Reads test/stack/promql-corpus.txt (and promql-corpus-newer.txt, what PromQL gained since 2.42): queries separated by lines starting with `%%` (a bare `%%` opens an
// entry, `%% text` is a section heading). Entries may span lines; an empty entry is the empty query.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The corpus file, from the compiled test's folder (out/test/...) or the source tree. */
export const CORPUS_FILE = path.join(__dirname, '..', '..', '..', 'test', 'stack', 'promql-corpus.txt');

/** The constructs added to PromQL since 2.42, a separate file so the mutation test keeps its original seed corpus. */
export const NEWER_CORPUS_FILE = path.join(__dirname, '..', '..', '..', 'test', 'stack', 'promql-corpus-newer.txt');

/** Both parts of the corpus, in order. */
export function readFullCorpus(): string[] {
  return [...readCorpus(), ...readCorpus(NEWER_CORPUS_FILE)];
}

export function readCorpus(file = CORPUS_FILE): string[] {
  const text = fs.readFileSync(file, 'utf8').replace(/\n$/, '');
  const out: string[] = [];
  let entry: string[] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('%%')) {
      if (entry) out.push(entry.join('\n'));
      entry = line === '%%' ? [] : undefined;
    } else entry?.push(line);
  }
  if (entry) out.push(entry.join('\n'));
  return out;
}
