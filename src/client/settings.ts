import * as vscode from 'vscode';
import { DEFAULT_SETTINGS, OptiVoltSettings, readSettings, SettingsResult } from '../core/settings';

/** Reads and validates the `optivolt.*` settings from the VS Code configuration. */
export function loadSettings(): SettingsResult {
  const cfg = vscode.workspace.getConfiguration('optivolt');
  return readSettings((key) => cfg.get(key));
}

/** Which settings differ between two snapshots. */
export function changedKeys(a: OptiVoltSettings, b: OptiVoltSettings): Set<keyof OptiVoltSettings> {
  return new Set(
    (Object.keys(DEFAULT_SETTINGS) as Array<keyof OptiVoltSettings>).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])),
  );
}
