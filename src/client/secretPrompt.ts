// Asking for a token and keeping it in VS Code's SecretStorage: one way for every credential OptiVolt holds
// (Grafana's service account token, the Prometheus engine's bearer token). Never in settings, never logged.
import * as vscode from 'vscode';

export interface SecretPrompt {
  readonly title: string;
  readonly prompt: string;
}

/**
 * Stores the token given as the command's argument (the host tests pass one), else the one typed in a password box;
 * empty removes it. Returns what happened, or undefined when the box was dismissed.
 */
export async function promptSecret(
  secrets: vscode.SecretStorage,
  key: string,
  ask: SecretPrompt,
  arg?: unknown,
): Promise<'stored' | 'removed' | undefined> {
  const value =
    typeof arg === 'string'
      ? arg
      : await vscode.window.showInputBox({ title: ask.title, prompt: ask.prompt, password: true, ignoreFocusOut: true });
  if (value === undefined) return undefined;
  if (value.trim() === '') {
    await secrets.delete(key);
    return 'removed';
  }
  await secrets.store(key, value.trim());
  return 'stored';
}
