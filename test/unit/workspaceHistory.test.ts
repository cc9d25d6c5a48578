// Where a workspace's Energy Sessions live (a key every window of the workspace computes alike) and the one-time
// move of the per-window histories, on real files in temp folders laid out like VS Code's storage.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SessionStore } from '../../src/core/energy/sessionStore';
import {
  HISTORY_FILE,
  migrateHistories,
  oldHistoryFiles,
  workspaceHistoryFile,
  workspaceHistoryKey,
} from '../../src/core/energy/workspaceHistory';
import { sessionRecord } from '../fixtures/sessionHistory';

const FOLDER = 'file:///home/me/project';

describe('workspace history location', () => {
  it('gives every window of a folder the same key, and no key without a folder', () => {
    const a = workspaceHistoryKey({ folders: [FOLDER] });
    assert.ok(a && /^[0-9a-f]{24}$/.test(a));
    assert.equal(workspaceHistoryKey({ folders: [FOLDER] }), a);
    assert.notEqual(workspaceHistoryKey({ folders: ['file:///home/me/other'] }), a);
    assert.equal(workspaceHistoryKey({ folders: [] }), undefined);
  });

  it('keys a multi-root workspace by its file, or by its folders in any order when untitled', () => {
    const two = ['file:///a', 'file:///b'];
    assert.equal(workspaceHistoryKey({ folders: two }), workspaceHistoryKey({ folders: [...two].reverse() }));
    assert.equal(workspaceHistoryKey({ workspaceFile: 'untitled:Untitled-1', folders: two }), workspaceHistoryKey({ folders: two }));
    const saved = workspaceHistoryKey({ workspaceFile: 'file:///w/app.code-workspace', folders: two });
    assert.notEqual(saved, workspaceHistoryKey({ folders: two }));
    assert.equal(
      saved,
      workspaceHistoryKey({ workspaceFile: 'file:///w/app.code-workspace', folders: ['file:///c'] }),
      'a saved workspace keeps its history when its folders change',
    );
  });

  it('puts a folder history under the global storage, and a folderless one in the shared global file', () => {
    const g = '/g';
    assert.equal(workspaceHistoryFile(g, { folders: [] }), path.join(g, HISTORY_FILE));
    assert.equal(
      workspaceHistoryFile(g, { folders: [FOLDER] }),
      path.join(g, 'workspaces', workspaceHistoryKey({ folders: [FOLDER] })!, HISTORY_FILE),
    );
  });
});

describe('moving per-window histories to the workspace history', () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-wshist-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  /** A workspaceStorage/<name> folder as VS Code writes it, with a history of these records. */
  function windowStorage(name: string, folder: string, ids: string[], t0 = 0): string {
    const dir = path.join(tmp, 'workspaceStorage', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'workspace.json'), JSON.stringify({ folder }));
    const store = new SessionStore(path.join(dir, HISTORY_FILE), { maxRecords: 3 });
    ids.forEach((id, i) => store.add(sessionRecord({ id, startedAt: t0 + i * 1000 })));
    return dir;
  }

  it("finds the histories of earlier windows of the same folder (code-server's <id>-N folders), not others'", () => {
    const first = windowStorage('abc', FOLDER, ['a']);
    const second = windowStorage('abc-2', FOLDER, ['b']);
    windowStorage('zzz', 'file:///elsewhere', ['x']);
    const current = path.join(tmp, 'workspaceStorage', 'abc-3');
    fs.mkdirSync(current);
    assert.deepEqual(oldHistoryFiles(current, { folders: [FOLDER] }), [path.join(first, HISTORY_FILE), path.join(second, HISTORY_FILE)]);
  });

  it('merges every record once, archives included, and keeps the old files as backups', async () => {
    // maxRecords 3: five records leave two in an archive beside the old main file.
    const first = windowStorage('abc', FOLDER, ['a1', 'a2', 'a3', 'a4', 'a5']);
    const second = windowStorage('abc-2', FOLDER, ['b1', 'a5'], 10_000);
    const target = workspaceHistoryFile(path.join(tmp, 'global'), { folders: [FOLDER] });
    new SessionStore(target).add(sessionRecord({ id: 'new', startedAt: 99_000 }));
    const sources = oldHistoryFiles(second, { folders: [FOLDER] });
    const r = await migrateHistories(sources, target);
    assert.deepEqual(r.problems, []);
    assert.equal(r.added, 6, 'a5 was in both windows: added once');
    const all = (await new SessionStore(target).readAll()).records.map((x) => x.id).sort();
    assert.deepEqual(all, ['a1', 'a2', 'a3', 'a4', 'a5', 'b1', 'new']);
    assert.ok(fs.existsSync(path.join(first, `${HISTORY_FILE}.migrated`)) && !fs.existsSync(path.join(first, HISTORY_FILE)));
    assert.deepEqual(oldHistoryFiles(second, { folders: [FOLDER] }), [], 'moved once: nothing left to move next time');
    const again = await migrateHistories(sources, target);
    assert.equal(again.added, 0);
  });

  it('leaves a history it cannot read completely in place, and says so', async () => {
    const dir = windowStorage('abc', FOLDER, ['a1', 'a2', 'a3', 'a4']);
    const archive = fs.readdirSync(dir).find((n) => n.includes('.archive-'))!;
    fs.writeFileSync(path.join(dir, archive), '{ torn');
    const target = path.join(tmp, 'global', 'w', HISTORY_FILE);
    const r = await migrateHistories([path.join(dir, HISTORY_FILE)], target);
    assert.equal(r.migrated.length, 0);
    assert.match(r.problems.join(), /left in place/);
    assert.ok(fs.existsSync(path.join(dir, HISTORY_FILE)));
  });

  it('moves a full history (1,000 records) into a new workspace history by copying, not a save per record', async function () {
    this.timeout(30000);
    const dir = path.join(tmp, 'ws', 'abc');
    const old = new SessionStore(path.join(dir, HISTORY_FILE));
    // One save of 1,000 records through a store that archives nothing: the shape an old window left.
    for (let i = 0; i < 1000; i += 100) for (let j = i; j < i + 100; j++) old.add(sessionRecord({ id: `r${j}`, startedAt: j }));
    const t0 = Date.now();
    const r = await migrateHistories([path.join(dir, HISTORY_FILE)], path.join(tmp, 'g', HISTORY_FILE));
    const ms = Date.now() - t0;
    assert.equal(r.added, 1000);
    assert.equal(new SessionStore(path.join(tmp, 'g', HISTORY_FILE)).all().length, 1000);
    // A save per record took ~6 s here; copying takes milliseconds. Generous bound: only a regression trips it.
    assert.ok(ms < 3000, `${ms} ms`);
  });
});
