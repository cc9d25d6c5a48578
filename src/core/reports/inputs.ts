// The files `optivolt compare` reads: what `optivolt measure --json --repeat N` writes (one measurement, its runs
// in runResults), and the editor's Energy Sessions export (src/core/energy/sessionExport.ts: every record, one
// measurement per task/launch configuration). Each is checked before its figures are trusted.
import * as fs from 'node:fs';
import { errorMessage } from '../errors';
import { isSessionRecord, parseSessionFile } from '../energy/sessionRecord';
import type { SourceKind } from '../../shared/power';

/** One run of a measurement, the fields a comparison needs. */
export interface RunSample {
  readonly energyJoules: number;
  readonly durationSeconds: number;
  readonly hostEnergyAboveBaselineJoules: number;
  readonly source: SourceKind;
  readonly estimated: boolean;
}

export interface Measurement {
  /** The command line, or the session's configuration. */
  readonly name: string;
  /** What pairs it with its counterpart in the other file: a task and a launch configuration may share a name. */
  readonly key: string;
  readonly file: string;
  readonly origin: 'measure' | 'sessions';
  readonly runs: readonly RunSample[];
  readonly host?: string;
  /** The power source's sampling interval, when the file says. */
  readonly intervalSeconds?: number;
}

/** A file compare cannot use, and why (main prints it as one line and exits 2). */
export class InputError extends Error {}

const SOURCES: ReadonlySet<string> = new Set(['prometheus', 'rapl', 'estimate']);
const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function runSample(v: unknown, where: string): RunSample {
  const r = (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
  for (const k of ['energyJoules', 'durationSeconds', 'hostEnergyAboveBaselineJoules'] as const) {
    if (!finite(r[k]) || (k !== 'hostEnergyAboveBaselineJoules' && (r[k] as number) < 0))
      throw new InputError(`${where}: ${k} is not a number >= 0 (${JSON.stringify(r[k]) ?? 'missing'})`);
  }
  if (typeof r.source !== 'string' || !SOURCES.has(r.source)) throw new InputError(`${where}: unknown source ${JSON.stringify(r.source)}`);
  if (typeof r.estimated !== 'boolean') throw new InputError(`${where}: estimated is not true or false`);
  return {
    energyJoules: r.energyJoules as number,
    durationSeconds: r.durationSeconds as number,
    hostEnergyAboveBaselineJoules: r.hostEnergyAboveBaselineJoules as number,
    source: r.source as SourceKind,
    estimated: r.estimated,
  };
}

function fromMeasure(data: Record<string, unknown>, file: string): Measurement {
  if (!Array.isArray(data.runResults)) {
    throw new InputError(
      `${file} holds one run of optivolt measure, without its runs: measure again with --json --repeat N (N >= 2; 5 or more to see small changes)`,
    );
  }
  // Figures of a failed, cut or partly measured run are not the program's energy: comparing them would mislead.
  if (finite(data.exitCode) && data.exitCode !== 0)
    throw new InputError(`${file}: the command failed (exit ${data.exitCode}), so its runs are not comparable; fix it and measure again`);
  if (typeof data.interrupted === 'string')
    throw new InputError(`${file}: the series was interrupted by ${data.interrupted}; measure again`);
  if (data.partial !== undefined)
    throw new InputError(`${file}: the power source failed during a run (${String(data.partial)}), so its figures cover only part of it`);
  const runs = data.runResults.map((r, i) => runSample(r, `${file}: runResults[${i}]`));
  const command = Array.isArray(data.command) && data.command.every((c) => typeof c === 'string') ? data.command.join(' ') : 'measurement';
  return {
    name: command,
    key: command,
    file,
    origin: 'measure',
    runs,
    ...(typeof data.host === 'string' ? { host: data.host } : {}),
    ...(finite(data.intervalSeconds) && data.intervalSeconds > 0 ? { intervalSeconds: data.intervalSeconds } : {}),
  };
}

function fromSessions(text: string, file: string): Measurement[] {
  const records = parseSessionFile(text);
  if (typeof records === 'string') throw new InputError(`${file} is not an Energy Sessions export: ${records}`);
  const byConfig = new Map<string, RunSample[]>();
  records.forEach((r, i) => {
    if (!isSessionRecord(r)) throw new InputError(`${file}: records[${i}] is not an Energy Session record`);
    // A task and a launch configuration may share a name: the kind keeps them apart.
    const key = `${r.kind}\u0000${r.config}`;
    byConfig.set(key, [...(byConfig.get(key) ?? []), runSample(r, `${file}: records[${i}]`)]);
  });
  if (byConfig.size === 0) throw new InputError(`${file} has no Energy Sessions`);
  const configs = [...byConfig.keys()].map((k) => k.split('\u0000')[1]);
  return [...byConfig].map(([key, runs]) => {
    const [kind, config] = key.split('\u0000');
    // The kind is said only where a name alone would be ambiguous.
    const name = configs.filter((c) => c === config).length > 1 ? `${config} (${kind})` : config;
    return { name, key, file, origin: 'sessions' as const, runs };
  });
}

/** The measurements in FILE: one for a measure file, one per configuration for a sessions export. */
export function readMeasurements(file: string): Measurement[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${errorMessage(err)}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file} is not JSON: ${errorMessage(err)}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new InputError(`${file} is not a JSON object`);
  const o = data as Record<string, unknown>;
  if ('records' in o) return fromSessions(text, file);
  if ('energyJoules' in o || 'runResults' in o) return [fromMeasure(o, file)];
  throw new InputError(`${file} is neither optivolt measure --json output nor an Energy Sessions export`);
}

export interface Pair {
  readonly before: Measurement;
  readonly after: Measurement;
}

/**
 * Which measurement of BEFORE goes with which of AFTER. A measure file and one other measurement: compared whatever
 * their names (the change under test may change the command line). Sessions exports: by configuration (and kind);
 * those in one file only are returned in `unmatched`.
 */
export function pairMeasurements(before: Measurement[], after: Measurement[]): { pairs: Pair[]; unmatched: string[] } {
  const single = before.length === 1 && after.length === 1;
  if (single && (before[0].origin === 'measure' || after[0].origin === 'measure'))
    return { pairs: [{ before: before[0], after: after[0] }], unmatched: [] };
  const pairs: Pair[] = [];
  const unmatched: string[] = [];
  for (const b of before) {
    const a = after.find((m) => m.key === b.key);
    if (a) pairs.push({ before: b, after: a });
    else unmatched.push(`"${b.name}" is only in ${b.file}`);
  }
  for (const a of after) if (!before.some((m) => m.key === a.key)) unmatched.push(`"${a.name}" is only in ${a.file}`);
  if (pairs.length === 0)
    throw new InputError(`no measurement is in both files (${before[0].file}: ${names(before)}; ${after[0].file}: ${names(after)})`);
  return { pairs, unmatched };
}

function names(ms: Measurement[]): string {
  const list = ms.slice(0, 5).map((m) => `"${m.name}"`);
  return ms.length > 5 ? `${list.join(', ')} …` : list.join(', ');
}
