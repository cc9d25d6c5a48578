// The PromQL language client, the entry of its own bundle (dist/promqlClient.js): vscode-languageclient is
// loaded only when a .promql document is first opened. It starts the server bundle (dist/server.js) over IPC
// and hands it optivolt.prometheus.url and optivolt.promql.* (initializationOptions, then configuration changes).
// A language status item on .promql documents says which PromQL they are checked against, and why.
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import {
  PROMETHEUS_ACCESS,
  PROMETHEUS_STATUS,
  type PrometheusAccessParams,
  type PrometheusStatusParams,
  type ServerInitOptions,
} from '../../shared/lspProtocol';
import { describeTarget, type PromqlTargetInfo } from '../../shared/promqlTarget';

export class PromqlLanguage implements vscode.Disposable {
  private readonly client: LanguageClient;
  private readonly output: vscode.LogOutputChannel;
  /** "PromQL: Prometheus 3.5.3 (experimental functions)" on .promql documents; its detail says why. */
  readonly targetItem: vscode.LanguageStatusItem;
  /** The server's last word on Prometheus: undefined problem = it answers (or none is configured). */
  lastStatus: PrometheusStatusParams | undefined;
  readonly started: Promise<void>;

  /** `access`: the engine's token, headers and CA file: passed in initializationOptions, never through settings. */
  constructor(context: vscode.ExtensionContext, prometheusUrl: string, access: PrometheusAccessParams = {}) {
    const module = context.asAbsolutePath('dist/server.js');
    const server: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    this.output = vscode.window.createOutputChannel('OptiVolt PromQL', { log: true });
    this.targetItem = vscode.languages.createLanguageStatusItem('optivolt.promql.target', { language: 'promql' });
    this.targetItem.name = 'PromQL target';
    this.targetItem.text = 'PromQL: asking the server…';
    this.targetItem.busy = true;
    // The server validates these itself (and says why a value is invalid): they are passed on as set.
    const promql = vscode.workspace.getConfiguration('optivolt.promql');
    const options: LanguageClientOptions = {
      documentSelector: [{ language: 'promql' }],
      initializationOptions: {
        prometheusUrl,
        prometheusAccess: access,
        promqlVersion: promql.get<string>('version'),
        promqlFeatures: promql.get<string[]>('features'),
      } satisfies ServerInitOptions,
      // Sends didChangeConfiguration with the optivolt section: a new Prometheus URL applies without a restart.
      synchronize: { configurationSection: 'optivolt' },
      outputChannel: this.output,
    };
    this.client = new LanguageClient('optivolt.promql', 'OptiVolt PromQL', server, options);
    this.client.onNotification(PROMETHEUS_STATUS, (p: PrometheusStatusParams) => {
      const before = this.lastStatus;
      this.lastStatus = p;
      if (p.target) this.showTarget(p.target);
      // The status is re-sent whole when only the target changed: the reachability is logged once per change.
      if (before && before.url === p.url && before.problem === p.problem) return;
      if (p.problem) this.output.warn(`Prometheus at ${p.url ?? '(none)'}: ${p.problem} Completion uses the catalogue only.`);
      else if (p.url) this.output.info(`Prometheus at ${p.url} answers: live metric names, labels and values.`);
    });
    this.started = this.client.start();
  }

  /** New credentials for the engine (token set or removed, headers, CA file): the server reconnects with them. */
  setAccess(access: PrometheusAccessParams): void {
    void this.started.then(() => this.client.sendNotification(PROMETHEUS_ACCESS, access)).catch(() => undefined);
  }

  private showTarget(t: PromqlTargetInfo): void {
    this.targetItem.busy = false;
    this.targetItem.text = `PromQL: ${describeTarget(t)}`;
    this.targetItem.detail = t.reason;
    this.targetItem.severity =
      t.dialect === 'prometheus' ? vscode.LanguageStatusSeverity.Information : vscode.LanguageStatusSeverity.Warning;
  }

  get running(): boolean {
    return this.client.isRunning();
  }

  private stopping: Promise<void> | undefined;

  /** Stops the server (waiting at most 2 s for it) and closes the output; once, whoever asks first (deactivate, dispose). */
  stop(): Promise<void> {
    // A client still starting cannot be stopped yet (vscode-languageclient throws): stop it once it runs.
    this.stopping ??= this.started
      .then(
        () => this.client.stop(2000),
        () => undefined,
      )
      .finally(() => {
        this.targetItem.dispose();
        this.output.dispose();
      });
    return this.stopping;
  }

  dispose(): Promise<void> {
    return this.stop();
  }
}
