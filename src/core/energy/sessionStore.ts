// The per-workspace history of finished measurements (debug sessions, tasks, commands): a bounded JSON file of
// the newest records in the extension's storage folder, and archive files beside it for the older ones
// (the record and its file format: sessionRecord.ts; atomic writes: sessionFiles.ts; exports: sessionExport.ts;
// reports: sessionReport.ts).
//
// Retention: nothing is dropped. The main file holds the newest maxRecords (1,000) records, which is what the
// view lists and compares; older ones are moved, before the main file is rewritten without them, to
// `<name>.archive-<time>.json` files in the same format, which exports (readAll) include. A history written
// by an earlier version with more records is split the same way on first load, by copying its lines rather
// than parsing them, so activation stays fast at any size.
//
// Several processes may share one file (every window without a folder uses the global storage; the CLI): each
// mutation re-reads, merges and writes under a cross-process lock (fileLock.ts), and only temp files of dead
// writers are removed. Writes are synchronous on purpose: a write-fsync-rename under the lock leaves no window
// in which another mutation or deactivate() can interleave, so the file on disk is always one complete version.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LockError, LockOptions, withFileLock } from './fileLock';
import { fileIdentity, removeStaleTemps, replaceFile, uniqueSuffix, writeTempFile } from './sessionFiles';
import { copyTail, Head, readHead } from './sessionLines';
import { isSessionRecord, newestFirst, parseSessionFile, SessionRecord, serializeSessions } from './sessionRecord';

const DEFAULT_MAX_RECORDS = 1000;
/** An archive is appended to until it reaches this size, so archiving one record at a time stays cheap. */
const ARCHIVE_BYTES = 1 << 20;
/** How long load() waits for the lock before reading without it; saves hold it for milliseconds. */
const LOAD_LOCK_MS = 500;

/** What a mutation did besides the change asked for, for the UI to tell the user. */
export interface SaveResult {
  /** Records moved from the main file to an archive by this save, and where. */
  readonly archived: number;
  readonly archiveFile?: string;
}

export interface SessionStoreOptions {
  /** Records kept in the main file (listed, compared); older ones go to archives. */
  readonly maxRecords?: number;
  readonly lock?: LockOptions;
}

export class SessionStore {
  /** What the last load() changed or could not read (corrupt file set aside, invalid records, records archived), for the UI. */
  lastLoadProblem: string | undefined;
  private readonly maxRecords: number;
  private readonly lock: LockOptions;
  private records: SessionRecord[] | undefined;
  /** The main file's identity when last read or written: unchanged means no other writer touched it. */
  private seen: string | undefined;

