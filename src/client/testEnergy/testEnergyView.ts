// The editor's energy per test: the "Energy per Test" view (suite -> test, Joules, change against the previous run),
// CodeLens on each measured test, and the command "OptiVolt: Measure Test Energy", which runs the workspace's test
// command through the core (testEnergyCommand) and keeps each report beside the workspace's Energy Sessions.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../../core/errors';
import type { OptiVoltSettings } from '../../core/settings';
import { testEnergyCommand } from '../../core/testEnergy/testCommand';
import { TestDelta, testDeltas, TestEnergyHistory } from '../../core/testEnergy/testHistory';
import type { TestCaseEnergy, TestEnergyReport } from '../../core/testEnergy/testReport';

type Node =
  | { readonly kind: 'suite'; readonly label: string; readonly tests: TestCaseEnergy[] }
  | { readonly kind: 'test'; readonly test: TestCaseEnergy };

const joules = (j: number): string => (j >= 100 ? j.toFixed(0) : j >= 1 ? j.toFixed(2) : j.toFixed(3));

/** "+12% (significant, p 0.01)", "−3% (one run each: no significance)". */
export function deltaText(d: TestDelta | undefined): string {
  if (!d) return '';
  const pct =
    d.deltaPercent !== undefined
      ? `${d.deltaPercent >= 0 ? '+' : '−'}${Math.abs(d.deltaPercent).toFixed(0)}%`
      : `${d.deltaJoules >= 0 ? '+' : '−'}${joules(Math.abs(d.deltaJoules))} J`;
  if (d.p === undefined) return `Δ ${pct} (single runs)`;
  return `Δ ${pct} (${d.significant ? 'significant' : 'within noise'}, p ${d.p.toFixed(3)})`;
}

