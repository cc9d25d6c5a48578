// Energy profiles kept with the Energy Sessions: one folder per workspace history (beside its sessions file), a
// `<id>.json` per profile (the EnergyProfile as written by `optivolt profile --out`) and a small `<id>.meta.json`
// that the list reads, so listing never parses the profiles themselves. Every file is written complete or not at
// all (sessionFiles.ts: temp, fsync, rename); each window adds its own files, so windows sharing the folder never
// rewrite each other's.
//
// Size cap: the profiles together stay under maxBytes. Adding one that would cross it removes the oldest profiles
// first (add() returns them so the UI can say so); a single profile larger than the whole cap is refused
// (ProfileTooLargeError) and never written.
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ENERGY_PROFILE_VERSION, type EnergyProfile } from '../../shared/energyProfile';
import { isObj, isRecord } from '../../shared/guards';
import { errorMessage } from '../errors';
import { removeStaleTemps, replaceFile, writeTempFile } from '../energy/sessionFiles';

export const DEFAULT_PROFILE_CAP_BYTES = 100 * 1024 * 1024;

/** What the list shows of a stored profile. */
export interface StoredProfile {
  readonly id: string;
  /** The label the user sees (the command, or the file it came from). */
  readonly name: string;
  /** ISO 8601: when it was stored (the order of the list and of eviction). */
  readonly savedAt: string;
  readonly startedAt: string;
  readonly command: readonly string[];
  readonly totalJoules: number;
  readonly durationSeconds: number;
  readonly runs: number;
  readonly source: string;
  readonly estimated: boolean;
  /** Size of the profile file. */
  readonly bytes: number;
  /** The file it was opened from, when it came from one. */
  readonly from?: string;
}

export class ProfileTooLargeError extends Error {
  constructor(
    readonly bytes: number,
    readonly capBytes: number,
  ) {
    super(`the profile is ${mb(bytes)}, more than the ${mb(capBytes)} kept for profiles (optivolt.profile.storageLimitMB)`);
  }
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
const ID = /^[\w.-]{1,128}$/;
let lastSavedMs = 0;

export class ProfileStore {
  /** What the last list() repaired or could not read, for the UI; undefined when all was well. */
  lastLoadProblem: string | undefined;

  constructor(
    readonly dir: string,
    private readonly capBytes: () => number = () => DEFAULT_PROFILE_CAP_BYTES,
  ) {}

