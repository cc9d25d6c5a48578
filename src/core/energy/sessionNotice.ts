// What the user is told when a measurement finishes: the summary when it was saved, a warning saying it was not
// saved and why otherwise. Plain text here so the wording is tested without an extension host.
import { formatEnergy, formatWatts } from './cost';
import type { SessionRecord } from './sessionRecord';
import type { SaveResult } from './sessionStore';
import { errorMessage } from '../errors';

export type SaveOutcome = { readonly saved: true; readonly result: SaveResult } | { readonly saved: false; readonly reason: string };

export interface FinishedNotice {
  readonly severity: 'info' | 'warning';
  readonly text: string;
}

/** Runs the save and turns a failure into its reason, so a caller cannot report success for a lost record. */
export function trySave(save: () => SaveResult): SaveOutcome {
  try {
    return { saved: true, result: save() };
  } catch (err) {
    return { saved: false, reason: errorMessage(err) };
  }
}

export function finishedNotice(r: SessionRecord, outcome: SaveOutcome): FinishedNotice {
  const summary = `"${r.name}" used ${formatEnergy(r.energyJoules)} in ${r.durationSeconds.toFixed(1)} s (avg ${formatWatts(r.averageWatts)}${r.estimated ? ', estimated' : ''})`;
  if (outcome.saved) return { severity: 'info', text: `OptiVolt: ${summary}.` };
  return { severity: 'warning', text: `OptiVolt: ${summary}, but it was not saved: ${outcome.reason}` };
}
