// The active energy profile in the editor: a CodeLens above each of the open file's hottest functions
// ("≈ 2.1 J · 34% of the run", click: the function in the flame graph), and line heat (a gutter bar, a tinted line,
// the overview ruler) where the profile has line energies.
//
// Stale: once a file is edited after its profile was taken (unsaved changes, or saved later than the run ended), the
// lenses stay but say "stale" (the function still exists and the figures are still the last ones measured), and
// the line heat is cleared, because lines have moved and would point at the wrong code. Profile again to refresh.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { EnergyProfile, FunctionEnergy } from '../../shared/energyProfile';
import { joulesText, percentText } from '../../shared/profileFormat';
import type { ProfileLibrary } from './profileLibrary';

/** Lenses per file at most: the hottest functions by self energy. */
const MAX_LENSES = 8;
/** A function under this share of the run gets no lens (it is not among "the hottest"). */
const MIN_SHARE = 0.005;

const HEAT_LEVELS = [
  { level: 'high', from: 0.1, opacity: 1 },
  { level: 'medium', from: 0.02, opacity: 0.65 },
  { level: 'low', from: 0, opacity: 0.35 },
] as const;

/** A bar in the gutter; the hue is fixed (gutter icons are images), its strength is the level. */
const gutterBar = (opacity: number): vscode.Uri =>
  vscode.Uri.parse(
    `data:image/svg+xml;utf8,${encodeURIComponent(`<svg xmlns="http://www.w3.org/2000/svg" width="6" height="16"><rect x="1" width="4" height="16" fill="#e8590c" fill-opacity="${opacity}"/></svg>`)}`,
  );

export class ProfileLens implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly heat = HEAT_LEVELS.map((h) => ({
    ...h,
    type: vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor(`optivolt.profileHeat.${h.level}`),
      overviewRulerColor: new vscode.ThemeColor(`optivolt.profileHeat.${h.level}`),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      gutterIconPath: gutterBar(h.opacity),
      gutterIconSize: 'contain',
    }),
  }));
  private readonly subs: vscode.Disposable[];

  constructor(private readonly library: ProfileLibrary) {
    this.subs = [
      vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this),
      library.onDidChangeActive(() => this.refresh()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.paintAll()),
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (e.contentChanges.length && this.profileFor(e.document)) this.refresh();
      }),
      vscode.workspace.onDidSaveTextDocument((d) => this.profileFor(d) && this.refresh()),
      this.changed,
      ...this.heat.map((h) => h.type),
    ];
    this.paintAll();
  }

  /** The active profile when it names this document's file. */
  private profileFor(doc: vscode.TextDocument): EnergyProfile | undefined {
    const p = this.library.active?.profile;
    return p && doc.uri.scheme === 'file' && p.functions.some((f) => f.file === doc.uri.fsPath) ? p : undefined;
  }

  /** The file was edited after the profile's run ended (now, unsaved, or saved since). */
  isStale(doc: vscode.TextDocument, p: EnergyProfile): boolean {
    if (doc.isDirty) return true;
    const runEnd = Date.parse(p.startedAt) + (p.durationSeconds * Math.max(1, p.runs) + 1) * 1000;
    try {
      return fs.statSync(doc.uri.fsPath).mtimeMs > runEnd;
    } catch {
      return false;
    }
  }

  /** The hottest functions of this file (by self energy), for the lenses. */
  hottest(p: EnergyProfile, file: string): FunctionEnergy[] {
    return p.functions
      .filter((f) => f.file === file && !f.synthetic && f.line !== undefined && f.share >= MIN_SHARE)
      .sort((a, b) => b.selfJoules - a.selfJoules)
      .slice(0, MAX_LENSES);
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const p = this.profileFor(doc);
    const id = this.library.active?.id;
    if (!p || !id) return [];
    const stale = this.isStale(doc, p);
    return this.hottest(p, doc.uri.fsPath).map((f) => {
      const line = Math.min(Math.max(0, f.line! - 1), doc.lineCount - 1);
      const figures = `≈ ${joulesText(f.selfJoules)} · ${percentText(f.share)} of the run`;
      const callees = f.totalJoules > f.selfJoules * 1.05 ? ` (${joulesText(f.totalJoules)} with callees)` : '';
      return new vscode.CodeLens(doc.lineAt(line).range, {
        title: stale ? `$(warning) stale: ${figures}` : `$(flame) ${figures}${callees}`,
        tooltip: stale
          ? 'This file changed after the energy profile was taken: the figures are from the old code. Profile again to refresh them.'
          : `${f.name}: self ${joulesText(f.selfJoules)}, total ${joulesText(f.totalJoules)}, ${f.samples} samples. Click to show it in the flame graph.`,
        command: 'optivolt.profile.focus',
        arguments: [id, { name: f.name, file: f.file, line: f.line }],
      });
    });
  }

  private refresh(): void {
    this.changed.fire();
    this.paintAll();
  }

  private paintAll(): void {
    for (const editor of vscode.window.visibleTextEditors) this.paint(editor);
  }

  /** Line heat for one editor: cleared when the profile does not name its file or the file is stale. */
  private paint(editor: vscode.TextEditor): void {
    const p = this.profileFor(editor.document);
    const ranges = new Map<string, vscode.DecorationOptions[]>(this.heat.map((h) => [h.level, []]));
    if (p && !this.isStale(editor.document, p)) {
      const file = editor.document.uri.fsPath;
      const of = p.totalJoules || 1;
      for (const l of p.lines) {
        if (l.file !== file || l.joules <= 0 || l.line < 1 || l.line > editor.document.lineCount) continue;
        const share = l.joules / of;
        const level = HEAT_LEVELS.find((h) => share >= h.from)!.level;
        ranges.get(level)!.push({
          range: editor.document.lineAt(l.line - 1).range,
          hoverMessage: `OptiVolt: ≈ ${joulesText(l.joules)} on this line · ${percentText(share)} of the run`,
        });
      }
    }
    for (const h of this.heat) editor.setDecorations(h.type, ranges.get(h.level)!);
  }

  /** For the host tests: how many heat ranges each visible editor of `file` shows. */
  heatCount(file: string): number {
    const p = this.library.active?.profile;
    const editor = vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === file);
    if (!p || !editor || this.isStale(editor.document, p)) return 0;
    return p.lines.filter((l) => l.file === file && l.joules > 0 && l.line >= 1 && l.line <= editor.document.lineCount).length;
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
  }
}
