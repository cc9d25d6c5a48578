// The workspace's energy sessions: their history file, the one-time move of older per-window histories, the view.
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import { SessionStore } from '../../core/energy/sessionStore';
import { migrateHistories, oldHistoryFiles, workspaceHistoryFile, workspaceHistoryKey } from '../../core/energy/workspaceHistory';
import { SessionsView } from './sessionsView';

export interface EnergySessions {
  readonly view: SessionsView;
  /** Where this workspace's history lives. */
  readonly file: string;
  /** Settles when the one-time move of per-window histories is done. */
  readonly migrated: Promise<void>;
}

/**
 * Energy sessions belong to the workspace, not the window: every window of a folder (code-server gives each a new
 * workspaceStorage/<id>-N) uses one history under the global storage; windows without a folder share one.
 */
export function openEnergySessions(
  context: vscode.ExtensionContext,
  log: vscode.LogOutputChannel,
  problems: (messages: string[]) => void,
): EnergySessions {
  const workspace = {
    workspaceFile: vscode.workspace.workspaceFile?.toString(),
    folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()),
  };
  const file = workspaceHistoryFile(context.globalStorageUri.fsPath, workspace);
  const store = new SessionStore(file);
  try {
    store.load();
    if (store.lastLoadProblem) problems([store.lastLoadProblem]);
  } catch (err) {
    log.error(`Cannot read the energy history: ${errorMessage(err)}`);
  }
  const view = new SessionsView(store, file, log);
  const old = context.storageUri && workspaceHistoryKey(workspace) ? oldHistoryFiles(context.storageUri.fsPath, workspace) : [];
  const migrated =
    old.length === 0
      ? Promise.resolve()
      : migrateHistories(old, file).then(
          (r) => {
            if (r.migrated.length > 0)
              log.info(`Energy Sessions: ${r.added} sessions moved to ${file} from ${r.migrated.join(', ')} (kept there as *.migrated).`);
            problems(r.problems.map((p) => `Some energy sessions were not moved to this workspace's history: ${p}`));
            view.refresh();
          },
          (err: unknown) => log.error(`Energy Sessions: moving the per-window histories failed: ${errorMessage(err)}`),
        );
  return { view, file, migrated };
}
