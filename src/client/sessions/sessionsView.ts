import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Comparison } from '../../core/energy/compare';
import { ExportFormat, exportContent, exportedNotice } from '../../core/energy/sessionExport';
import { fileIdentity } from '../../core/energy/sessionFiles';
import { finishedNotice, trySave } from '../../core/energy/sessionNotice';
import type { SessionRecord } from '../../core/energy/sessionRecord';
import { comparisonFor, comparisonMarkdown, isComparable, recordMarkdown, sessionSummary } from '../../core/energy/sessionReport';
import { SessionStore } from '../../core/energy/sessionStore';
import { SessionDocuments } from './sessionDocuments';
import { errorMessage } from '../../core/errors';

const KIND_ICON: Record<SessionRecord['kind'], string> = { debug: 'debug-alt', task: 'tools', command: 'terminal' };

class SessionItem extends vscode.TreeItem {
  constructor(
    readonly record: SessionRecord,
    comparable: boolean,
  ) {
    super(record.name, vscode.TreeItemCollapsibleState.None);
    this.id = record.id;
    this.description = `${sessionSummary(record)} · ${new Date(record.startedAt).toLocaleString()}`;
    this.iconPath = new vscode.ThemeIcon(KIND_ICON[record.kind]);
    this.contextValue = comparable ? 'optivolt.session.comparable' : 'optivolt.session';
    const tip = new vscode.MarkdownString(recordMarkdown(record));
    this.tooltip = tip;
    this.accessibilityInformation = { label: `${record.name}, ${sessionSummary(record)}` };
    this.command = { command: 'optivolt.sessions.details', title: 'Details', arguments: [this] };
  }
}

/** What an export did: for the tests, and so a keybinding's caller can tell. */
export type ExportOutcome = { readonly exported: number; readonly file?: string } | 'cancelled';

/**
 * The "Energy Sessions" view: past measurements of this workspace, persisted by a SessionStore whose file other
 * windows of the workspace (and the CLI) write too. What VS Code is given is re-read from the file whenever it
 * changed since the last read, and a change on disk refreshes the view, so the view never shows a stale copy,
 * visible or not when the change happened.
 */
