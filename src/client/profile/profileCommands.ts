// The energy profile commands: Profile Energy, Open Energy Profile…, Compare Energy Profiles…, Export Energy
// Profile…, the Energy Profiles view's item actions, and the debug profiling toggle. Arguments let a keybinding (and
// the host tests) skip the pickers: a file to profile or open, two profile ids to compare, an id/target/format to export.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { parseEnergyProfile, ProfileTooLargeError, type StoredProfile } from '../../core/profile/profileStore';
import { toFolded, toSpeedscope } from '../../core/profile/profileExport';
import type { EnergyProfile } from '../../shared/energyProfile';
import type { Config } from '../config';
import type { FlameGraphController } from '../webviews/flameGraph/flameGraph';
import type { FlameFocus } from '../../shared/webviews/flameGraphProtocol';
import { ProfileItem, type ProfileLibrary } from './profileLibrary';
import { namedTarget, pickTarget, runProfile, targetForFile } from './profileRun';
import { isRecord } from '../../shared/guards';

const MB = 1024 * 1024;

export interface ProfileCommandsHost {
  readonly library: ProfileLibrary;
  readonly flameGraph: FlameGraphController;
  readonly config: Config;
  readonly log: vscode.LogOutputChannel;
  /** Where a profiled program's stdout and stderr go. */
  readonly output: vscode.OutputChannel;
}

type ExportFormat = 'json' | 'speedscope' | 'folded';

export function registerProfileCommands(h: ProfileCommandsHost): vscode.Disposable[] {
  const cmd = (id: string, run: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (err) {
        h.log.error(`${id}: ${errorMessage(err)}`);
        void vscode.window.showErrorMessage(`OptiVolt: ${errorMessage(err)}`);
        return undefined;
      }
    });
  const items = (a: unknown, b: unknown): StoredProfile[] =>
    h.library.selection(a instanceof ProfileItem ? a : undefined, Array.isArray(b) ? b.filter((i) => i instanceof ProfileItem) : undefined);
  return [
    cmd('optivolt.profileEnergy', (what?: unknown) => profileEnergy(h, what)),
    cmd('optivolt.openEnergyProfile', (file?: unknown) =>
      openProfile(h, file instanceof vscode.Uri ? file.fsPath : typeof file === 'string' ? file : undefined),
    ),
    cmd('optivolt.compareEnergyProfiles', (a?: unknown, b?: unknown) =>
      typeof a === 'string' && typeof b === 'string' ? h.flameGraph.showComparison(a, b) : compare(h, items(a, b)),
    ),
    cmd('optivolt.exportEnergyProfile', (a?: unknown, target?: unknown, format?: unknown) =>
      exportProfile(
        h,
        typeof a === 'string' ? a : items(a, undefined)[0]?.id,
        typeof target === 'string' ? target : undefined,
        format as ExportFormat,
      ),
    ),
    cmd('optivolt.profile.show', (a?: unknown, b?: unknown) => {
      const id = typeof a === 'string' ? a : items(a, b)[0]?.id;
      if (id) h.flameGraph.showProfile(id);
    }),
    cmd('optivolt.profile.focus', (id?: unknown, focus?: unknown) => {
      if (typeof id === 'string') h.flameGraph.showProfile(id, focus as FlameFocus | undefined);
    }),
    cmd('optivolt.profile.delete', async (a?: unknown, b?: unknown) => {
      const chosen = items(a, b);
      if (!chosen.length) return;
      const what = chosen.length === 1 ? `"${chosen[0].name}"` : `${chosen.length} energy profiles`;
      if ((await vscode.window.showWarningMessage(`Delete ${what}?`, { modal: true }, 'Delete')) === 'Delete')
        h.library.remove(chosen.map((c) => c.id));
    }),
    cmd('optivolt.toggleDebugProfiling', async () => {
      const next = !h.config.settings['debug.profile'];
      await vscode.workspace.getConfiguration('optivolt').update('debug.profile', next, vscode.ConfigurationTarget.Global);
      void vscode.window.showInformationMessage(
        next
          ? 'OptiVolt: debug sessions of Node.js and Python programs are now profiled (energy per function).'
          : 'OptiVolt: debug sessions are measured, no longer profiled.',
      );
    }),
  ];
}

