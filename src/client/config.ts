// The `optivolt.*` settings as one object (the pattern of rust-analyzer's editors/code/src/config.ts): read and
// validated once (src/core/settings.ts through ./settings), read again on each workspace.onDidChangeConfiguration
// that touches `optivolt`, and announced to the consumers that subscribed to the keys that changed.
import * as vscode from 'vscode';
import type { OptiVoltSettings } from '../core/settings';
import { changedKeys, loadSettings } from './settings';

export type SettingKey = keyof OptiVoltSettings;

/** One change: the keys whose validated value differs, and all settings now. */
export interface SettingsChange {
  readonly changed: ReadonlySet<SettingKey>;
  readonly settings: OptiVoltSettings;
}

export interface ConfigHost {
  /** Invalid values, one message each (the default is used instead): at start and after each change. */
  problems(messages: string[]): void;
  /** What changed, for the log. */
  changed?(keys: readonly SettingKey[]): void;
}

/** What a consumer sees of the settings: their current values and their changes. */
export interface SettingsSource {
  readonly settings: OptiVoltSettings;
  /** Calls `listener` after a change of any of `keys` (all keys when omitted). */
  onDidChange(keys: readonly SettingKey[] | undefined, listener: (e: SettingsChange) => void): vscode.Disposable;
}

export class Config implements SettingsSource, vscode.Disposable {
  private current: OptiVoltSettings;
  private readonly emitter = new vscode.EventEmitter<SettingsChange>();
  private readonly listener: vscode.Disposable;

  constructor(private readonly host: ConfigHost) {
    const first = loadSettings();
    this.current = first.settings;
    host.problems(first.problems);
    this.listener = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('optivolt')) this.reload();
    });
  }

  get settings(): OptiVoltSettings {
    return this.current;
  }

  onDidChange(keys: readonly SettingKey[] | undefined, listener: (e: SettingsChange) => void): vscode.Disposable {
    return this.emitter.event((e) => {
      if (!keys || keys.some((k) => e.changed.has(k))) listener(e);
    });
  }

  private reload(): void {
    const next = loadSettings();
    this.host.problems(next.problems);
    const changed = changedKeys(this.current, next.settings);
    this.current = next.settings;
    if (changed.size === 0) return;
    this.host.changed?.([...changed]);
    this.emitter.fire({ changed, settings: this.current });
  }

  dispose(): void {
    this.listener.dispose();
    this.emitter.dispose();
  }
}
