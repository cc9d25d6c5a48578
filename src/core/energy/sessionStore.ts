// The per-workspace history of finished measurements (debug sessions, tasks, commands): one small JSON file in
// the extension's workspace storage folder, plus JSON and CSV export of any subset of it.
//
// Writes are synchronous on purpose: the file is small (at most maxRecords records), a mutation happens once
// per finished run, and a synchronous write-fsync-rename leaves no window in which another mutation or
// deactivate() can interleave, so the file on disk is always one complete version. The store assumes one
// writer per file (VS Code runs one extension host per workspace).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { MeterResult } from './meter';

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

export class SessionStore {
  /** Why the last load() lost data (a corrupt file moved aside, invalid records dropped), for the UI to show. */
  lastLoadProblem: string | undefined;
  private readonly maxRecords: number;
  private records: SessionRecord[] | undefined;

  constructor(
    private readonly file: string,
    opts: { maxRecords?: number } = {},
  ) {
    const max = opts.maxRecords ?? DEFAULT_MAX_RECORDS;
    if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxRecords must be a positive integer, got ${max}`);
    this.maxRecords = max;
  }

  /**
   * Reads the file, newest first. Missing file: empty. A file that is not valid JSON of the expected shape is
   * renamed to `<file>.corrupt-<ms>` (never overwritten) and the store starts empty; invalid records are
   * dropped, after copying the file aside the same way, and the file is rewritten without them. Both are reported in lastLoadProblem. I/O errors
   * other than a missing file (permissions, ...) throw, so nothing can overwrite a file we could not read.
   */
  load(): SessionRecord[] {
    this.lastLoadProblem = undefined;
    this.removeLeftoverTemps();
    let text: string;
    try {
      text = fs.readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.records = [];
      return this.all();
    }
    const parsed = parseFile(text);
    if (typeof parsed === 'string') {
      const moved = this.setAside((to) => fs.renameSync(this.file, to));
      this.lastLoadProblem = `The energy history could not be read (${parsed}); it was moved to ${moved} and a new history started.`;
      this.records = [];
      return this.all();
    }
    const valid = parsed.filter(isSessionRecord);
    const dropped = parsed.length - valid.length;
    // A lowered maxRecords takes effect here; the file follows at the next write.
    this.records = valid.sort(newestFirst).slice(0, this.maxRecords);
    if (dropped > 0) {
      // Keep the original where the user can find it, then rewrite the file clean so that the next load
      // neither reports nor copies the same records again.
      const kept = this.setAside((to) => fs.copyFileSync(this.file, to));
      this.lastLoadProblem = `Dropped ${dropped} invalid record${dropped === 1 ? '' : 's'} of ${parsed.length} from the energy history; the original file was kept as ${kept}.`;
      this.persist(this.records);
    }
    return this.all();
  }

  /** All records, newest first (a copy). Loads on first use. */
  all(): SessionRecord[] {
    return [...this.loaded()];
  }

  /** Adds a record (replacing one with the same id) and persists; the oldest beyond maxRecords are dropped. */
  add(record: SessionRecord): void {
    if (!isSessionRecord(record)) throw new TypeError('not a valid SessionRecord');
    const next = [record, ...this.loaded().filter((r) => r.id !== record.id)].sort(newestFirst).slice(0, this.maxRecords);
    this.persist(next);
  }

  /** Removes the records with these ids and persists; returns how many were removed. */
  delete(ids: readonly string[]): number {
    const drop = new Set(ids);
    const current = this.loaded();
    const next = current.filter((r) => !drop.has(r.id));
    if (next.length !== current.length) this.persist(next);
    return current.length - next.length;
  }

  clear(): void {
    this.persist([]);
  }

  /**
   * First half of an atomic write: the complete new content in `<file>.tmp-<pid>-<n>`, fsynced. Public so tests
   * can simulate a crash between this and the rename; everything else should use the mutators.
   */
  writeTemp(records: readonly SessionRecord[]): string {
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp-${process.pid}-${++tmpCounter}`;
    const fd = fs.openSync(tmp, 'wx');
    try {
      fs.writeFileSync(fd, serialize(records));
      fs.fsyncSync(fd);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.closeSync(fd);
    return tmp;
  }

  /** Memory changes only after the file did, so a failed write (disk full) leaves both as they were. */
  private persist(records: SessionRecord[]): void {
    const tmp = this.writeTemp(records);
    try {
      fs.renameSync(tmp, this.file);
    } catch (err) {
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    syncFolder(path.dirname(this.file));
    this.records = records;
  }

  private loaded(): SessionRecord[] {
    if (this.records === undefined) this.load();
    return this.records ?? [];
  }

  /** Temps are only ever complete-but-unrenamed or partial writes of a dead process: the target is authoritative. */
  private removeLeftoverTemps(): void {
    const dir = path.dirname(this.file);
    const prefix = `${path.basename(this.file)}.tmp-`;
    let names: string[];
    try {
      names = fs.readdirSync(dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (name.startsWith(prefix)) fs.rmSync(path.join(dir, name), { force: true });
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
    return `invalid JSON: ${(err as Error).message}`;
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

/** The same shape as the store's file, pretty-printed, so an export can be read back or merged. */
export function toJson(records: readonly SessionRecord[]): string {
  return `${JSON.stringify({ version: SESSION_FILE_VERSION, records }, null, 2)}\n`;
}

const CSV_COLUMNS: readonly (keyof SessionRecord)[] = [
  'id', 'kind', 'name', 'config', 'startedAt', 'durationSeconds', 'pausedSeconds', 'energyJoules',
  'hostEnergyJoules', 'hostEnergyAboveBaselineJoules', 'baselineWatts', 'averageWatts', 'peakWatts',
  'source', 'estimated', 'pids', 'costPerKWh', 'currency', 'cost', 'co2Grams', 'note',
];

/** RFC 4180 CSV (CRLF line ends, header row) that spreadsheets open without running anything in it. */
export function toCsv(records: readonly SessionRecord[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const r of records) rows.push(CSV_COLUMNS.map((c) => csvField(c, r)).join(','));
  return `${rows.join('\r\n')}\r\n`;
}

function csvField(column: keyof SessionRecord, r: SessionRecord): string {
  const v = r[column];
  if (column === 'startedAt') return isoTime(r.startedAt);
  if (column === 'pids') return r.pids.join(' ');
  if (typeof v === 'number') return plainDecimal(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v !== 'string') return '';
  return quoteCsv(guardFormula(v));
}

function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

/** Names and command lines are user text; a leading =, +, -, @, tab or CR makes spreadsheets evaluate it. */
export function guardFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function quoteCsv(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** Shortest round-trip digits without exponent notation (1e-7 -> 0.0000001), which some importers mangle. */
export function plainDecimal(n: number): string {
  if (!Number.isFinite(n)) return '';
  const s = String(n);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, lead, frac = '', exp] = m;
  const digits = lead + frac;
  const point = 1 + Number(exp);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
