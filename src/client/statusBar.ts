import * as vscode from 'vscode';
import type { PowerMonitor } from '../core/power/monitor';
import type { DemandHandle, MonitorDemand } from '../core/power/monitorDemand';
import { statusView } from '../core/power/statusView';
import type { SettingsSource } from './config';

const TRUSTED_COMMANDS = ['optivolt.showPower', 'optivolt.showPowerDetails', 'optivolt.selectPowerSource', 'optivolt.showLog'];

/**
 * The status bar item: a rendering of the monitor's status object. Shown while optivolt.statusBar.enabled, and
 * then it keeps the monitor running.
 */
export class PowerStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly sinceLabel: string;
  private readonly subs: vscode.Disposable[];
  private holding: DemandHandle | undefined;

  constructor(
    private readonly monitor: PowerMonitor,
    private readonly demand: MonitorDemand,
    private readonly config: SettingsSource,
  ) {
    this.item = vscode.window.createStatusBarItem('optivolt.power', vscode.StatusBarAlignment.Right, 100);
    this.item.name = 'OptiVolt Power';
    this.item.command = 'optivolt.showPower';
    this.sinceLabel = `the window opened (${new Date().toLocaleTimeString()})`;
    this.render();
    this.subs = [
      monitor.onStatus(() => this.render()),
      config.onDidChange(['statusBar.enabled'], () => this.applyEnabled()),
      config.onDidChange(['currency', 'costPerKWh', 'carbonIntensity'], () => this.render()),
    ];
    this.applyEnabled();
  }

  /** The last text rendered, for tests and the details view. */
  get text(): string {
    return this.item.text;
  }

  private render(): void {
    const v = statusView(this.monitor.snapshot, this.config.settings, this.sinceLabel);
    this.item.text = v.text;
    const tip = new vscode.MarkdownString(v.tooltip, true);
    tip.isTrusted = { enabledCommands: TRUSTED_COMMANDS };
    this.item.tooltip = tip;
    this.item.accessibilityInformation = { label: v.ariaLabel, role: 'button' };
    this.item.color = v.tone === 'dim' ? new vscode.ThemeColor('disabledForeground') : undefined;
    this.item.backgroundColor = v.tone === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  get visible(): boolean {
    return this.holding !== undefined;
  }

  private applyEnabled(): void {
    if (this.config.settings['statusBar.enabled']) {
      this.item.show();
      this.holding ??= this.demand.acquire('statusBar');
    } else {
      this.item.hide();
      this.holding?.dispose();
      this.holding = undefined;
    }
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    this.holding?.dispose();
    this.item.dispose();
  }
}
