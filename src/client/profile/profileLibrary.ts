// The workspace's stored energy profiles (src/core/profile/profileStore.ts, in a `profiles` folder beside the
// Energy Sessions history) and the "Energy Profiles" view that lists them. Which profile the editor decorates
// (CodeLens, line heat) is the one last shown in the flame graph: `active`.
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EnergyProfile } from '../../shared/energyProfile';
import { errorMessage } from '../../core/errors';
import { formatEnergy } from '../../core/energy/cost';
import { ProfileStore, type StoredProfile } from '../../core/profile/profileStore';
import type { SettingsSource } from '../config';

const MB = 1024 * 1024;

export class ProfileItem extends vscode.TreeItem {
  constructor(readonly stored: StoredProfile) {
    super(stored.name, vscode.TreeItemCollapsibleState.None);
    this.id = stored.id;
    const summary = `${stored.estimated ? '≈ ' : ''}${formatEnergy(stored.totalJoules)} in ${stored.durationSeconds.toFixed(1)} s`;
    this.description = `${summary} · ${new Date(stored.savedAt).toLocaleString()}`;
    this.iconPath = new vscode.ThemeIcon('flame');
    this.contextValue = 'optivolt.profile';
    this.tooltip = `${stored.command.join(' ')}\n${summary}, ${stored.runs} ${stored.runs === 1 ? 'run' : 'runs'}, source ${stored.source}${stored.from ? `\nfrom ${stored.from}` : ''}`;
    this.accessibilityInformation = { label: `${stored.name}, ${summary}` };
    this.command = { command: 'optivolt.profile.show', title: 'Show Flame Graph', arguments: [this] };
  }
}

export class ProfileLibrary implements vscode.TreeDataProvider<ProfileItem>, vscode.Disposable {
  readonly store: ProfileStore;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly activeChanged = new vscode.EventEmitter<void>();
  /** The active profile changed (or was cleared): the editor's lenses and heat follow it. */
  readonly onDidChangeActive = this.activeChanged.event;
  private readonly view: vscode.TreeView<ProfileItem>;
  private activeProfile: { id: string; profile: EnergyProfile } | undefined;

  constructor(
    sessionsFile: string,
    config: SettingsSource,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.store = new ProfileStore(path.join(path.dirname(sessionsFile), 'profiles'), () => config.settings['profile.storageLimitMB'] * MB);
    this.view = vscode.window.createTreeView('optivolt.energyProfiles', { treeDataProvider: this, canSelectMany: true });
  }

  get dir(): string {
    return this.store.dir;
  }

  get active(): { id: string; profile: EnergyProfile } | undefined {
    return this.activeProfile;
  }

  setActive(id: string, profile: EnergyProfile): void {
    this.activeProfile = { id, profile };
    this.activeChanged.fire();
  }

  /** Stored profiles, newest first; problems the store repaired are logged and shown once. */
  list(): StoredProfile[] {
    try {
      const list = this.store.list();
      if (this.store.lastLoadProblem) {
        this.log.warn(this.store.lastLoadProblem);
        void vscode.window.showWarningMessage(`OptiVolt: ${this.store.lastLoadProblem}`);
      }
      return list;
    } catch (err) {
      this.log.error(`Cannot list the stored energy profiles in ${this.store.dir}: ${errorMessage(err)}`);
      return [];
    }
  }

  /** Stores a profile; says in the log and a notification which older ones the size cap removed. */
  add(profile: EnergyProfile, opts: { name?: string; from?: string } = {}): StoredProfile {
    const { stored, evicted } = this.store.add(profile, opts);
    this.log.info(`Energy profile "${stored.name}" stored as ${stored.id} (${(stored.bytes / 1024).toFixed(0)} KB).`);
    if (evicted.length) {
      const names = evicted.map((e) => `"${e.name}"`).join(', ');
      const message = `${evicted.length} older energy ${evicted.length === 1 ? 'profile was' : 'profiles were'} removed to stay under optivolt.profile.storageLimitMB: ${names}.`;
      this.log.info(message);
      void vscode.window.showInformationMessage(`OptiVolt: ${message}`);
    }
    if (this.activeProfile && evicted.some((e) => e.id === this.activeProfile?.id)) this.activeProfile = undefined;
    this.refresh();
    return stored;
  }

  remove(ids: readonly string[]): void {
    for (const id of ids) this.store.remove(id);
    if (this.activeProfile && ids.includes(this.activeProfile.id)) {
      this.activeProfile = undefined;
      this.activeChanged.fire();
    }
    this.refresh();
  }

  refresh(): void {
    this.changed.fire();
  }

  /** The items the view's selection or a context menu passed, as stored profiles. */
  selection(item?: ProfileItem, items?: readonly ProfileItem[]): StoredProfile[] {
    const chosen = items?.length ? items : item ? [item] : this.view.selection;
    return chosen.map((i) => i.stored);
  }

  getTreeItem(item: ProfileItem): vscode.TreeItem {
    return item;
  }

  getChildren(item?: ProfileItem): ProfileItem[] {
    return item ? [] : this.list().map((s) => new ProfileItem(s));
  }

  dispose(): void {
    this.view.dispose();
    this.changed.dispose();
    this.activeChanged.dispose();
  }
}