/** Stores a profile and shows it; a profile over the storage limit is offered for saving to a file instead. */
export async function storeAndShow(
  h: ProfileCommandsHost,
  profile: EnergyProfile,
  opts: { name?: string; from?: string },
): Promise<string | undefined> {
  try {
    const stored = h.library.add(profile, opts);
    h.flameGraph.showProfile(stored.id);
    return stored.id;
  } catch (err) {
    if (!(err instanceof ProfileTooLargeError)) throw err;
    const choice = await vscode.window.showErrorMessage(
      `OptiVolt: ${err.message}, so it is not stored or shown. Raise the limit, or save it to a file.`,
      'Save As…',
    );
    if (choice) {
      const target = await vscode.window.showSaveDialog({ filters: { 'OptiVolt energy profile': ['json'] } });
      if (target) fs.writeFileSync(target.fsPath, JSON.stringify(profile));
    }
    return undefined;
  }
}

/** `what`: a file path or Uri, { launch: name } or { task: name }; nothing: ask. */
async function profileEnergy(h: ProfileCommandsHost, what: unknown): Promise<string | undefined> {
  const file = what instanceof vscode.Uri ? what.fsPath : typeof what === 'string' ? what : undefined;
  const named =
    isRecord(what) && typeof what.launch === 'string'
      ? { kind: 'launch' as const, name: what.launch }
      : isRecord(what) && typeof what.task === 'string'
        ? { kind: 'task' as const, name: what.task }
        : undefined;
  if (file) await vscode.workspace.textDocuments.find((d) => d.uri.fsPath === file && d.isDirty)?.save();
  const target = file
    ? targetForFile(file, vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath)
    : named
      ? await namedTarget(named.kind, named.name)
      : await pickTarget();
  if (!target) return undefined;
  const outcome = await runProfile(target, h.config.settings, h.log, h.output);
  if (!outcome) {
    void vscode.window.showInformationMessage(`OptiVolt: profiling ${target.label} was cancelled before it ran.`);
    return undefined;
  }
  const { profile, exitCode, interrupted } = outcome;
  if (interrupted) void vscode.window.showInformationMessage(`OptiVolt: ${target.label} was stopped; the profile covers it up to then.`);
  else if (exitCode !== 0)
    void vscode.window.showWarningMessage(`OptiVolt: ${target.label} exited with code ${exitCode}; the profile covers it up to then.`);
  if (!profile.functions.some((f) => !f.synthetic))
    void vscode.window.showWarningMessage(
      `OptiVolt: ${target.label} wrote no CPU profile: ${profile.limits.join(' ') || 'no Node.js or Python process ran'}`,
    );
  return storeAndShow(h, profile, { name: target.label });
}

async function openProfile(h: ProfileCommandsHost, file: string | undefined): Promise<string | undefined> {
  if (!file) {
    type Item = vscode.QuickPickItem & { id?: string };
    const stored = h.library.list();
    const fromFile: Item = { label: '$(folder-opened) From a file…', description: 'a .json written by optivolt profile --out' };
    const picked = stored.length
      ? await vscode.window.showQuickPick<Item>(
          [
            fromFile,
            ...stored.map((s) => ({
              label: s.name,
              description: new Date(s.savedAt).toLocaleString(),
              detail: s.command.join(' '),
              id: s.id,
            })),
          ],
          { title: 'OptiVolt: Open Energy Profile' },
        )
      : fromFile;
    if (!picked) return undefined;
    if (picked.id) {
      h.flameGraph.showProfile(picked.id);
      return picked.id;
    }
    const uris = await vscode.window.showOpenDialog({
      canSelectMany: false,
      filters: { 'OptiVolt energy profile': ['json'] },
      title: 'Open Energy Profile',
    });
    if (!uris?.length) return undefined;
    file = uris[0].fsPath;
  }
  // Refused before reading: a file over the storage limit could not be kept anyway, and may not fit in memory.
  const cap = h.config.settings['profile.storageLimitMB'] * MB;
  const size = fs.statSync(file).size;
  if (size > cap) throw new ProfileTooLargeError(size, cap);
  const profile = parseEnergyProfile(fs.readFileSync(file, 'utf8'), file);
  return storeAndShow(h, profile, { name: path.basename(file).replace(/(\.optivolt-profile)?\.json$/i, ''), from: file });
}

