import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { PowerMonitor } from '../../core/power/monitor';
import type { PrometheusClient } from '../../core/prometheus/client';
import type { OptiVoltSettings } from '../../core/settings';
import { StackError } from '../../core/stack/composePlan';
import { StackLifecycle, sharedExporterText, stackOptionsFrom, StartResult } from '../../core/stack/stackLifecycle';
import { dockerProblem, followLogs, ServiceStatus } from '../../core/stack/stackManager';
import { loadDockerode } from '../loadDockerode';
import { errorMessage } from '../../core/errors';
import { waitForPrometheusPower } from './statusBarSwitch';

const PASSWORD_KEY = 'optivolt.grafanaAdminPassword';
/** How often a started stack checks its host exporter against its containers (StackLifecycle.checkExporter). */
const EXPORTER_WATCH_MS = 15000;

export interface StackActionsHost {
  readonly context: vscode.ExtensionContext;
  readonly monitor: PowerMonitor;
  settings(): OptiVoltSettings;
  log: vscode.LogOutputChannel;
  /** The configured engine with its credentials (token in SecretStorage, headers, CA): never the bare URL. */
  prometheus(): PrometheusClient;
}

/** "Start/Stop Monitoring" and friends: the stack through dockerode, with progress and actionable errors. */
export class StackActions implements vscode.Disposable {
  private stack: StackLifecycle | undefined;
  private busy = false;

  constructor(private readonly host: StackActionsHost) {}

  /** The Grafana admin password: generated on first start, kept in SecretStorage, never in settings or logs. */
  private async password(): Promise<string> {
    const secrets = this.host.context.secrets;
    let pw = await secrets.get(PASSWORD_KEY);
    if (!pw) {
      pw = randomBytes(18).toString('base64url');
      await secrets.store(PASSWORD_KEY, pw);
    }
    return pw;
  }

  /** A stack from the current settings; only a start needs (and creates) the Grafana password. */
  private async build(progress?: (m: string) => void, forStart = false): Promise<StackLifecycle> {
    const s = this.host.settings();
    const Docker = loadDockerode();
    const stack = new StackLifecycle({
      docker: new Docker(),
      stackDir: vscode.Uri.joinPath(this.host.context.extensionUri, 'stack').fsPath,
      stateDir: path.join(this.host.context.globalStorageUri.fsPath, 'stack'),
      ...stackOptionsFrom(s),
      grafanaPassword: forStart ? await this.password() : 'unused-outside-start',
      // Another window may stop the stack, or close while this one borrows its exporter: checked on a timer.
      exporterWatchMs: EXPORTER_WATCH_MS,
      progress: (m) => {
        this.host.log.info(`Stack: ${m}`);
        progress?.(m);
      },
    });
    return stack;
  }

