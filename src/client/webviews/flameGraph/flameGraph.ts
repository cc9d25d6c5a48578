// The energy flame graph panel: one stored profile, or the comparison of two. One panel at a time, restored after a
// reload by its serializer from the profile id(s) its webview kept in its state (the profiles are on disk).
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { registerPanelSerializer } from '../panelRestore';
import { bundleOptions, bundlePage } from '../webviewHtml';
import { errorMessage } from '../../../core/errors';
import { compareProfiles, profileTree } from '../../../core/profile/compareProfiles';
import type { EnergyProfile } from '../../../shared/energyProfile';
import { isObj } from '../../../shared/guards';
import {
  DEFAULT_FLAME_PREFS,
  parseFromWebview,
  parsePrefs,
  parseRef,
  type FlameFocus,
  type FlamePrefs,
  type FlameRef,
  type ProfileHeader,
  type FromWebview,
  type ToWebview,
} from '../../../shared/webviews/flameGraphProtocol';
import type { ProfileLibrary } from '../../profile/profileLibrary';

export const FLAME_GRAPH_VIEW_TYPE = 'optivolt.flameGraph';

export interface FlameGraphHost {
  readonly extensionUri: vscode.Uri;
  readonly library: ProfileLibrary;
  readonly log: vscode.LogOutputChannel;
}

/** What the host tests read of the open panel. */
export interface FlameGraphState {
  readonly open: boolean;
  readonly ref?: FlameRef;
  /** The webview said `ready` and was sent its state. */
  readonly delivered: boolean;
  /** The last jump to source the webview asked for, and what came of it. */
  readonly lastSource?: { file: string; line?: number; outcome: 'opened' | 'missing' | 'refused' };
}

export class FlameGraphController implements vscode.Disposable {
  private session: FlameGraphSession | undefined;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly host: FlameGraphHost) {
    this.subs = [
      registerPanelSerializer(FLAME_GRAPH_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const ref = isObj(state) ? parseRef(state.ref) : undefined;
          const prefs = { ...DEFAULT_FLAME_PREFS, ...(isObj(state) ? parsePrefs(state.prefs) : {}) };
          if (!ref) {
            panel.dispose();
            return;
          }
          try {
            this.adopt(panel, ref, prefs);
          } catch (err) {
            // The profile was removed (size cap, Delete) since the window closed: nothing to restore.
            host.log.warn(`The energy flame graph was not restored: ${errorMessage(err)}`);
            panel.dispose();
          }
        },
      }),
    ];
  }

  /** Shows a stored profile (zoomed to `focus` when given) and makes it the editor's active profile. */
  showProfile(id: string, focus?: FlameFocus): void {
    const s = this.session;
    if (s && s.ref.kind === 'profile' && s.ref.id === id) {
      s.panel.reveal();
      if (focus) s.focus(focus);
      return;
    }
    this.open({ kind: 'profile', id }, focus);
  }

  showComparison(before: string, after: string): void {
    this.open({ kind: 'compare', before, after });
  }

  state(): FlameGraphState {
    const s = this.session;
    return s
      ? { open: true, ref: s.ref, delivered: s.delivered, ...(s.lastSource ? { lastSource: s.lastSource } : {}) }
      : { open: false, delivered: false };
  }

  private open(ref: FlameRef, focus?: FlameFocus): void {
    const prefs = this.session?.prefs ?? DEFAULT_FLAME_PREFS;
    const panel =
      this.session?.panel ??
      vscode.window.createWebviewPanel(
        FLAME_GRAPH_VIEW_TYPE,
        'Energy Profile',
        vscode.ViewColumn.Active,
        bundleOptions(this.host.extensionUri),
      );
    this.adopt(panel, ref, prefs, focus);
    panel.reveal();
  }

  private adopt(panel: vscode.WebviewPanel, ref: FlameRef, prefs: FlamePrefs, focus?: FlameFocus): void {
    const { message, files } = this.load(ref);
    const old = this.session;
    if (old && old.panel !== panel) old.panel.dispose();
    old?.dispose();
    panel.webview.options = bundleOptions(this.host.extensionUri);
    panel.iconPath = new vscode.ThemeIcon('flame');
    const session: FlameGraphSession = new FlameGraphSession(panel, this.host, ref, message, files, prefs, focus, () => {
      if (this.session === session) this.session = undefined;
    });
    this.session = session;
  }

  /** The message a ref stands for (read from the store now, so a removed profile fails here, not in the webview). */
  private load(ref: FlameRef): { message: (prefs: FlamePrefs, focus?: FlameFocus) => ToWebview; files: Set<string> } {
    const lib = this.host.library;
    const name = (id: string): string => lib.list().find((s) => s.id === id)?.name ?? id;
    if (ref.kind === 'profile') {
      const profile = lib.store.get(ref.id);
      lib.setActive(ref.id, profile);
      const header: ProfileHeader = headerOf(profile);
      const tree = profileTree(profile);
      const title = `Energy: ${name(ref.id)}`;
      return {
        message: (prefs, focus) => ({ type: 'state/profile', ref, title, profile: header, tree, prefs, ...(focus ? { focus } : {}) }),
        files: knownFiles([profile]),
      };
    }
    const before = lib.store.get(ref.before);
    const after = lib.store.get(ref.after);
    const comparison = compareProfiles(before, after);
    const title = `Energy: ${name(ref.before)} → ${name(ref.after)}`;
    return { message: (prefs) => ({ type: 'state/compare', ref, title, comparison, prefs }), files: knownFiles([before, after]) };
  }

  dispose(): void {
    this.session?.panel.dispose();
    for (const d of this.subs) d.dispose();
  }
}