export class SessionsView implements vscode.TreeDataProvider<SessionItem>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<SessionItem>;
  private readonly subs: vscode.Disposable[] = [];
  private readonly documents = new SessionDocuments();
  /** The history file's identity when the store last read it ('unread' until then; undefined: no file). */
  private seen: string | undefined = 'unread';
  private watchTimer: NodeJS.Timeout | undefined;
  /** The ids getChildren last gave VS Code, for the host tests. */
  shownIds: string[] = [];

  constructor(
    readonly store: SessionStore,
    private readonly file: string,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.view = vscode.window.createTreeView('optivolt.energySessions', { treeDataProvider: this, canSelectMany: true });
    this.subs.push(
      this.view,
      this.changed,
      this.documents,
      this.watch(),
      // Hidden views are not asked again when shown: a change made meanwhile is picked up here.
      this.view.onDidChangeVisibility((e) => {
        if (e.visible && this.identity() !== this.seen) this.refresh();
      }),
      vscode.commands.registerCommand(
        'optivolt.sessions.details',
        (item?: SessionItem) => item && this.documents.open(item.record.id, item.record.name, recordMarkdown(item.record)),
      ),
      vscode.commands.registerCommand('optivolt.sessions.delete', (item?: SessionItem, items?: SessionItem[]) =>
        this.delete(items?.length ? items : item ? [item] : [...this.view.selection]),
      ),
      vscode.commands.registerCommand('optivolt.sessions.compare', (item?: SessionItem, items?: SessionItem[]) =>
        this.compareItems(items?.length ? items : item ? [item] : [...this.view.selection]),
      ),
      vscode.commands.registerCommand('optivolt.sessions.exportCsv', () => this.export('csv')),
      vscode.commands.registerCommand('optivolt.sessions.exportJson', () => this.export('json')),
      vscode.commands.registerCommand('optivolt.sessions.clear', () => this.clear()),
    );
    this.showArchived();
  }

  /**
   * Saves a finished measurement and announces it: the summary with Details and Compare, or, when the save
   * failed (read-only storage, disk full, the history locked too long), a warning that says it was not saved.
   */
  addAndAnnounce(record: SessionRecord, log: vscode.LogOutputChannel): void {
    const outcome = trySave(() => this.store.add(record));
    if (outcome.saved) this.refresh();
    else log.error(`Cannot save the measurement of "${record.name}": ${outcome.reason}`);
    const notice = finishedNotice(record, outcome);
    const actions = outcome.saved && this.comparison(record) !== undefined ? ['Details', 'Compare with Previous'] : ['Details'];
    const shown =
      notice.severity === 'info'
        ? vscode.window.showInformationMessage(notice.text, ...actions)
        : vscode.window.showWarningMessage(notice.text, ...actions);
    void shown.then((a) => {
      const item = { record };
      if (a === 'Details') void vscode.commands.executeCommand('optivolt.sessions.details', item);
      if (a === 'Compare with Previous') void vscode.commands.executeCommand('optivolt.sessions.compare', item);
    });
  }

  refresh(): void {
    this.showArchived();
    this.changed.fire();
  }

  /** The store's records, re-read first when the file changed since the store last read it (another writer). */
  records(): SessionRecord[] {
    const now = this.identity();
    try {
      if (now !== this.seen) {
        this.store.load();
        if (this.store.lastLoadProblem) this.log.warn(this.store.lastLoadProblem);
      }
      this.seen = now;
      return this.store.all();
    } catch (err) {
      this.log.error(`Cannot read the energy history: ${errorMessage(err)}`);
      return [];
    }
  }

  private identity(): string | undefined {
    return fileIdentity(this.file);
  }

  /** Refreshes the view when another window or the CLI writes the history. */
  private watch(): vscode.Disposable {
    const dir = path.dirname(this.file);
    const base = path.basename(this.file, path.extname(this.file));
    let watcher: fs.FSWatcher | undefined;
    try {
      fs.mkdirSync(dir, { recursive: true });
      watcher = fs.watch(dir, (_event, name) => {
        if (name && !String(name).startsWith(base)) return;
        // One refresh per burst of writes (temp, rename, lock).
        clearTimeout(this.watchTimer);
        this.watchTimer = setTimeout(() => {
          if (this.identity() !== this.seen) this.refresh();
        }, 200);
      });
      watcher.on('error', (err) => this.log.warn(`Stopped watching ${dir} for other windows' sessions: ${err.message}`));
    } catch (err) {
      // Out of inotify watches, say: the view still re-reads on reveal and on its own changes.
      this.log.warn(`Cannot watch ${dir} for other windows' sessions: ${errorMessage(err)}`);
    }
    return {
      dispose: () => {
        clearTimeout(this.watchTimer);
        watcher?.close();
      },
    };
  }

  /** The view lists the main file only; say where the rest is rather than let a capped list look like all of it. */
  private showArchived(): void {
    this.view.message =
      this.store.archives().length > 0 ? 'Older sessions are archived beside the history and included in exports.' : undefined;
  }

  getTreeItem(e: SessionItem): vscode.TreeItem {
    return e;
  }

  getChildren(): SessionItem[] {
    const all = this.records();
    this.shownIds = all.map((r) => r.id);
    return all.map((r) => new SessionItem(r, isComparable(r, all)));
  }

  /** Compares a run with another: the two selected, or this one with the previous run of its configuration. */
  comparison(a: SessionRecord, b?: SessionRecord): Comparison | undefined {
    return comparisonFor(a, this.records(), b);
  }

  private async compareItems(items: SessionItem[]): Promise<void> {
    if (items.length === 0) return;
    const c = this.comparison(items[0].record, items[1]?.record);
    if (!c) {
      void vscode.window.showInformationMessage(
        `OptiVolt: no earlier run of "${items[0].record.config}" to compare with. Run it again, or select two sessions.`,
      );
      return;
    }
    await this.documents.open(`${c.a.id}~${c.b.id}`, `${c.a.name} vs ${c.b.name}`, comparisonMarkdown(c));
  }

  private async delete(items: SessionItem[]): Promise<void> {
    if (items.length === 0) return;
    const ok = await vscode.window.showWarningMessage(
      `Delete ${items.length} energy session${items.length > 1 ? 's' : ''}?`,
      { modal: true },
      'Delete',
    );
    if (ok !== 'Delete') return;
    try {
      this.store.delete(items.map((i) => i.record.id));
    } catch (err) {
      void vscode.window.showWarningMessage(`OptiVolt: the sessions were not deleted: ${errorMessage(err)}`);
    }
    this.refresh();
  }

  private async clear(): Promise<void> {
    const ok = await vscode.window.showWarningMessage(
      'Delete every energy session of this workspace, archived ones included?',
      { modal: true },
      'Delete All',
    );
    if (ok !== 'Delete All') return;
    try {
      this.store.clear();
    } catch (err) {
      void vscode.window.showWarningMessage(`OptiVolt: the sessions were not deleted: ${errorMessage(err)}`);
    }
    this.refresh();
  }

  private async export(format: ExportFormat): Promise<ExportOutcome> {
    this.records(); // another window may have added or cleared sessions
    // Archives included: the export is the whole history, not the newest page the view lists.
    const { records, problems } = await this.store.readAll();
    if (records.length === 0) {
      void vscode.window.showInformationMessage(
        'OptiVolt: there are no energy sessions to export yet. Debug, or run "Measure Task Energy", first.',
      );
      return { exported: 0 };
    }
    const uri = await vscode.window.showSaveDialog({
      title: 'Export energy sessions',
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
      defaultUri: vscode.Uri.joinPath(
        vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(process.cwd()),
        `optivolt-sessions.${format}`,
      ),
    });
    if (!uri) return 'cancelled';
    await vscode.workspace.fs.writeFile(uri, Buffer.from(exportContent(format, records), 'utf8'));
    const notice = exportedNotice(records.length, uri.fsPath, problems);
    void (notice.warning ? vscode.window.showWarningMessage(notice.text) : vscode.window.showInformationMessage(notice.text));
    return { exported: records.length, file: uri.fsPath };
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
  }
}
