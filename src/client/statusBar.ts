import * as vscode from 'vscode';
import type { PowerStatus } from '../shared/power';
import { CostSettings, statusView } from '../core/power/statusView';

const TRUSTED_COMMANDS = ['optivolt.showPower', 'optivolt.showPowerDetails', 'optivolt.selectPowerSource', 'optivolt.showLog'];

/** The status bar item: a pure rendering of the monitor's status object. */
export class PowerStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly sinceLabel: string;

  constructor() {
    this.item = vscode.window.createStatusBarItem('optivolt.power', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'OptiVolt Power';
    this.item.command = 'optivolt.showPower';
    this.sinceLabel = `the window opened (${new Date().toLocaleTimeString()})`;
  }

  /** The last text rendered, for tests and the details view. */
  get text(): string {
    return this.item.text;
  }

  render(status: PowerStatus, cost: CostSettings): void {
    const v = statusView(status, cost, this.sinceLabel);
    this.item.text = v.text;
    const tip = new vscode.MarkdownString(v.tooltip, true);
    tip.isTrusted = { enabledCommands: TRUSTED_COMMANDS };
    this.item.tooltip = tip;
    this.item.accessibilityInformation = { label: v.ariaLabel, role: 'button' };
    this.item.color = v.tone === 'dim' ? new vscode.ThemeColor('disabledForeground') : undefined;
    this.item.backgroundColor = v.tone === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  private shown = false;

  get visible(): boolean {
    return this.shown;
  }

  setVisible(visible: boolean): void {
    this.shown = visible;
    if (visible) this.item.show();
    else this.item.hide();
  }

  dispose(): void {
    this.item.dispose();
  }
}