  constructor(
    private readonly file: string,
    opts: SessionStoreOptions = {},
  ) {
    const max = opts.maxRecords ?? DEFAULT_MAX_RECORDS;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxRecords must be a positive integer, got ${max}`);
    this.maxRecords = max;
    this.lock = opts.lock ?? {};
  }

  /**
   * Reads the newest maxRecords records, newest first. Missing file: empty. A file that is not valid JSON of the
   * expected shape is renamed to `<file>.corrupt-<ms>` (never overwritten) and the store starts empty; invalid
   * records are dropped after copying the file aside the same way; records beyond maxRecords are moved to an
   * archive. All reported in lastLoadProblem. Without the lock (read-only storage) it reads and repairs nothing.
   * I/O errors other than a missing file throw, so nothing can overwrite a file we could not read.
   */
  load(): SessionRecord[] {
    this.lastLoadProblem = undefined;
    const problems: string[] = [];
    let records: SessionRecord[];
    try {
      // Activation must not wait long for another window's save: without the lock it reads, and repairs later.
      const lock = { ...this.lock, timeoutMs: Math.min(this.lock.timeoutMs ?? LOAD_LOCK_MS, LOAD_LOCK_MS) };
      records = withFileLock(this.file, () => this.read(problems, true), lock);
    } catch (err) {
      if (!(err instanceof LockError)) throw err;
      // Renames are atomic, so the file is complete even while another writer holds the lock.
      records = this.read(problems, false);
    }
    this.records = records;
    if (problems.length > 0) this.lastLoadProblem = problems.join(' ');
    return this.all();
  }

  /** The newest records (at most maxRecords), newest first (a copy). Loads on first use. */
  all(): SessionRecord[] {
    return [...this.loaded()];
  }

  /** Every record, archives included, newest first: for exports. Reads the archives asynchronously. */
  async readAll(): Promise<{ records: SessionRecord[]; problems: string[] }> {
    const byId = new Map<string, SessionRecord>();
    for (const r of this.loaded()) byId.set(r.id, r);
    const problems: string[] = [];
    // Newest archive first: after a crash between writing an archive and the main file, the newest copy wins.
    for (const archive of this.archives().reverse()) {
      const parsed = parseSessionFile(await fs.promises.readFile(archive, 'utf8'));
      if (typeof parsed === 'string') {
        problems.push(`${path.basename(archive)}: ${parsed}`);
        continue;
      }
      const invalid = parsed.filter((r) => !isSessionRecord(r)).length;
      if (invalid > 0) problems.push(`${path.basename(archive)}: ${invalid} invalid record${invalid === 1 ? '' : 's'} left out`);
      for (const r of parsed) if (isSessionRecord(r) && !byId.has(r.id)) byId.set(r.id, r);
    }
    return { records: [...byId.values()].sort(newestFirst), problems };
  }

  /** The archive files, oldest first. */
  archives(): string[] {
    const dir = path.dirname(this.file);
    const { prefix, suffix } = this.archiveName();
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => n.startsWith(prefix) && n.endsWith(suffix))
      .sort()
      .map((n) => path.join(dir, n));
  }

  /**
   * Adds a record (replacing one with the same id), merged with whatever other writers saved meanwhile; the
   * oldest beyond maxRecords move to an archive. Throws when it could not be saved (nothing changed then).
   */
  add(record: SessionRecord): SaveResult {
    if (!isSessionRecord(record)) throw new TypeError('not a valid SessionRecord');
    return this.mutate((current) => [record, ...current.filter((r) => r.id !== record.id)]);
  }

  /** Removes the records with these ids and persists; returns how many were removed. */
  delete(ids: readonly string[]): number {
    const drop = new Set(ids);
    let removed = 0;
    this.mutate((current) => {
      const next = current.filter((r) => !drop.has(r.id));
      removed = current.length - next.length;
      return next;
    });
    return removed;
  }

  /** Deletes every record, archives included. */
  clear(): void {
    this.writeLocked(() => {
      this.persist([]);
      for (const archive of this.archives()) fs.rmSync(archive, { force: true });
    });
  }

  /**
   * First half of an atomic write: the complete new content in `<file>.tmp-<pid>-<n>`, fsynced. Public so tests
   * can simulate a crash between this and the rename; everything else should use the mutators.
   */
  writeTemp(records: readonly SessionRecord[]): string {
    return writeTempFile(this.file, serializeSessions(records));
  }

  /** Read, change, archive, write: all under the lock, so concurrent writers merge instead of overwriting. */
  private mutate(change: (current: SessionRecord[]) => SessionRecord[]): SaveResult {
    return this.writeLocked(() => {
      const problems: string[] = [];
      const current = this.records !== undefined && this.identity() === this.seen ? this.records : this.read(problems, true);
      if (problems.length > 0) this.lastLoadProblem = problems.join(' ');
      const next = change(current).sort(newestFirst);
      const older = next.slice(this.maxRecords);
      const archiveFile = older.length > 0 ? this.archive(older) : undefined;
      this.persist(next.slice(0, this.maxRecords));
      return { archived: older.length, archiveFile };
    });
  }

  /** The first write creates the folder, which the lock file lives in. */
  private writeLocked<T>(fn: () => T): T {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    return withFileLock(this.file, fn, this.lock);
  }

  /** Memory changes only after the file did, so a failed write (disk full) leaves both as they were. */
  private persist(records: SessionRecord[]): void {
    replaceFile(this.writeTemp(records), this.file);
    this.records = records;
    this.seen = this.identity();
  }

  /**
   * The main file's newest records; with `repair` (the lock held) also sets aside what is corrupt and archives
   * what is beyond maxRecords. Reads only the head of a file in the store's line format, whatever its size.
   */
  private read(problems: string[], repair: boolean): SessionRecord[] {
    if (repair) removeStaleTemps(this.file);
    let head: Head | undefined;
    try {
      head = readHead(this.file, this.maxRecords);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.seen = undefined;
      return [];
    }
    const seen = this.identity();
    let parsed: unknown[];
    if (head) {
      parsed = head.records;
    } else {
      // Not in the line format (hand-made, pasted from an export): small in practice, parsed whole.
      const whole = parseSessionFile(fs.readFileSync(this.file, 'utf8'));
      if (typeof whole === 'string') {
        if (!repair) {
          problems.push(`The energy history could not be read (${whole}); it was left as it is (${this.file}).`);
          return [];
        }
        const moved = this.setAside((to) => fs.renameSync(this.file, to));
        problems.push(`The energy history could not be read (${whole}); it was moved to ${moved} and a new history started.`);
        this.seen = undefined;
        return [];
      }
      parsed = whole;
    }
    const valid = parsed.filter(isSessionRecord).sort(newestFirst);
    const dropped = parsed.length - valid.length;
    const window = valid.slice(0, this.maxRecords);
    const older = valid.slice(this.maxRecords);
    const tailOffset = head?.tailOffset;
    if (!repair) {
      if (dropped > 0) problems.push(`Left out ${dropped} invalid record${dropped === 1 ? '' : 's'} of the energy history.`);
      // What is left out here is still in the file: the next mutation must re-read it under the lock and archive
      // or set it aside, never write this window over it.
      this.seen = dropped > 0 || tailOffset !== undefined || older.length > 0 ? undefined : seen;
      return window;
    }
    this.seen = seen;
    if (dropped > 0) {
      // Keep the original where the user can find it, then rewrite the file clean so that the next load
      // neither reports nor copies the same records again.
      const kept = this.setAside((to) => fs.copyFileSync(this.file, to));
      problems.push(
        `Dropped ${dropped} invalid record${dropped === 1 ? '' : 's'} of ${parsed.length} from the energy history; the original file was kept as ${kept}.`,
      );
    }
    if (tailOffset !== undefined || older.length > 0) {
      // The archive is complete before the main file loses those records: a crash in between duplicates, never loses.
      let moved = older.length;
      const archive =
        tailOffset !== undefined ? this.newArchive((fd) => (moved = copyTail(this.file, tailOffset, fd).lines)) : this.archive(older);
      problems.push(
        `The energy history had more than ${this.maxRecords} records: the ${this.maxRecords} newest stay in the Energy Sessions view, ` +
          `the ${moved} older ones were moved to ${archive}. Nothing was deleted, and exports include them.`,
      );
    }
    if (dropped > 0 || tailOffset !== undefined || older.length > 0) this.persist(window);
    return window;
  }

  /** Adds records to the newest archive while it is small, else starts a new one. Returns the file written. */
  private archive(records: readonly SessionRecord[]): string {
    const latest = this.archives().at(-1);
    if (latest !== undefined && fs.statSync(latest).size < ARCHIVE_BYTES) {
      const existing = parseSessionFile(fs.readFileSync(latest, 'utf8'));
      // An archive with anything we would not write back is left alone rather than rewritten without it.
      if (typeof existing !== 'string' && existing.every(isSessionRecord)) {
        const ids = new Set(records.map((r) => r.id));
        const merged = [...records, ...existing.filter((r) => !ids.has(r.id))].sort(newestFirst);
        replaceFile(this.writeTemp(merged), latest);
        return latest;
      }
    }
    return this.newArchive(serializeSessions(records));
  }

  private newArchive(content: string | ((fd: number) => void)): string {
    const { prefix, suffix } = this.archiveName();
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    const target = path.join(path.dirname(this.file), `${prefix}${stamp}-${uniqueSuffix()}${suffix}`);
    replaceFile(writeTempFile(this.file, content), target);
    return target;
  }

  /** `energy-sessions.json` archives to `energy-sessions.archive-<time>-<pid>-<n>.json`. */
  private archiveName(): { prefix: string; suffix: string } {
    const ext = path.extname(this.file);
    return { prefix: `${path.basename(this.file, ext)}.archive-`, suffix: ext };
  }

  private identity(): string | undefined {
    return fileIdentity(this.file);
  }

  private loaded(): SessionRecord[] {
    if (this.records === undefined) this.load();
    return this.records ?? [];
  }

  private setAside(move: (to: string) => void): string {
    const base = `${this.file}.corrupt-${Date.now()}`;
    let to = base;
    for (let i = 1; fs.existsSync(to); i++) to = `${base}-${i}`;
    move(to);
    return to;
  }
}
