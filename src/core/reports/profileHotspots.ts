// Where in the code an energy regression sits: from energy profiles (`optivolt profile`, src/shared/energyProfile.ts)
// of the before and after versions, the functions whose self energy grew most; with only the after profile, those that
// use the most.
import * as fs from 'node:fs';
import { errorMessage } from '../errors';
import { ENERGY_PROFILE_VERSION, EnergyProfile, FunctionEnergy } from '../../shared/energyProfile';
import { InputError } from './inputs';

export interface Hotspot {
  readonly name: string;
  readonly file: string;
  readonly line?: number;
  readonly afterJoules: number;
  /** Growth of its self energy, after - before; undefined without a before profile. */
  readonly deltaJoules?: number;
}

export const MAX_HOTSPOTS = 3;

/** Reads and checks a profile file: the fields used here must be what the shape says. */
export function readProfile(file: string): EnergyProfile {
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read the profile ${file}: ${errorMessage(err)}`);
  }
  const p = data as Partial<EnergyProfile> | null;
  if (typeof p !== 'object' || p === null || p.version !== ENERGY_PROFILE_VERSION || !Array.isArray(p.functions))
    throw new InputError(`${file} is not an optivolt energy profile (version ${ENERGY_PROFILE_VERSION} with a functions list)`);
  p.functions.forEach((f: Partial<FunctionEnergy>, i) => {
    if (typeof f?.name !== 'string' || typeof f.selfJoules !== 'number' || !Number.isFinite(f.selfJoules))
      throw new InputError(`${file}: functions[${i}] has no name or no selfJoules`);
  });
  return p as EnergyProfile;
}

const keyOf = (f: FunctionEnergy): string => `${f.name}\u0000${f.file ?? ''}\u0000${f.line ?? ''}`;

/** The functions with a source location whose energy moved most (or, without `before`, that use the most). */
export function hotspots(after: EnergyProfile, before?: EnergyProfile): Hotspot[] {
  const old = new Map((before?.functions ?? []).map((f) => [keyOf(f), f.selfJoules]));
  const located = after.functions.filter((f) => !f.synthetic && f.file !== undefined);
  const scored = located.map((f) => ({
    name: f.name,
    file: f.file as string,
    ...(f.line !== undefined && f.line >= 1 ? { line: f.line } : {}),
    afterJoules: f.selfJoules,
    ...(before ? { deltaJoules: f.selfJoules - (old.get(keyOf(f)) ?? 0) } : {}),
  }));
  const score = (h: Hotspot): number => h.deltaJoules ?? h.afterJoules;
  return scored
    .filter((h) => score(h) > 0)
    .sort((x, y) => score(y) - score(x))
    .slice(0, MAX_HOTSPOTS);
}
