// The PromQL language client, the entry of its own bundle (dist/promqlClient.js): vscode-languageclient is
// loaded only when a .promql document is first opened. It starts the server bundle (dist/server.js) over IPC
// and hands it optivolt.prometheus.url (initializationOptions, then configuration changes).
import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { PROMETHEUS_STATUS, type PrometheusStatusParams, type ServerInitOptions } from '../../shared/lspProtocol';

export class PromqlLanguage implements vscode.Disposable {
  private readonly client: LanguageClient;
  private readonly output: vscode.LogOutputChannel;
  /** The server's last word on Prometheus: undefined problem = it answers (or none is configured). */
  lastStatus: PrometheusStatusParams | undefined;
  readonly started: Promise<void>;

  constructor(context: vscode.ExtensionContext, prometheusUrl: string) {
    const module = context.asAbsolutePath('dist/server.js');
    const server: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
    };
    this.output = vscode.window.createOutputChannel('OptiVolt PromQL', { log: true });
    const options: LanguageClientOptions = {
      documentSelector: [{ language: 'promql' }],
      initializationOptions: { prometheusUrl } satisfies ServerInitOptions,
      // Sends didChangeConfiguration with the optivolt section: a new Prometheus URL applies without a restart.
      synchronize: { configurationSection: 'optivolt' },
      outputChannel: this.output,
    };
    this.client = new LanguageClient('optivolt.promql', 'OptiVolt PromQL', server, options);
    this.client.onNotification(PROMETHEUS_STATUS, (p: PrometheusStatusParams) => {
      this.lastStatus = p;
      if (p.problem) this.output.warn(`Prometheus at ${p.url ?? '(none)'}: ${p.problem} Completion uses the catalogue only.`);
      else if (p.url) this.output.info(`Prometheus at ${p.url} answers: live metric names, labels and values.`);
    });
    this.started = this.client.start();
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
      .finally(() => this.output.dispose());
    return this.stopping;
  }

  dispose(): Promise<void> {
    return this.stop();
  }
}
