// The monitoring stack's commands and its "Stack" view. The stack's code (yaml, prom-client for the host exporter)
// is its own bundle (dist/stack.js), loaded on the first stack command.
import * as vscode from 'vscode';
import type { PowerMonitor } from '../../core/power/monitor';
import { DEFAULT_DASHBOARD_UID } from '../../shared/grafana';
import type { SettingsSource } from '../config';
import type { GrafanaViewController } from '../webviews/grafanaView/grafanaView';
import { loadBundle } from '../loadDockerode';
import type { PrometheusClient } from '../../core/prometheus/client';
import type { StackActions } from './stackActions';
import { StackView } from './stackView';

export interface StackHost {
  readonly context: vscode.ExtensionContext;
  readonly monitor: PowerMonitor;
  readonly config: SettingsSource;
  readonly log: vscode.LogOutputChannel;
  readonly grafana: GrafanaViewController;
  readonly prometheus: { client(): PrometheusClient };
}

type ServiceNode = { status?: { service: string } } | undefined;

export class StackCommands implements vscode.Disposable {
  private commands: StackActions | undefined;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly host: StackHost) {
    const view = new StackView(() => this.monitoring().statuses());
    const refreshing = <T>(work: () => Promise<T>) => async (): Promise<T> => {
      const r = await work();
      view.refresh();
      return r;
    };
    const cmd = vscode.commands.registerCommand;
    this.subs = [
      view,
      cmd('optivolt.startMonitoring', refreshing(() => this.monitoring().start())),
      cmd('optivolt.stopMonitoring', refreshing(() => this.monitoring().stop())),
      cmd('optivolt.refreshStack', () => view.refresh()),
      cmd('optivolt.restartService', (node?: ServiceNode) => refreshing(() => this.monitoring().restartService(node?.status?.service))()),
      cmd('optivolt.showServiceLogs', (node?: ServiceNode) => this.monitoring().showLogs(node?.status?.service)),
      // Grafana opens embedded, beside the code (its panel's toolbar still opens the browser); other services in the browser.
      cmd('optivolt.openServiceInBrowser', (node?: ServiceNode) =>
        node?.status?.service === 'grafana' ? host.grafana.openDashboard(DEFAULT_DASHBOARD_UID) : this.monitoring().openInBrowser(node?.status?.service),
      ),
      cmd('optivolt.copyGrafanaPassword', () => this.monitoring().copyGrafanaPassword()),
      cmd('optivolt.showStackStatus', () => this.monitoring().status()),
      cmd('optivolt.deleteMonitoringData', () => this.monitoring().deleteData()),
    ];
  }

  /** The stack's commands, loading their bundle on first use. */
  monitoring(): StackActions {
    const { context, monitor, config, log, prometheus } = this.host;
    this.commands ??= new (loadBundle<{ StackActions: typeof StackActions }>('stack.js').StackActions)({
      context,
      monitor,
      settings: () => config.settings,
      log,
      prometheus: () => prometheus.client(),
    });
    return this.commands;
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    this.commands?.dispose();
  }
}
