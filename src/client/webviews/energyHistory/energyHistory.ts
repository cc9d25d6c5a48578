// "OptiVolt: Show Energy History": the team's history of this workspace's sessions and tests, read from the configured
// Prometheus-API engine (the credentialled client) for the repository the workspace folder's git remote names, as
// `--push` labels it (pushIdentity). Protocol: src/shared/webviews/energyHistoryProtocol.ts.
import * as vscode from 'vscode';
import { errorMessage } from '../../../core/errors';
import { DEFAULT_HISTORY_DAYS, readEnergyHistory } from '../../../core/history/energyHistory';
import { chartViews } from '../../../core/history/historyView';
import type { PrometheusClient } from '../../../core/prometheus/client';
import { pushIdentity } from '../../../core/push/pushIdentity';
import { parseFromWebview, type ToWebview } from '../../../shared/webviews/energyHistoryProtocol';
import { bundleOptions, bundlePage } from '../webviewHtml';

export const ENERGY_HISTORY_VIEW_TYPE = 'optivolt.energyHistory';
export const SHOW_ENERGY_HISTORY_COMMAND = 'optivolt.showEnergyHistory';

export interface EnergyHistoryHost {
  readonly extensionUri: vscode.Uri;
  client(timeoutMs: number): PrometheusClient;
  readonly log: vscode.LogOutputChannel;
}

/** What the host tests read through the extension's API. */
export interface EnergyHistoryState {
  readonly open: boolean;
  readonly last?: ToWebview;
}

const QUERY_TIMEOUT_MS = 30000;

/**
 * The repository label of a folder: its git remote as pushIdentity names it, CI variables left out (an editor is not a
 * CI runner, and a GITHUB_REPOSITORY in VS Code's environment would name another repository).
 */
export function folderRepository(folder: string): string {
  return pushIdentity('', folder, {}).repository;
}

export class EnergyHistoryController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private last: ToWebview | undefined;
  private folder: string | undefined;
  private loading = 0;

  constructor(private readonly host: EnergyHistoryHost) {}

  state(): EnergyHistoryState {
    return { open: this.panel !== undefined, ...(this.last ? { last: this.last } : {}) };
  }

  /** Opens (or reveals) the view for `folder` (default: the first workspace folder) and reads the history. */
  async show(folder?: string): Promise<void> {
    this.folder = folder ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!this.panel) {
      this.panel = vscode.window.createWebviewPanel(
        ENERGY_HISTORY_VIEW_TYPE,
        'Energy History',
        vscode.ViewColumn.Active,
        bundleOptions(this.host.extensionUri, true),
      );
      this.panel.webview.html = bundlePage(this.panel.webview, this.host.extensionUri, 'energyHistory', 'Energy History');
      this.panel.webview.onDidReceiveMessage((raw: unknown) => {
        const msg = parseFromWebview(raw);
        if (msg?.type === 'ready' && this.last) void this.panel?.webview.postMessage(this.last);
        if (msg?.type === 'history/refresh') void this.load();
      });
      this.panel.onDidDispose(() => (this.panel = undefined));
    } else this.panel.reveal();
    await this.load();
  }

  private post(msg: ToWebview): void {
    this.last = msg;
    void this.panel?.webview.postMessage(msg);
  }

  private async load(): Promise<void> {
    const id = ++this.loading;
    const client = this.host.client(QUERY_TIMEOUT_MS);
    const url = client.baseUrl;
    if (!this.folder) {
      this.post({ type: 'history/error', repository: '', url, message: 'Open a folder: the history is read for its git repository.' });
      return;
    }
    const repository = folderRepository(this.folder);
    if (repository === 'unknown') {
      this.post({
        type: 'history/error',
        repository,
        url,
        message: `${this.folder} is not in a git repository: its history has no repository label to look for.`,
      });
      return;
    }
    this.post({ type: 'history/loading', repository, url });
    try {
      const history = await readEnergyHistory(client, repository, DEFAULT_HISTORY_DAYS);
      if (id === this.loading) this.post({ type: 'history/result', repository, url, days: history.days, charts: chartViews(history) });
    } catch (err) {
      this.host.log.warn(`Energy History: ${errorMessage(err)}`);
      if (id === this.loading) this.post({ type: 'history/error', repository, url, message: errorMessage(err) });
    }
  }

  dispose(): void {
    this.panel?.dispose();
  }
}

export function registerEnergyHistory(context: vscode.ExtensionContext, host: EnergyHistoryHost): EnergyHistoryController {
  const controller = new EnergyHistoryController(host);
  context.subscriptions.push(
    controller,
    vscode.commands.registerCommand(SHOW_ENERGY_HISTORY_COMMAND, (arg?: unknown) =>
      controller.show(typeof arg === 'string' ? arg : arg instanceof vscode.Uri ? arg.fsPath : undefined),
    ),
  );
  return controller;
}
