// "▶ Run" above each query of a .promql document, and what "OptiVolt: Run PromQL Query" runs: the CodeLens's
// query, else the selection, else the query under the cursor. Queries are the paragraphs of splitQueries, the
// same the language server sees.
import * as vscode from 'vscode';
import { queryAt, splitQueries } from '../../shared/promqlDocument';

export const RUN_QUERY_COMMAND = 'optivolt.runPromqlQuery';

/** A query to run and where it comes from (parse error positions are relative to its first line). */
export interface QueryToRun {
  readonly text: string;
  readonly uri?: vscode.Uri;
  /** Zero-based line of the document where `text` starts. */
  readonly line: number;
  /** Zero-based column of the document where `text` starts (a selection may start mid-line). */
  readonly character: number;
}

export class PromqlCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    return splitQueries(document.getText()).map(
      (block) =>
        new vscode.CodeLens(new vscode.Range(block.queryLine, 0, block.queryLine, 0), {
          title: '▶ Run',
          tooltip: 'Run this query on Prometheus (optivolt.prometheus.url) and show the result beside',
          command: RUN_QUERY_COMMAND,
          arguments: [document.uri.toString(), block.queryLine],
        }),
    );
  }

  /** Asks VS Code for fresh lenses (e.g. after a settings change). */
  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The paragraph of `document` holding zero-based `line`. */
function paragraphAt(document: vscode.TextDocument, line: number): QueryToRun | undefined {
  const block = splitQueries(document.getText()).find((b) => line >= b.startLine && line <= b.endLine);
  return block ? { text: block.text, uri: document.uri, line: block.startLine, character: 0 } : undefined;
}

/**
 * Resolves the command's arguments: (uri, line) from a CodeLens, or nothing (the palette, a key binding): the
 * active editor's selection when not empty, else in a PromQL document the query under the cursor.
 */
export async function resolveQuery(uri?: unknown, line?: unknown): Promise<QueryToRun | undefined> {
  if (typeof uri === 'string' && typeof line === 'number' && Number.isInteger(line) && line >= 0) {
    const target = vscode.Uri.parse(uri, true);
    const document =
      vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri) ?? (await vscode.workspace.openTextDocument(target));
    return paragraphAt(document, line);
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor) return undefined;
  const { document, selection } = editor;
  if (!selection.isEmpty) {
    const text = document.getText(selection);
    if (text.trim()) return { text, uri: document.uri, line: selection.start.line, character: selection.start.character };
  }
  if (document.languageId !== 'promql') return undefined;
  const blocks = splitQueries(document.getText());
  const block = queryAt(blocks, document.offsetAt(selection.active));
  return block ? { text: block.text, uri: document.uri, line: block.startLine, character: 0 } : undefined;
}
