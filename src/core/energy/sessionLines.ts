// The session file's line format, read without parsing the whole file: the store writes
// `{"version":1,"records":[` then one record per line, newest first, then `]}`. Reading the head gives the
// newest records of a history of any size in time and memory proportional to the head; the tail is copied to
// an archive line by line, never held whole.
import * as fs from 'node:fs';

export const HEADER_LINE = '{"version":1,"records":[';
export const FOOTER_LINE = ']}';
const CHUNK = 1 << 16;

/** The first `max` records, and where the rest starts (undefined: there is no rest). */
export interface Head {
  readonly records: unknown[];
  readonly tailOffset: number | undefined;
}

/** Calls onLine for each line (without '\n') and its byte offset until it returns false or the file ends. */
function eachLine(fd: number, from: number, onLine: (line: string, offset: number) => boolean): void {
  const buf = Buffer.alloc(CHUNK);
  let pending = Buffer.alloc(0);
  let pendingOffset = from;
  let pos = from;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, CHUNK, pos);
    if (n === 0) break;
    pos += n;
    let data = pending.length > 0 ? Buffer.concat([pending, buf.subarray(0, n)]) : buf.subarray(0, n);
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      if (!onLine(data.toString('utf8', start, nl), pendingOffset + start)) return;
      start = nl + 1;
    }
    pendingOffset += start;
    data = data.subarray(start);
    pending = Buffer.from(data);
  }
  if (pending.length > 0) onLine(pending.toString('utf8'), pendingOffset);
}

type State = 'header' | 'records' | 'done' | 'bad';

/**
 * The newest `max` records of a file in the line format, or undefined when the file is not in it (pretty-printed,
 * hand-edited, truncated, a line that is not JSON): the caller then parses it whole and reports what is wrong.
 */
export function readHead(file: string, max: number): Head | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const records: unknown[] = [];
    let state = 'header' as State;
    let tailOffset: number | undefined;
    eachLine(fd, 0, (line, offset) => {
      if (state === 'header') {
        state = line === HEADER_LINE ? 'records' : 'bad';
        return state !== 'bad';
      }
      if (state === 'done') {
        state = line === '' ? 'done' : 'bad';
        return state !== 'bad';
      }
      if (line === FOOTER_LINE) {
        state = 'done';
        return true;
      }
      if (line === '' && records.length === 0) return true; // An empty history: header, blank line, footer.
      if (records.length === max) {
        tailOffset = offset;
        return false;
      }
      try {
        records.push(JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line));
        return true;
      } catch {
        state = 'bad';
        return false;
      }
    });
    if (tailOffset !== undefined) return { records, tailOffset };
    // Assigned in the callback, which the compiler's narrowing does not see.
    return (state as State) === 'done' ? { records, tailOffset: undefined } : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes the records from `offset` to the end of `file` into `fd` as a complete session file, copying bytes
 * rather than parsing records (the archive's reader validates each one). Returns how many records were copied.
 * The tail of a file in the line format is already a valid records list, so it is copied as it is; a tail that
 * does not end with the footer (truncated) is copied line by line, leaving out a last line cut short.
 */
export function copyTail(file: string, offset: number, fd: number): { lines: number; complete: boolean } {
  const src = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(src).size;
    const end = Buffer.alloc(Math.min(8, size - offset));
    fs.readSync(src, end, 0, end.length, size - end.length);
    if (!/\n\]\}\n?$/.test(end.toString('latin1'))) return { lines: copyLines(src, offset, fd), complete: false };
    fs.writeSync(fd, `${HEADER_LINE}\n`);
    const buf = Buffer.alloc(CHUNK * 16);
    let newlines = 0;
    for (let pos = offset; pos < size;) {
      const n = fs.readSync(src, buf, 0, buf.length, pos);
      if (n === 0) break;
      for (let i = buf.indexOf(10, 0); i !== -1 && i < n; i = buf.indexOf(10, i + 1)) newlines++;
      fs.writeSync(fd, buf, 0, n);
      pos += n;
    }
    // One newline ends each record line and one the footer.
    return { lines: newlines - 1, complete: true };
  } finally {
    fs.closeSync(src);
  }
}

function copyLines(src: number, offset: number, fd: number): number {
  let lines = 0;
  let out: string[] = [`${HEADER_LINE}\n`];
  let size = 0;
  const emit = (line: string): void => {
    const record = line.endsWith(',') ? line.slice(0, -1) : line;
    out.push(`${lines > 0 ? ',\n' : ''}${record}`);
    size += record.length;
    lines++;
    if (size > CHUNK * 16) {
      fs.writeSync(fd, out.join(''));
      out = [];
      size = 0;
    }
  };
  let previous: string | undefined;
  eachLine(src, offset, (line) => {
    if (previous !== undefined) emit(previous);
    previous = line;
    return true;
  });
  // No footer: the last line may be cut short, so it must parse.
  if (previous !== undefined && isJson(previous.endsWith(',') ? previous.slice(0, -1) : previous)) emit(previous);
  out.push(`\n${FOOTER_LINE}\n`);
  fs.writeSync(fd, out.join(''));
  return lines;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