  private async guarded<T>(title: string, work: (progress: (m: string) => void) => Promise<T>): Promise<T | undefined> {
    if (this.busy) {
      void vscode.window.showInformationMessage('OptiVolt: the monitoring stack is already starting or stopping.');
      return undefined;
    }
    this.busy = true;
    try {
      return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: false }, (p) =>
        work((m) => p.report({ message: m })),
      );
    } catch (err) {
      const e = err instanceof StackError ? err : dockerProblem(err);
      this.host.log.error(e.message);
      void vscode.window.showErrorMessage(`OptiVolt: ${e.message}`, 'Show Log').then((a) => a && this.host.log.show());
      return undefined;
    } finally {
      this.busy = false;
    }
  }

  async start(): Promise<StartResult | undefined> {
    const result = await this.guarded('OptiVolt: starting the monitoring stack', async (progress) => {
      // Settings apply at each start; a stack whose host exporter runs is kept (starting again is harmless).
      if (!this.stack?.exporterRunning) {
        await this.stack?.stopExporterOnly(); // only its watch, if it borrowed another window's exporter
        this.stack = await this.build(progress, true);
      }
      return this.stack.start();
    });
    if (!result) return undefined;
    const shared = result.sharedExporterPid !== undefined ? ` (${sharedExporterText(result.sharedExporterPid)})` : '';
    const lines = Object.entries(result.urls).map(([svc, url]) => `${svc} ${url}`).join(' · ') + shared;
    this.host.log.info(`Monitoring stack up (${result.powerExporter === 'optivolt' ? "OptiVolt's exporter" : 'Scaphandre'}): ${lines}`);
    const grafana = result.urls.grafana;
    void vscode.window
      .showInformationMessage(`OptiVolt: monitoring stack running — ${lines}`, ...(grafana ? ['Open Grafana'] : []))
      .then((a) => {
        if (a === 'Open Grafana' && grafana) void vscode.env.openExternal(vscode.Uri.parse(grafana));
      });
    void this.switchStatusBar();
    return result;
  }

  /** The status bar's auto source moves to Prometheus as soon as it has power data (first scrapes take ~10 s). */
  private async switchStatusBar(): Promise<void> {
    await waitForPrometheusPower(
      () => this.host.prometheus(),
      () => this.host.monitor.reconfigure({ sourcesChanged: true }),
    );
  }

  async stop(): Promise<number | undefined> {
    let other: number | undefined;
    const n = await this.guarded('OptiVolt: stopping the monitoring stack', async (progress) => {
      this.stack ??= await this.build(progress);
      other = this.stack.sharedExporterPid;
      return this.stack.stop();
    });
    if (n !== undefined) {
      // The borrowed exporter belongs to its window, which stops it on its next check once the containers are gone.
      const exporter = other !== undefined ? ` The exporter of the other OptiVolt window (pid ${other}) stops itself within ${EXPORTER_WATCH_MS / 1000} s, once it sees the containers gone.` : '';
      void vscode.window.showInformationMessage(`OptiVolt: monitoring stack stopped (${n} containers removed; measurements kept).${exporter}`);
      this.host.monitor.reconfigure({ sourcesChanged: true });
    }
    return n;
  }

  async status(): Promise<ServiceStatus[] | undefined> {
    const st = await this.guarded('OptiVolt: reading the stack status', async () => (this.stack ??= await this.build()).status());
    if (!st) return undefined;
    const items = st.map((s) => ({
      label: `${s.state === 'running' ? '$(pass-filled)' : '$(circle-slash)'} ${s.service}`,
      description: `${s.state}${s.health ? ` (${s.health})` : ''}`,
      detail: `${s.image}${s.ports[0] ? ` — ${s.ports[0].hostIp}:${s.ports[0].hostPort}` : ''}`,
    }));
    void vscode.window.showQuickPick(items, { title: 'OptiVolt: Monitoring Stack Status' });
    return st;
  }

  /** Statuses without any UI (the Stack view); throws Docker's error in words. */
  async statuses(): Promise<ServiceStatus[]> {
    try {
      return await (this.stack ??= await this.build()).status();
    } catch (err) {
      throw err instanceof StackError ? err : dockerProblem(err);
    }
  }

  /**
   * The services that have a container, or what the user was told instead of an empty picker, which would
   * wait forever for a choice that cannot be made (the text is returned for tests).
   */
  private async servicesToPick(): Promise<ServiceStatus[] | string> {
    let st: ServiceStatus[];
    try {
      st = await this.statuses();
    } catch (err) {
      const message = `OptiVolt: ${errorMessage(err)}`;
      void vscode.window.showErrorMessage(message);
      return message;
    }
    const present = st.filter((x) => x.state !== 'missing');
    if (present.length) return present;
    const message = 'OptiVolt: the monitoring stack is not running: nothing to restart or show.';
    void vscode.window.showInformationMessage(message, 'Start Monitoring').then((a) => a && vscode.commands.executeCommand('optivolt.startMonitoring'));
    return message;
  }

  /** `service`, or the one the user picks among those with a container; the text said instead when none has one. */
  private async pickService(title: string, service?: string): Promise<ServiceStatus | string | undefined> {
    const st = await this.servicesToPick();
    if (typeof st === 'string') return st;
    const name = service ?? (await vscode.window.showQuickPick(st.map((x) => x.service), { title }));
    return st.find((x) => x.service === name);
  }

  /** Restarts a service (picked when not given); returns what it said instead when nothing runs. */
  async restartService(service?: string): Promise<string | undefined> {
    const target = await this.pickService('OptiVolt: Restart Service', service);
    if (typeof target === 'string') return target;
    if (!target) return undefined;
    await this.guarded(`OptiVolt: restarting ${target.service}`, async () => this.stack!.manager.restart(target.containerName));
    return undefined;
  }

  private logChannels = new Map<string, vscode.OutputChannel>();

  /** Follows a service's log (picked when not given); returns what it said instead when nothing runs. */
  async showLogs(service?: string): Promise<string | undefined> {
    const target = await this.pickService('OptiVolt: Show Service Logs', service);
    if (typeof target === 'string') return target;
    if (!target) return undefined;
    let ch = this.logChannels.get(target.service);
    if (!ch) this.logChannels.set(target.service, (ch = vscode.window.createOutputChannel(`OptiVolt: ${target.service}`)));
    const channel = ch;
    this.following.get(target.service)?.();
    channel.clear();
    channel.show(true);
    // Streams until the container stops, the command is run again for this service, or the window closes.
    const stop = await this.guarded(`OptiVolt: following ${target.service}'s logs`, async () =>
      followLogs(this.stack!.opts.docker, target.containerName, (t) => channel.append(t)),
    );
    if (stop) this.following.set(target.service, stop);
    return undefined;
  }

  private readonly following = new Map<string, () => void>();

  async copyGrafanaPassword(): Promise<void> {
    await vscode.env.clipboard.writeText(await this.password());
    void vscode.window.showInformationMessage('OptiVolt: the Grafana admin password is on the clipboard (user "admin").');
  }

  async openInBrowser(service?: string): Promise<void> {
    const st = (await this.statuses().catch(() => [])).find((x) => x.service === service);
    const p = st?.ports[0];
    if (!p) return;
    const uri = await vscode.env.asExternalUri(vscode.Uri.parse(`http://${p.hostIp}:${p.hostPort}/`));
    await vscode.env.openExternal(uri);
  }

  async deleteData(): Promise<void> {
    const ok = await vscode.window.showWarningMessage(
      'Delete the monitoring stack\'s stored measurements (Prometheus and Grafana volumes)? The stack must be stopped.',
      { modal: true },
      'Delete',
    );
    if (ok !== 'Delete') return;
    const removed = await this.guarded('OptiVolt: deleting monitoring data', async (progress) => {
      this.stack ??= await this.build(progress);
      return this.stack.manager.deleteData(this.stack.project);
    });
    if (removed) void vscode.window.showInformationMessage(`OptiVolt: removed ${removed.length} volumes.`);
  }

  dispose(): void {
    for (const stop of this.following.values()) stop();
    for (const ch of this.logChannels.values()) ch.dispose();
    // The containers outlive the window on purpose (restart: unless-stopped); OptiVolt's host exporter does not.
    void this.stack?.stopExporterOnly();
  }
}
