// How the history's files change on disk: complete or not at all. A new version is written to a temp file beside
// its target, fsynced, then renamed over it (and the folder synced), so a reader or a crash only ever sees one
// whole version; temps that writers left behind are removed once no live writer can still be writing them.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pidAlive } from './fileLock';

// Process-wide, so two stores on the same file in one process never share a temp or archive name.
let serial = 0;
/** A temp file this old is a leftover whoever wrote it (a writer on another host, whose pid means nothing here). */
const STALE_TEMP_MS = 10 * 60_000;

/** `<pid>-<n>`, unique among this machine's live writers. */
export function uniqueSuffix(): string {
  return `${process.pid}-${++serial}`;
}

/**
 * First half of an atomic write: the complete content (text, or written by `content` to the descriptor) in
 * `<file>.tmp-<pid>-<n>`, fsynced. Returns the temp file; on failure none is left.
 */
export function writeTempFile(file: string, content: string | ((fd: number) => void)): string {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${uniqueSuffix()}`;
  const fd = fs.openSync(tmp, 'wx');
  try {
    if (typeof content === 'string') fs.writeFileSync(fd, content);
    else content(fd);
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  return tmp;
}

/** Second half: the temp replaces `target` in one rename, made durable; on failure the temp is removed. */
export function replaceFile(tmp: string, target: string): void {
  try {
    fs.renameSync(tmp, target);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  syncFolder(path.dirname(target));
}

/**
 * Removes temps of `file`'s writers that are gone: complete-but-unrenamed or partial, the target is authoritative.
 * Call it under the file's lock, where no live writer of the store is mid-write; a temp whose pid lives is left
 * alone anyway (another program, or a version without the lock) unless it is old. Our own pid's temps are ours: stale.
 */
export function removeStaleTemps(file: string): void {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.tmp-`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1]);
    const full = path.join(dir, name);
    let old: boolean;
    try {
      old = Date.now() - fs.statSync(full).mtimeMs > STALE_TEMP_MS;
    } catch {
      continue;
    }
    if (pid === process.pid || !pidAlive(pid) || old) fs.rmSync(full, { force: true });
  }
}

/** Makes the rename itself durable on POSIX; Windows cannot open folders, and the data is safe without it. */
function syncFolder(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Best effort only.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** A file's identity (inode, size, mtime): unchanged means nobody wrote it since; undefined when it is missing. */
export function fileIdentity(file: string): string | undefined {
  try {
    const st = fs.statSync(file);
    return `${st.ino}:${st.size}:${st.mtimeMs}`;
  } catch {
    return undefined;
  }
}
