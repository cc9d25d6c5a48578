// JSON and CSV exports of Energy Sessions: JSON in the store's own file format (so it can be read back or
// merged), CSV that spreadsheets open safely.
import { SESSION_FILE_VERSION, SessionRecord } from './sessionRecord';

export type ExportFormat = 'csv' | 'json';

/** The export file's content in `format`. */
export function exportContent(format: ExportFormat, records: readonly SessionRecord[]): string {
  return format === 'csv' ? toCsv(records) : toJson(records);
}

/** What to tell the user after an export to `file`: a warning when some archives could not be read (`problems`). */
export function exportedNotice(
  count: number,
  file: string,
  problems: readonly string[],
): { readonly text: string; readonly warning: boolean } {
  const skipped = problems.length > 0 ? ` Some archived sessions could not be read: ${problems.join('; ')}.` : '';
  return { text: `OptiVolt: ${count} sessions exported to ${file}.${skipped}`, warning: problems.length > 0 };
}

/** The same shape as the store's file, pretty-printed, so an export can be read back or merged. */
export function toJson(records: readonly SessionRecord[]): string {
  return `${JSON.stringify({ version: SESSION_FILE_VERSION, records }, null, 2)}\n`;
}

const CSV_COLUMNS: readonly (keyof SessionRecord)[] = [
  'id',
  'kind',
  'name',
  'config',
  'startedAt',
  'durationSeconds',
  'pausedSeconds',
  'energyJoules',
  'hostEnergyJoules',
  'hostEnergyAboveBaselineJoules',
  'baselineWatts',
  'averageWatts',
  'peakWatts',
  'source',
  'estimated',
  'pids',
  'costPerKWh',
  'currency',
  'cost',
  'co2Grams',
  'note',
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
