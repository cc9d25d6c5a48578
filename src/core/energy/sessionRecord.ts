// One finished measurement as the Energy Sessions history keeps it: the record, the check every record read from
// disk passes before anything trusts it, and the file format (version 1, one record per line) that the store, its
// archives and JSON exports share.
import { errorMessage } from '../errors';
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
const KINDS: ReadonlySet<string> = new Set(['debug', 'task', 'command']);
const SOURCES: ReadonlySet<string> = new Set(['prometheus', 'rapl', 'estimate']);

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isNonNegative = (v: unknown): v is number => isFiniteNumber(v) && v >= 0;

/** Validates records read from disk (hand-edited, or written by another version) before anything trusts them. */
export function isSessionRecord(v: unknown): v is SessionRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const r = v as Record<string, unknown>;
  return (
    typeof r.id === 'string' &&
    r.id.length > 0 &&
    typeof r.kind === 'string' &&
    KINDS.has(r.kind) &&
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
    typeof r.source === 'string' &&
    SOURCES.has(r.source) &&
    typeof r.estimated === 'boolean' &&
    Array.isArray(r.pids) &&
    r.pids.every((p) => Number.isSafeInteger(p) && (p as number) >= 0) &&
    isFiniteNumber(r.costPerKWh) &&
    typeof r.currency === 'string' &&
    isFiniteNumber(r.cost) &&
    isFiniteNumber(r.co2Grams) &&
    (r.note === undefined || typeof r.note === 'string')
  );
}

/** The order of the history file, the view and exports. */
export const newestFirst = (a: SessionRecord, b: SessionRecord): number => b.startedAt - a.startedAt;

/** The records array, or why the text is not a session file. */
export function parseSessionFile(text: string): unknown[] | string {
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
export function serializeSessions(records: readonly SessionRecord[]): string {
  const lines = records.map((r) => JSON.stringify(r)).join(',\n');
  return `{"version":${SESSION_FILE_VERSION},"records":[\n${lines}\n]}\n`;
}