  /**
   * Stored profiles, newest first. A profile without its meta file gets one again (read from the profile); a meta
   * file without its profile is removed; a profile that does not parse is renamed `<id>.json.corrupt-<ms>` (kept
   * for the user, never listed), all said in lastLoadProblem.
   */
  list(): StoredProfile[] {
    const problems: string[] = [];
    let names: string[];
    try {
      names = fs.readdirSync(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    const out: StoredProfile[] = [];
    for (const name of names) {
      const id = /^(.+)\.json$/.exec(name)?.[1];
      if (!id || id.endsWith('.meta') || !ID.test(id)) continue;
      const meta = this.readMeta(id);
      if (meta) {
        out.push(meta);
        continue;
      }
      try {
        const profile = this.get(id);
        const again = metaOf(id, profile, { name: commandLabel(profile.command) }, this.profileBytes(id), new Date().toISOString());
        this.writeJson(this.metaFile(id), again);
        out.push(again);
      } catch (err) {
        const aside = `${this.profileFile(id)}.corrupt-${Date.now()}`;
        fs.renameSync(this.profileFile(id), aside);
        fs.rmSync(this.metaFile(id), { force: true });
        problems.push(`A stored energy profile could not be read and was moved aside to ${aside}: ${errorMessage(err)}`);
      }
    }
    for (const name of names) {
      const id = /^(.+)\.meta\.json$/.exec(name)?.[1];
      if (id && !names.includes(`${id}.json`)) fs.rmSync(path.join(this.dir, name), { force: true });
    }
    this.lastLoadProblem = problems.length ? problems.join(' ') : undefined;
    return out.sort((a, b) => b.savedAt.localeCompare(a.savedAt) || b.id.localeCompare(a.id));
  }

  /** The stored profile; throws a readable error when it is missing or unreadable. */
  get(id: string): EnergyProfile {
    if (!ID.test(id)) throw new Error(`not a profile id: ${JSON.stringify(id)}`);
    const file = this.profileFile(id);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT')
        throw new Error(`the energy profile ${id} is no longer stored (${file})`, { cause: err });
      throw err;
    }
    return parseEnergyProfile(text, file);
  }

  /** Stores `profile`; returns its entry and the older profiles removed to stay under the cap. */
  add(profile: EnergyProfile, opts: { name?: string; from?: string } = {}): { stored: StoredProfile; evicted: StoredProfile[] } {
    const text = JSON.stringify(profile);
    const bytes = Buffer.byteLength(text);
    const cap = this.capBytes();
    if (bytes > cap) throw new ProfileTooLargeError(bytes, cap);
    fs.mkdirSync(this.dir, { recursive: true });
    // Strictly increasing within the process, so the list's order is the order of add() even within a millisecond.
    lastSavedMs = Math.max(Date.now(), lastSavedMs + 1);
    const savedAt = new Date(lastSavedMs).toISOString();
    const id = `${savedAt.replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(4).toString('hex')}`;
    const stored = metaOf(id, profile, { name: opts.name ?? commandLabel(profile.command), from: opts.from }, bytes, savedAt);
    // The profile first: a meta file always has its profile (list() drops a lone meta, rebuilds a lone profile).
    this.writeFile(this.profileFile(id), text);
    this.writeJson(this.metaFile(id), stored);
    const evicted: StoredProfile[] = [];
    // Newest first: keep while they fit beside the new one; from the first that does not, all older ones go.
    let used = bytes;
    let full = false;
    for (const p of this.list()) {
      if (p.id === id) continue;
      full ||= used + p.bytes > cap;
      if (full) {
        this.remove(p.id);
        evicted.push(p);
      } else used += p.bytes;
    }
    return { stored, evicted };
  }

  remove(id: string): void {
    if (!ID.test(id)) return;
    fs.rmSync(this.metaFile(id), { force: true });
    fs.rmSync(this.profileFile(id), { force: true });
  }

  /** Writes the stored profile's JSON to `target` (atomically, like every write here). */
  exportTo(id: string, target: string, content?: string): void {
    this.writeFile(target, content ?? `${JSON.stringify(this.get(id), null, 2)}\n`);
  }

  private readMeta(id: string): StoredProfile | undefined {
    try {
      const m: unknown = JSON.parse(fs.readFileSync(this.metaFile(id), 'utf8'));
      return isObj(m) && m.id === id && typeof m.savedAt === 'string' && typeof m.bytes === 'number' && typeof m.name === 'string'
        ? (m as unknown as StoredProfile)
        : undefined;
    } catch {
      return undefined;
    }
  }

  private profileBytes(id: string): number {
    return fs.statSync(this.profileFile(id)).size;
  }

  private writeJson(file: string, value: unknown): void {
    this.writeFile(file, JSON.stringify(value));
  }

  private writeFile(file: string, text: string): void {
    removeStaleTemps(file);
    replaceFile(writeTempFile(file, text), file);
  }

  private profileFile(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private metaFile(id: string): string {
    return path.join(this.dir, `${id}.meta.json`);
  }
}

function metaOf(id: string, p: EnergyProfile, o: { name: string; from?: string }, bytes: number, savedAt: string): StoredProfile {
  return {
    id,
    name: o.name,
    savedAt,
    startedAt: p.startedAt,
    command: p.command,
    totalJoules: p.totalJoules,
    durationSeconds: p.durationSeconds,
    runs: p.runs,
    source: p.source,
    estimated: p.estimated,
    bytes,
    ...(o.from ? { from: o.from } : {}),
  };
}

/** A short label for a command line: the program's base name and its arguments, shortened. */
export function commandLabel(command: readonly string[]): string {
  const [program = '(no command)', ...args] = command;
  const label = [program.split(/[\\/]/).pop() ?? program, ...args.map((a) => a.split(/[\\/]/).pop() ?? a)].join(' ');
  return label.length > 80 ? `${label.slice(0, 79)}…` : label;
}

/**
 * Parses and checks an EnergyProfile (a file from `optivolt profile --out`, or one of ours): JSON, the version, and
 * the fields the views index into (frames and nodes that point inside their arrays). Errors name the file and the field.
 */
export function parseEnergyProfile(text: string, where: string): EnergyProfile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (err) {
    throw new Error(`${where} is not JSON: ${errorMessage(err)}`, { cause: err });
  }
  const bad = (what: string): Error => new Error(`${where} is not an OptiVolt energy profile: ${what}`);
  if (!isRecord(v)) throw bad('not a JSON object');
  if (v.version !== ENERGY_PROFILE_VERSION)
    throw bad(`version ${JSON.stringify(v.version)} (this OptiVolt reads ${ENERGY_PROFILE_VERSION})`);
  const num = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);
  for (const k of ['totalJoules', 'durationSeconds', 'runs', 'intervalUs'] as const) if (!num(v[k])) throw bad(`"${k}" is not a number`);
  if (typeof v.startedAt !== 'string' || typeof v.source !== 'string') throw bad('"startedAt" or "source" is missing');
  if (!Array.isArray(v.command) || !v.command.every((c) => typeof c === 'string')) throw bad('"command" is not a list of strings');
  for (const k of ['frames', 'nodes', 'functions', 'lines', 'processes', 'limits'] as const)
    if (!Array.isArray(v[k])) throw bad(`"${k}" is not a list`);
  const frames = v.frames as unknown[];
  const nodes = v.nodes as unknown[];
  frames.forEach((f, i) => {
    if (!isObj(f) || typeof f.name !== 'string') throw bad(`frames[${i}] has no name`);
  });
  nodes.forEach((n, i) => {
    if (!isObj(n) || !Number.isInteger(n.frame) || (n.frame as number) < 0 || (n.frame as number) >= frames.length)
      throw bad(`nodes[${i}].frame is not an index into frames`);
    if (!Number.isInteger(n.parent) || (n.parent as number) < -1 || (n.parent as number) >= nodes.length || n.parent === i)
      throw bad(`nodes[${i}].parent is not -1 or another node's index`);
    if (!num(n.selfJoules)) throw bad(`nodes[${i}].selfJoules is not a number`);
  });
  (v.functions as unknown[]).forEach((f, i) => {
    if (!isObj(f) || typeof f.name !== 'string' || !num(f.selfJoules) || !num(f.totalJoules) || !num(f.share))
      throw bad(`functions[${i}] lacks name, selfJoules, totalJoules or share`);
  });
  (v.lines as unknown[]).forEach((l, i) => {
    if (!isObj(l) || typeof l.file !== 'string' || !Number.isInteger(l.line) || !num(l.joules))
      throw bad(`lines[${i}] lacks file, line or joules`);
  });
  return v as unknown as EnergyProfile;
}