async function compare(h: ProfileCommandsHost, chosen: StoredProfile[]): Promise<void> {
  const all = h.library.list();
  if (all.length < 2)
    throw new Error('comparing needs two stored energy profiles: profile twice (before and after a change), or open two files');
  const pick = async (title: string, except?: string): Promise<StoredProfile | undefined> => {
    const picked = await vscode.window.showQuickPick(
      all
        .filter((s) => s.id !== except)
        .map((s) => ({
          label: s.name,
          description: new Date(s.savedAt).toLocaleString(),
          detail: `${s.runs} runs · ${s.command.join(' ')}`,
          s,
        })),
      { title },
    );
    return picked?.s;
  };
  // Two selected: the older is "before". One selected: it is "after", the user picks "before".
  const sorted = [...chosen].sort((a, b) => a.savedAt.localeCompare(b.savedAt));
  const after =
    sorted.length >= 2 ? sorted[sorted.length - 1] : (sorted[0] ?? (await pick('Compare energy profiles: the profile AFTER the change')));
  if (!after) return;
  const before = sorted.length >= 2 ? sorted[0] : await pick(`Compare with "${after.name}": the profile BEFORE the change`, after.id);
  if (!before) return;
  h.flameGraph.showComparison(before.id, after.id);
}

async function exportProfile(
  h: ProfileCommandsHost,
  id: string | undefined,
  target: string | undefined,
  format: ExportFormat | undefined,
): Promise<string | undefined> {
  if (!id) {
    const picked = await vscode.window.showQuickPick(
      h.library.list().map((s) => ({ label: s.name, description: new Date(s.savedAt).toLocaleString(), id: s.id })),
      { title: 'OptiVolt: Export Energy Profile' },
    );
    if (!picked) return undefined;
    id = picked.id;
  }
  if (!format) {
    const picked = await vscode.window.showQuickPick(
      [
        { label: 'OptiVolt energy profile (JSON)', description: 'opens again with Open Energy Profile…', format: 'json' as const },
        { label: 'speedscope', description: 'weights in Joules; open in speedscope.app', format: 'speedscope' as const },
        { label: 'Folded stacks', description: 'µJ per stack, for flamegraph.pl or inferno', format: 'folded' as const },
      ],
      { title: 'Export as' },
    );
    if (!picked) return undefined;
    format = picked.format;
  }
  const ext = format === 'folded' ? 'folded' : format === 'speedscope' ? 'speedscope.json' : 'optivolt-profile.json';
  if (!target) {
    const uri = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(
        path.join(
          h.library
            .list()
            .find((s) => s.id === id)
            ?.name.replace(/[^\w.-]+/g, '-') ?? id,
        ) + `.${ext}`,
      ),
    });
    if (!uri) return undefined;
    target = uri.fsPath;
  }
  const profile = h.library.store.get(id);
  const content = format === 'folded' ? toFolded(profile) : format === 'speedscope' ? JSON.stringify(toSpeedscope(profile)) : undefined;
  h.library.store.exportTo(id, target, content);
  void vscode.window.showInformationMessage(`OptiVolt: energy profile exported to ${target}.`);
  return target;
}