/** The profile without its frames, nodes and lines (the tree stands for them; the webview needs no more). */
function headerOf(p: EnergyProfile): ProfileHeader {
  const header: { -readonly [K in keyof EnergyProfile]?: EnergyProfile[K] } = { ...p };
  delete header.frames;
  delete header.nodes;
  delete header.lines;
  return header as ProfileHeader;
}

/** Files a profile names: the only ones its webview may ask to open. */
function knownFiles(profiles: readonly EnergyProfile[]): Set<string> {
  const files = new Set<string>();
  for (const p of profiles) {
    for (const f of p.frames) if (f.file) files.add(f.file);
    for (const f of p.functions) if (f.file) files.add(f.file);
  }
  return files;
}

class FlameGraphSession {
  private readonly subs: vscode.Disposable[] = [];
  delivered = false;
  lastSource: FlameGraphState['lastSource'];

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly host: FlameGraphHost,
    readonly ref: FlameRef,
    private readonly message: (prefs: FlamePrefs, focus?: FlameFocus) => ToWebview,
    private readonly files: ReadonlySet<string>,
    public prefs: FlamePrefs,
    private pendingFocus: FlameFocus | undefined,
    onDisposed: () => void,
  ) {
    const first = this.message(prefs);
    panel.title = first.type === 'view/focus' ? 'Energy Profile' : first.title;
    panel.webview.html = bundlePage(panel.webview, host.extensionUri, 'flameGraph', panel.title);
    this.subs.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
      panel.onDidDispose(() => {
        this.dispose();
        onDisposed();
      }),
    );
  }

  focus(focus: FlameFocus): void {
    if (this.delivered) void this.panel.webview.postMessage({ type: 'view/focus', focus } satisfies ToWebview);
    else this.pendingFocus = focus;
  }

  private async receive(raw: unknown): Promise<void> {
    const msg: FromWebview | undefined = parseFromWebview(raw);
    if (!msg) {
      this.host.log.warn(`Flame graph sent an invalid message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'ready':
        await this.panel.webview.postMessage(this.message(this.prefs, this.pendingFocus));
        this.pendingFocus = undefined;
        this.delivered = true;
        return;
      case 'view/setPrefs':
        this.prefs = { ...this.prefs, ...msg.prefs };
        return;
      case 'source/open':
        await this.openSource(msg.file, msg.line);
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  /** Jump to source: beside the flame graph, at the line; a clear message when the file is not on this disk. */
  private async openSource(file: string, line: number | undefined): Promise<void> {
    if (!this.files.has(file)) {
      this.lastSource = { file, ...(line ? { line } : {}), outcome: 'refused' };
      this.host.log.warn(`Flame graph asked to open ${file}, which its profile does not name: ignored.`);
      return;
    }
    if (!fs.existsSync(file)) {
      this.lastSource = { file, ...(line ? { line } : {}), outcome: 'missing' };
      void vscode.window.showWarningMessage(
        `OptiVolt: ${file} is not on this disk (the profile was taken on another machine, or the file moved or was deleted).`,
      );
      return;
    }
    const at = new vscode.Position(Math.max(0, (line ?? 1) - 1), 0);
    const other = vscode.window.visibleTextEditors.find((e) => e.viewColumn !== undefined && e.viewColumn !== this.panel.viewColumn);
    await vscode.window.showTextDocument(vscode.Uri.file(file), {
      selection: new vscode.Range(at, at),
      viewColumn: other?.viewColumn ?? vscode.ViewColumn.Beside,
      preview: true,
    });
    this.lastSource = { file, ...(line ? { line } : {}), outcome: 'opened' };
  }

  dispose(): void {
    for (const d of this.subs.splice(0)) d.dispose();
  }
}
