import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EnergyProfile } from '../../shared/energyProfile';
import { toFolded, toSpeedscope } from './profileExport';

/** Writes `file` whole or not at all: a temporary file beside it, renamed (a reader never sees half a profile). */
export function writeFileAtomically(file: string, text: string): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  try {
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** The files `--out FILE` writes: FILE (the EnergyProfile), and beside it FILE's stem + .speedscope.json and .folded. */
export function profileOutputs(file: string): { profile: string; speedscope: string; folded: string } {
  const abs = path.resolve(file);
  const ext = path.extname(abs);
  const stem = ext ? abs.slice(0, -ext.length) : abs;
  return { profile: abs, speedscope: `${stem}.speedscope.json`, folded: `${stem}.folded` };
}

/** Writes the three files of `--out`; returns their paths. */
export function writeProfileFiles(file: string, profile: EnergyProfile, extra: Record<string, unknown> = {}): string[] {
  const out = profileOutputs(file);
  writeFileAtomically(out.profile, `${JSON.stringify({ ...profile, ...extra })}\n`);
  writeFileAtomically(out.speedscope, `${JSON.stringify(toSpeedscope(profile))}\n`);
  writeFileAtomically(out.folded, toFolded(profile));
  return [out.profile, out.speedscope, out.folded];
}
