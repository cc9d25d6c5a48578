// Webview panel serializers, registered through one place so a restore can be replayed. Restoring for real
// needs a window reload, which ends a host test run; replayRestore() runs the same deserializer on a fresh
// panel with the state the webview would have saved, which is what VS Code does after the reload.
import * as vscode from 'vscode';

const serializers = new Map<string, vscode.WebviewPanelSerializer>();

export function registerPanelSerializer(viewType: string, serializer: vscode.WebviewPanelSerializer): vscode.Disposable {
  serializers.set(viewType, serializer);
  const registration = vscode.window.registerWebviewPanelSerializer(viewType, serializer);
  return {
    dispose: () => {
      if (serializers.get(viewType) === serializer) serializers.delete(viewType);
      registration.dispose();
    },
  };
}

/** Opens a panel of `viewType` and hands it to its serializer with `state`, as VS Code does after a reload. */
export async function replayRestore(viewType: string, state: unknown): Promise<void> {
  const serializer = serializers.get(viewType);
  if (!serializer) throw new Error(`no serializer registered for ${viewType}`);
  const panel = vscode.window.createWebviewPanel(viewType, 'Restoring…', vscode.ViewColumn.Active, {});
  await serializer.deserializeWebviewPanel(panel, state);
}
