import * as vscode from 'vscode';
import { ReportShelf, reportPath } from '../../core/energy/sessionReport';

export const SESSION_SCHEME = 'optivolt-session';

/**
 * Session Details and comparisons as read-only documents of their own scheme, shown rendered: an untitled
 * buffer asked to be saved on close and failed to reopen on a double-click; a virtual document is never dirty
 * and the same report reopens the same document.
 */
export class SessionDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly reports = new ReportShelf();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.workspace.registerTextDocumentContentProvider(SESSION_SCHEME, this);
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.reports.get(uri.path);
  }

  /** Shows `markdown` as the report `key` (a record id, or two for a comparison), titled `title`. */
  async open(key: string, title: string, markdown: string): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: SESSION_SCHEME, path: reportPath(key, title) });
    if (this.reports.put(uri.path, markdown)) this.changed.fire(uri);
    try {
      await vscode.commands.executeCommand('markdown.showPreview', uri);
    } catch {
      // Without the built-in Markdown extension: the source, still read-only.
      await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: true });
    }
    return uri;
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
