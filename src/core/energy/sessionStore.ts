// The per-workspace history of finished measurements (debug sessions, tasks, commands): a bounded JSON file of
// the newest records in the extension's storage folder, and archive files beside it for the older ones
// (exports: sessionExport.ts).
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
import { LockError, LockOptions, pidAlive, withFileLock } from './fileLock';
import { copyTail, Head, readHead } from './sessionLines';
import type { MeterResult } from './meter';
import { errorMessage } from '../errors';

/** One finished measurement: what the meter reported, plus what it was and what it cost. */
export interface SessionRecord extends MeterResult {
  /** Unique (e.g. time + random). */
  readonly id: string;
  readonly kind: 'debug' | 'task' | 'command';
  /** E.g. the debug session name, the task name or the command line. */
  readonly name: string;
  /** What identifies "the same thing run again": launch config name, task name, command line. */
  readonly config: string;
  /** ms since the epoch. */
  readonly startedAt: number;
  readonly costPerKWh: number;
  readonly currency: string;
  readonly cost: number;
  readonly co2Grams: number;
  /** E.g. "debuggee pid unknown: measured the adapter's children". */
  readonly note?: string;
}

export const SESSION_FILE_VERSION = 1;
const DEFAULT_MAX_RECORDS = 1000;
const KINDS: ReadonlySet<string> = new Set(['debug', 'task', 'command']);
const SOURCES: ReadonlySet<string> = new Set(['prometheus', 'rapl', 'estimate']);

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonNegative = (v: unknown): v is number => isFiniteNumber(v) && v >= 0;

/** Validates records read from disk (hand-edited, or written by another version) before anything trusts them. */
export function isSessionRecord(v: unknown): v is SessionRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.id === 'string' && r.id.length > 0 &&
    typeof r.kind === 'string' && KINDS.has(r.kind) &&
    typeof r.name === 'string' &&
    typeof r.config === 'string' &&
    isFiniteNumber(r.startedAt) &&
    isNonNegative(r.durationSeconds) &&
    isNonNegative(r.pausedSeconds) &&
    isNonNegative(r.energyJoules) &&
    isNonNegative(r.hostEnergyJoules) &&
    // Can dip below zero when the host idled under its baseline.
    isFiniteNumber(r.hostEnergyAboveBaselineJoules) &&
    isNonNegative(r.baselineWatts) &&
    isNonNegative(r.averageWatts) &&
    isNonNegative(r.peakWatts) &&
    typeof r.source === 'string' && SOURCES.has(r.source) &&
    typeof r.estimated === 'boolean' &&
    Array.isArray(r.pids) && r.pids.every((p) => Number.isSafeInteger(p) && (p as number) >= 0) &&
    isFiniteNumber(r.costPerKWh) &&
    typeof r.currency === 'string' &&
    isFiniteNumber(r.cost) &&
    isFiniteNumber(r.co2Grams) &&
    (r.note === undefined || typeof r.note === 'string')
  );
}

const newestFirst = (a: SessionRecord, b: SessionRecord): number => b.startedAt - a.startedAt;

// Process-wide, so two stores on the same file in one process never share a temp name.
let tmpCounter = 0;
/** An archive is appended to until it reaches this size, so archiving one record at a time stays cheap. */
const ARCHIVE_BYTES = 1 << 20;
/** How long load() waits for the lock before reading without it; saves hold it for milliseconds. */
const LOAD_LOCK_MS = 500;
/** A temp file this old is a leftover whoever wrote it (a writer on another host, whose pid means nothing here). */
const STALE_TEMP_MS = 10 * 60_000;

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
      const parsed = parseFile(await fs.promises.readFile(archive, 'utf8'));
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
    return names.filter((n) => n.startsWith(prefix) && n.endsWith(suffix)).sort().map((n) => path.join(dir, n));
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
    return this.writeTempText(serialize(records));
  }

  private writeTempText(text: string | ((fd: number) => void)): string {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}-${++tmpCounter}`;
    const fd = fs.openSync(tmp, 'wx');
    try {
      if (typeof text === 'string') fs.writeFileSync(fd, text);
      else text(fd);
      fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.closeSync(fd);
    return tmp;
  }

  private replace(tmp: string, target: string): void {
    try {
      fs.renameSync(tmp, target);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    syncFolder(path.dirname(target));
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
    this.replace(this.writeTemp(records), this.file);
    this.records = records;
    this.seen = this.identity();
  }

  /**
   * The main file's newest records; with `repair` (the lock held) also sets aside what is corrupt and archives
   * what is beyond maxRecords. Reads only the head of a file in the store's line format, whatever its size.
   */
  private read(problems: string[], repair: boolean): SessionRecord[] {
    if (repair) this.removeStaleTemps();
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
      const whole = parseFile(fs.readFileSync(this.file, 'utf8'));
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
      problems.push(`Dropped ${dropped} invalid record${dropped === 1 ? '' : 's'} of ${parsed.length} from the energy history; the original file was kept as ${kept}.`);
    }
    if (tailOffset !== undefined || older.length > 0) {
      // The archive is complete before the main file loses those records: a crash in between duplicates, never loses.
      let moved = older.length;
      const archive =
        tailOffset !== undefined
          ? this.newArchive((fd) => (moved = copyTail(this.file, tailOffset, fd).lines))
          : this.archive(older);
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
      const existing = parseFile(fs.readFileSync(latest, 'utf8'));
      // An archive with anything we would not write back is left alone rather than rewritten without it.
      if (typeof existing !== 'string' && existing.every(isSessionRecord)) {
        const ids = new Set(records.map((r) => r.id));
        const merged = [...records, ...existing.filter((r) => !ids.has(r.id))].sort(newestFirst);
        this.replace(this.writeTemp(merged), latest);
        return latest;
      }
    }
    return this.newArchive(serialize(records));
  }

  private newArchive(content: string | ((fd: number) => void)): string {
    const { prefix, suffix } = this.archiveName();
    const stamp = new Date().toISOString().replace(/[-:.]/g, '');
    const target = path.join(path.dirname(this.file), `${prefix}${stamp}-${process.pid}-${++tmpCounter}${suffix}`);
    this.replace(this.writeTempText(content), target);
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

  /**
   * Removes temps of writers that are gone: complete-but-unrenamed or partial, the target is authoritative. Runs
   * under the lock, where no live writer of this store is mid-write; a temp whose pid lives is left alone anyway
   * (another program, or a version without the lock) unless it is old. Our own pid's temps are ours: stale.
   */
  private removeStaleTemps(): void {
    const dir = path.dirname(this.file);
    const prefix = `${path.basename(this.file)}.tmp-`;
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

  private setAside(move: (to: string) => void): string {
    const base = `${this.file}.corrupt-${Date.now()}`;
    let to = base;
    for (let i = 1; fs.existsSync(to); i++) to = `${base}-${i}`;
    move(to);
    return to;
  }
}

/** The records array, or why the text is not a session file. */
function parseFile(text: string): unknown[] | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return `invalid JSON: ${errorMessage(err)}`;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return 'not a JSON object';
  const { version, records } = data as { version?: unknown; records?: unknown };
  if (version !== SESSION_FILE_VERSION) return `unsupported version ${JSON.stringify(version) ?? 'undefined'}`;
  if (!Array.isArray(records)) return 'no records array';
  return records;
}

/** One record per line: still valid JSON, but greppable and small. */
function serialize(records: readonly SessionRecord[]): string {
  const lines = records.map((r) => JSON.stringify(r)).join(',\n');
  return `{"version":${SESSION_FILE_VERSION},"records":[\n${lines}\n]}\n`;
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
