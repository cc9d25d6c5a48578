// Where a workspace's Energy Sessions live, and the one-time move of histories written where they used to live.
//
// The history used to sit in the window's workspace storage. code-server (and VS Code after some crashes) gives
// a new window of the same folder a new `workspaceStorage/<id>-N` folder, so reopening a workspace lost its
// sessions. They belong to the workspace, so they now live in the extension's global storage under a key derived
// from the workspace's identity (its .code-workspace file, else its folder URIs): every window of that workspace
// finds them. Windows without a folder keep the shared global history.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SessionStore } from './sessionStore';
import { errorMessage } from '../errors';

export const HISTORY_FILE = 'energy-sessions.json';

/** What identifies a workspace: URIs as strings (vscode.Uri.toString()). */
export interface WorkspaceIdentity {
  /** The saved .code-workspace file; `untitled:` workspaces are identified by their folders instead. */
  readonly workspaceFile?: string;
  readonly folders: readonly string[];
}

/**
 * A stable folder name for a workspace's history, or undefined for a window without a folder (global history).
 * Folder order does not matter: reordering the folders of a workspace keeps its history.
 */
export function workspaceHistoryKey(id: WorkspaceIdentity): string | undefined {
  const file = id.workspaceFile && !id.workspaceFile.startsWith('untitled:') ? id.workspaceFile : undefined;
  const source = file ? `workspace\n${file}` : id.folders.length > 0 ? `folders\n${[...id.folders].sort().join('\n')}` : undefined;
  return source === undefined ? undefined : createHash('sha256').update(source).digest('hex').slice(0, 24);
}

/** The history file of a workspace under the global storage folder. */
export function workspaceHistoryFile(globalStorage: string, id: WorkspaceIdentity): string {
  const key = workspaceHistoryKey(id);
  return key === undefined ? path.join(globalStorage, HISTORY_FILE) : path.join(globalStorage, 'workspaces', key, HISTORY_FILE);
}

/**
 * The old per-window history files of this workspace: the current window's workspace storage, and its siblings
 * whose `workspace.json` (written there by VS Code) names the same folder or workspace file, which is where the
 * earlier windows of the same workspace wrote theirs.
 */
export function oldHistoryFiles(windowStorage: string, id: WorkspaceIdentity): string[] {
  const root = path.dirname(windowStorage);
  const wanted = new Set(
    [id.workspaceFile, id.folders.length === 1 ? id.folders[0] : undefined].filter((u): u is string => !!u).map(resourcePath),
  );
  const out = [path.join(windowStorage, HISTORY_FILE)];
  let names: string[] = [];
  try {
    names = fs.readdirSync(root);
  } catch {
    /* no siblings to look at */
  }
  for (const name of names.sort()) {
    const dir = path.join(root, name);
    if (dir === windowStorage) continue;
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, 'workspace.json'), 'utf8')) as { folder?: unknown; workspace?: unknown };
      const uri = typeof meta.folder === 'string' ? meta.folder : typeof meta.workspace === 'string' ? meta.workspace : undefined;
      if (uri && wanted.has(resourcePath(uri))) out.push(path.join(dir, HISTORY_FILE));
    } catch {
      /* not a workspace storage folder, or not ours */
    }
  }
  return out.filter((f) => fs.existsSync(f));
}

/** A URI's path: the browser side may record `vscode-remote://host/p` where the extension host sees `file:///p`. */
function resourcePath(uri: string): string {
  try {
    return decodeURIComponent(new URL(uri).pathname).replace(/\/+$/, '');
  } catch {
    return uri;
  }
}

export interface MigrationResult {
  /** Records added to the target (already present ones are not counted). */
  readonly added: number;
  /** Old files moved in, each renamed to `<file>.migrated` afterwards so it is moved only once. */
  readonly migrated: string[];
  readonly problems: string[];
}

/** The archive files beside a history file, by the store's naming (`<name>.archive-<...><ext>`). */
function archivesOf(file: string): string[] {
  const ext = path.extname(file);
  const prefix = `${path.basename(file, ext)}.archive-`;
  try {
    return fs
      .readdirSync(path.dirname(file))
      .filter((n) => n.startsWith(prefix) && n.endsWith(ext))
      .map((n) => path.join(path.dirname(file), n));
  } catch {
    return [];
  }
}

/**
 * When the target has no history yet, the old files are copied as they are (same format): a full history moves
 * in milliseconds instead of a save per record. The main file is linked into place, which fails rather than
 * overwrite a history another window created meanwhile (then the caller merges). Returns whether it copied.
 */
function copyIfEmpty(source: string, target: string): boolean {
  if (fs.existsSync(target) || archivesOf(target).length > 0) return false;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  for (const a of archivesOf(source)) {
    try {
      fs.copyFileSync(a, path.join(path.dirname(target), path.basename(a)), fs.constants.COPYFILE_EXCL);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  const tmp = `${target}.migrating-${process.pid}-${Date.now()}`;
  fs.copyFileSync(source, tmp);
  try {
    fs.linkSync(tmp, target);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Moves old histories (archives included) into `target`, once: into an empty target by copying the files, else
 * record by record through the store (records already there, same id, are kept as they are; the store archives
 * beyond its cap). An old file is renamed to `<file>.migrated` only after all its records were saved, and kept
 * as a backup; one that cannot be read completely is left in place and reported, so it is tried again next time
 * and nothing is lost.
 */
export async function migrateHistories(sources: readonly string[], target: string): Promise<MigrationResult> {
  const problems: string[] = [];
  const migrated: string[] = [];
  let added = 0;
  const store = new SessionStore(target);
  for (const source of sources) {
    if (path.resolve(source) === path.resolve(target) || !fs.existsSync(source)) continue;
    try {
      const old = new SessionStore(source);
      old.load();
      const { records, problems: unreadable } = await old.readAll();
      if (old.lastLoadProblem) problems.push(`${source}: ${old.lastLoadProblem}`);
      if (unreadable.length > 0) {
        problems.push(`${source}: ${unreadable.join('; ')}: left in place`);
        continue;
      }
      if (copyIfEmpty(source, target)) {
        added += records.length;
      } else {
        const have = new Set((await store.readAll()).records.map((r) => r.id));
        // Oldest first, so the store's archiving keeps the newest in the main file.
        for (const r of [...records].reverse()) {
          if (have.has(r.id)) continue;
          store.add(r);
          added++;
          // Each save is synchronous: let the extension host breathe between them.
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      fs.renameSync(source, `${source}.migrated`);
      migrated.push(source);
    } catch (err) {
      problems.push(`${source}: ${errorMessage(err)}`);
    }
  }
  return { added, migrated, problems };
}
