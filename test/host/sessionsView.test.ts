// The Energy Sessions view against its history file: what VS Code is given when the view is revealed, where the
// history lives, the read-only details, and an export with nothing to export.
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SessionStore } from '../../src/core/energy/sessionStore';
import { workspaceHistoryKey } from '../../src/core/energy/workspaceHistory';
import { sessionRecord } from '../fixtures/sessionHistory';
import { api, waitFor } from './util';

describe('Energy Sessions view', function () {
  this.timeout(60000);
  const id = `other-window-${Date.now()}`;

  it('keeps the history under the global storage, keyed by the workspace folder', async () => {
    const a = await api();
    await a.sessionsMigrated;
    const key = workspaceHistoryKey({ folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()) });
    assert.ok(key, 'the host tests open a folder');
    assert.equal(path.basename(path.dirname(a.sessionsFile())), key);
    assert.equal(path.basename(path.dirname(path.dirname(a.sessionsFile()))), 'workspaces');
  });

  it('shows, when revealed, what the history holds, sessions saved by another window included', async () => {
    const a = await api();
    // The view hidden (another container shown), as when a session ends while the user looks at the code.
    await vscode.commands.executeCommand('workbench.view.explorer');
    new SessionStore(a.sessionsFile()).add(sessionRecord({ id, name: 'From another window', config: 'other', startedAt: Date.now() }));
    await vscode.commands.executeCommand('optivolt.energySessions.focus');
    await waitFor("the view to list the other window's session", () => a.sessionsShown().includes(id));
    assert.ok(a.sessions().some((r) => r.id === id));
  });

  it('opens Session Details read-only, twice in a row without error, and never as an unsaved buffer', async () => {
    const a = await api();
    const record = a.sessions().find((r) => r.id === id);
    assert.ok(record);
    // A double-click runs the item's command twice at once.
    await Promise.all([1, 2].map(() => vscode.commands.executeCommand('optivolt.sessions.details', { record })));
    const doc = await waitFor('the details document', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'optivolt-session' && d.getText().includes(record.name)),
    );
    assert.equal(doc.isDirty, false);
    assert.deepEqual(
      vscode.workspace.textDocuments.filter((d) => d.isUntitled).map((d) => d.uri.toString()),
      [],
      'no Untitled buffer that asks to be saved',
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('says there is nothing to export instead of opening a save dialog', async () => {
    const a = await api();
    new SessionStore(a.sessionsFile()).clear();
    // A deadline, not a sleep: the answer comes at once, a save dialog never answers.
    let timer: NodeJS.Timeout | undefined;
    const dialog = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('a save dialog is waiting'), 5000)));
    const outcome = await Promise.race([vscode.commands.executeCommand('optivolt.sessions.exportCsv'), dialog]);
    clearTimeout(timer);
    if (typeof outcome === 'string') await vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    assert.deepEqual(outcome, { exported: 0 });
  });
});