export class TestEnergyView implements vscode.TreeDataProvider<Node>, vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly history: TestEnergyHistory;
  private reports: TestEnergyReport[] = [];
  private deltas = new Map<TestCaseEnergy, TestDelta>();
  private readonly disposables: vscode.Disposable[] = [];
  private running = false;

  constructor(
    historyFile: string,
    private readonly settings: () => OptiVoltSettings,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.history = new TestEnergyHistory(historyFile);
    try {
      this.setReports(this.history.load());
    } catch (err) {
      log.warn(`Energy per Test: cannot read ${historyFile}: ${errorMessage(err)}`);
    }
    this.disposables.push(
      vscode.window.registerTreeDataProvider('optivolt.testEnergy', this),
      vscode.languages.registerCodeLensProvider([{ scheme: 'file' }], this),
      vscode.commands.registerCommand('optivolt.measureTestEnergy', (command?: unknown) =>
        this.measure(typeof command === 'string' ? command : undefined),
      ),
      this.changed,
      this.lensesChanged,
    );
  }

  get latest(): TestEnergyReport | undefined {
    return this.reports[this.reports.length - 1];
  }

  private setReports(reports: TestEnergyReport[]): void {
    this.reports = reports;
    const latest = this.latest;
    this.deltas = latest ? testDeltas(latest, reports[reports.length - 2]) : new Map();
    this.changed.fire(undefined);
    this.lensesChanged.fire();
  }

  /** Runs the workspace's test command (the setting, else asked) through the core and shows the report. */
  async measure(given?: string): Promise<TestEnergyReport | undefined> {
    if (this.running) {
      void vscode.window.showInformationMessage('OptiVolt: the tests are already being measured.');
      return undefined;
    }
    // Running the tests runs the workspace's code: not in Restricted Mode (as VS Code disables tasks there).
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showWarningMessage(
        "OptiVolt: Measure Test Energy runs the workspace's tests, which Restricted Mode does not allow. Trust the workspace first.",
      );
      return undefined;
    }
    const folder = vscode.workspace.workspaceFolders?.[0];
    const configured = this.settings()['testEnergy.command'].trim();
    const command =
      given ??
      (configured ||
        (await vscode.window.showInputBox({
          prompt: 'The test command to measure (run by /bin/sh in the workspace folder)',
          value: 'npm test',
        })));
    if (!command?.trim()) return undefined;
    this.running = true;
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `OptiVolt: measuring the energy of each test (${command})` },
        async () => {
          const outcome = await testEnergyCommand('/bin/sh', ['-c', command], {
            // Tests last fractions of a second: power intervals as short as the core allows (the CLI's default too).
            settings: { ...this.settings(), refreshInterval: 500 },
            cwd: folder?.uri.fsPath,
            repeat: this.settings()['testEnergy.repeat'],
            terminal: false,
            log: (m) => this.log.info(`Energy per Test: ${m}`),
          });
          const report = { ...outcome.report, command: [command] };
          this.setReports(this.history.add(report));
          this.log.info(
            `Energy per Test: "${command}" exited ${outcome.exitCode}; ${report.tests.length} tests, ${joules(report.totalJoules)} J.`,
          );
          if (report.tests.length === 0)
            void vscode.window.showWarningMessage(
              `OptiVolt: ${report.limits.find((l) => l.startsWith('No test')) ?? 'no test was recorded.'}`,
            );
          await vscode.commands.executeCommand('optivolt.testEnergy.focus');
          return report;
        },
      );
    } catch (err) {
      void vscode.window.showErrorMessage(`OptiVolt: cannot measure the tests of "${command}": ${errorMessage(err)}`);
      return undefined;
    } finally {
      this.running = false;
    }
  }

  /** Suites heaviest first, each with its tests heaviest first (what the view shows, for the host tests too). */
  rows(): { suite: string; tests: TestCaseEnergy[] }[] {
    const bySuite = new Map<string, TestCaseEnergy[]>();
    for (const t of this.latest?.tests ?? []) {
      const label = t.suite || (t.file ? path.basename(t.file) : '(no suite)');
      bySuite.set(label, [...(bySuite.get(label) ?? []), t]);
    }
    const sum = (ts: TestCaseEnergy[]): number => ts.reduce((a, t) => a + t.joules, 0);
    return [...bySuite]
      .map(([suite, tests]) => ({ suite, tests: [...tests].sort((a, b) => b.joules - a.joules) }))
      .sort((a, b) => sum(b.tests) - sum(a.tests));
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.rows().map((r) => ({ kind: 'suite', label: r.suite, tests: r.tests }));
    return node.kind === 'suite' ? node.tests.map((test) => ({ kind: 'test', test })) : [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === 'suite') {
      const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.Expanded);
      item.description = `${joules(node.tests.reduce((a, t) => a + t.joules, 0))} J`;
      item.contextValue = 'suite';
      return item;
    }
    const t = node.test;
    const item = new vscode.TreeItem(t.name, vscode.TreeItemCollapsibleState.None);
    const delta = this.deltas.get(t);
    item.description = [`${joules(t.joules)} J`, `${(t.share * 100).toFixed(1)}%`, deltaText(delta)].filter(Boolean).join(' · ');
    item.tooltip = `${t.suite ? `${t.suite} > ` : ''}${t.name}\n${joules(t.joules)} J in ${t.durationSeconds.toFixed(3)} s (${t.outcome})${t.file ? `\n${t.file}${t.line ? `:${t.line}` : ''}` : ''}`;
    item.iconPath = new vscode.ThemeIcon(t.outcome === 'failed' ? 'error' : 'beaker');
    if (t.file)
      item.command = {
        command: 'vscode.open',
        title: 'Go to Test',
        arguments: [
          vscode.Uri.file(t.file),
          { selection: new vscode.Range((t.line ?? 1) - 1, 0, (t.line ?? 1) - 1, 0) } satisfies vscode.TextDocumentShowOptions,
        ],
      };
    return item;
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    const tests = (this.latest?.tests ?? []).filter((t) => t.file === doc.uri.fsPath && t.line !== undefined && t.line <= doc.lineCount);
    return tests.map((t) => {
      const line = (t.line ?? 1) - 1;
      const delta = deltaText(this.deltas.get(t));
      return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title: `≈ ${joules(t.joules)} J${delta ? ` · ${delta}` : ''}`,
        tooltip: `Energy of "${t.name}" in the last Measure Test Energy run`,
        command: 'optivolt.testEnergy.focus',
      });
    });
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
