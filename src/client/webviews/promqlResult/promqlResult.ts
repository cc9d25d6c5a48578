// "OptiVolt: Run PromQL Query": runs the query (src/core/prometheus/queryRunner.ts) and shows the result beside the
// editor in one "PromQL Result" webview, re-used and re-titled by every run. Protocol: src/shared/webviews/promqlResultProtocol.ts.
import * as vscode from 'vscode';
import { registerPanelSerializer } from '../panelRestore';
import { bundleOptions, bundlePage } from '../webviewHtml';
import { PrometheusClient } from '../../../core/prometheus/client';
import { describeError, QueryRunner } from '../../../core/prometheus/queryRunner';
import { RecoveryWatch } from '../../../core/prometheus/recoveryWatch';
import { QueryErrorInfo, QueryOutcome } from '../../../shared/queryResult';
import { FromWebview, parseFromWebview, ToWebview } from '../../../shared/webviews/promqlResultProtocol';
import { PromqlCodeLensProvider, QueryToRun, resolveQuery, RUN_QUERY_COMMAND } from '../../promql/promqlCodeLens';

/** Kept from when the view was called the query view: VS Code restores panels by this id. */
export const PROMQL_RESULT_VIEW_TYPE = 'optivolt.queryView';

export interface PromqlResultHost {
  readonly extensionUri: vscode.Uri;
  prometheusUrl(): string;
  /** A client for that URL with its credentials (token, headers, CA); absent: the URL alone. */
  prometheusClient?(timeoutMs: number): PrometheusClient;
  readonly log: vscode.LogOutputChannel;
}

/** What the host tests read through the extension's API. */
export interface PromqlResultState {
  readonly open: boolean;
  readonly title?: string;
  readonly query?: string;
  readonly running: boolean;
  readonly outcome?: QueryOutcome;
  readonly error?: QueryErrorInfo;
  /** `ready` messages received from the webview (1 once the page has loaded). */
  readonly ready: number;
  readonly posted: number;
  /** Waiting for an unreachable Prometheus to answer again (only while the panel is visible). */
  readonly recovering: boolean;
}

const QUERY_TIMEOUT_MS = 30000;
/** A probe is one small request: it gives up sooner than a query. */
const PROBE_TIMEOUT_MS = 5000;

interface RunOptions {
  /** A run nobody asked for just now (a restore, a recovery): no progress notification, no error toast. */
  readonly quiet?: boolean;
}

export class PromqlResultController implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private panelSubs: vscode.Disposable[] = [];
  private readonly serializer: vscode.Disposable;
  private requestId = 0;
  private last: ToWebview | undefined;
  private current: QueryToRun | undefined;
  private running: AbortController | undefined;
  private outcome: QueryOutcome | undefined;
  private error: QueryErrorInfo | undefined;
  private ready = 0;
  private posted = 0;
  // A result that says "not reachable" must not outlive the outage (issue 19): while the panel is visible,
  // probe Prometheus with a growing delay and run the query again once it answers.
  private readonly recovery = new RecoveryWatch(
    (signal) => this.probe(signal),
    () => {
      if (this.current) void this.run(this.current, { quiet: true });
    },
  );

  constructor(private readonly host: PromqlResultHost) {
    this.serializer = registerPanelSerializer(PROMQL_RESULT_VIEW_TYPE, {
      // After a reload the panel comes back with the query it showed, run again (quietly: nobody just asked).
      deserializeWebviewPanel: async (panel, state: unknown) => {
        this.adopt(panel);
        const query = (state as { query?: unknown } | undefined)?.query;
        if (typeof query === 'string' && query.trim()) void this.run({ text: query, line: 0, character: 0 }, { quiet: true });
      },
    });
  }

  state(): PromqlResultState {
    return {
      open: this.panel !== undefined,
      title: this.panel?.title,
      query: this.current?.text,
      running: this.running !== undefined,
      outcome: this.outcome,
      error: this.error,
      ready: this.ready,
      posted: this.posted,
      recovering: this.recovery.active,
    };
  }

  /** Runs a query and shows its result; a run started meanwhile supersedes this one (which is cancelled). */
  async run(query: QueryToRun, options: RunOptions = {}): Promise<void> {
    this.ensurePanel(query.text, options.quiet === true);
    this.recovery.stop();
    this.running?.abort();
    const abort = new AbortController();
    this.running = abort;
    const requestId = ++this.requestId;
    this.current = query;
    const url = this.host.prometheusUrl();
    this.post({ type: 'query/running', requestId, query: query.text, url });
    if (options.quiet) {
      await this.execute(query, requestId, abort, url, true);
      return;
    }
    await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'OptiVolt: running the PromQL query…', cancellable: true },
      async (_progress, token) => {
        const cancel = token.onCancellationRequested(() => abort.abort());
        try {
          await this.execute(query, requestId, abort, url, false);
        } finally {
          cancel.dispose();
        }
      },
    );
  }

  private async execute(query: QueryToRun, requestId: number, abort: AbortController, url: string, quiet: boolean): Promise<void> {
    try {
      const client = this.host.prometheusClient?.(QUERY_TIMEOUT_MS) ?? new PrometheusClient(url, fetch, QUERY_TIMEOUT_MS);
      const signal = AbortSignal.any([abort.signal, AbortSignal.timeout(QUERY_TIMEOUT_MS)]);
      const outcome = await new QueryRunner(client).run(query.text, signal);
      if (requestId !== this.requestId) return;
      this.outcome = outcome;
      this.error = undefined;
      this.post({ type: 'query/result', requestId, outcome });
    } catch (err) {
      if (requestId !== this.requestId) return;
      const error = abort.signal.aborted ? { kind: 'other' as const, url, message: 'Cancelled.' } : describeError(err, url);
      this.outcome = undefined;
      this.error = error;
      this.post({ type: 'query/error', requestId, query: query.text, error });
      this.host.log.info(`PromQL query failed: ${error.prometheusText ?? error.message}`);
      if (error.kind === 'unreachable') {
        if (this.panel?.visible) this.recovery.start();
        if (!quiet) void this.offerStart(url);
      }
    } finally {
      if (requestId === this.requestId) this.running = undefined;
    }
  }

  /** True once the configured Prometheus answers its API (it serves 503 until its storage is ready). */
  private async probe(signal: AbortSignal): Promise<boolean> {
    const client =
      this.host.prometheusClient?.(PROBE_TIMEOUT_MS) ?? new PrometheusClient(this.host.prometheusUrl(), fetch, PROBE_TIMEOUT_MS);
    await client.api('status/buildinfo', {}, AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)]));
    return true;
  }

  /** Shown again (or hidden): a stale "not reachable" is checked at once, and probing runs only while visible. */
  private visibilityChanged(panel: vscode.WebviewPanel): void {
    if (!panel.visible) {
      this.recovery.stop();
      return;
    }
    if (this.error?.kind === 'unreachable' && !this.running && this.current) void this.run(this.current, { quiet: true });
  }

  private async offerStart(url: string): Promise<void> {
    const action = await vscode.window.showErrorMessage(
      `OptiVolt: no Prometheus answers at ${url} (setting optivolt.prometheus.url). Start the monitoring stack, or point the setting at your Prometheus.`,
      'Start Monitoring',
      'Open Settings',
    );
    if (action === 'Start Monitoring') await vscode.commands.executeCommand('optivolt.startMonitoring');
    if (action === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'optivolt.prometheus.url');
  }

  private ensurePanel(query: string, quiet: boolean): void {
    const title = `PromQL: ${titleOf(query)}`;
    if (this.panel) {
      this.panel.title = title;
      if (!this.panel.visible && !quiet) this.panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      PROMQL_RESULT_VIEW_TYPE,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      bundleOptions(this.host.extensionUri),
    );
    this.adopt(panel);
  }

  private adopt(panel: vscode.WebviewPanel): void {
    this.panel?.dispose();
    this.panel = panel;
    this.ready = 0;
    panel.webview.options = bundleOptions(this.host.extensionUri);
    panel.iconPath = new vscode.ThemeIcon('graph-line');
    panel.webview.html = bundlePage(panel.webview, this.host.extensionUri, 'promqlResult', 'PromQL Result');
    this.panelSubs = [
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidChangeViewState(() => {
        if (this.panel === panel) this.visibilityChanged(panel);
      }),
      panel.onDidDispose(() => {
        if (this.panel !== panel) return;
        this.recovery.stop();
        this.running?.abort();
        for (const d of this.panelSubs) d.dispose();
        this.panelSubs = [];
        this.panel = undefined;
        this.last = undefined;
      }),
    ];
  }

  private receive(raw: unknown): void {
    const msg: FromWebview | undefined = parseFromWebview(raw);
    if (!msg) {
      this.host.log.warn(`PromQL result view sent an invalid message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.ready++;
        if (this.last) this.post(this.last);
        return;
      case 'query/rerun':
        if (this.current) void this.run(this.current);
        return;
      case 'stack/start':
        void vscode.commands.executeCommand('optivolt.startMonitoring');
        return;
      case 'query/revealError':
        void this.revealError();
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  /** Puts the cursor on the parse error, in the document the query came from. */
  private async revealError(): Promise<void> {
    const q = this.current;
    const pos = this.error?.position;
    if (!q?.uri || !pos) return;
    const document = await vscode.workspace.openTextDocument(q.uri);
    const line = q.line + pos.line - 1;
    const character = (pos.line === 1 ? q.character : 0) + pos.column - 1;
    const at = document.validatePosition(new vscode.Position(line, character));
    const editor = await vscode.window.showTextDocument(document, {
      selection: new vscode.Range(at, at),
      viewColumn: vscode.ViewColumn.One,
    });
    editor.revealRange(new vscode.Range(at, at), vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  private post(msg: ToWebview): void {
    this.last = msg;
    if (!this.panel) return;
    this.posted++;
    void this.panel.webview.postMessage(msg);
  }

  dispose(): void {
    this.recovery.dispose();
    this.running?.abort();
    this.panel?.dispose();
    this.serializer.dispose();
  }
}

/** Registers the Run CodeLens, the command and the result view; all owned by the extension's context. */
export function registerPromqlRun(context: vscode.ExtensionContext, host: PromqlResultHost): PromqlResultController {
  const view = new PromqlResultController(host);
  const lenses = new PromqlCodeLensProvider();
  context.subscriptions.push(
    view,
    lenses,
    vscode.languages.registerCodeLensProvider({ language: 'promql' }, lenses),
    vscode.commands.registerCommand(RUN_QUERY_COMMAND, async (uri?: unknown, line?: unknown) => {
      const query = await resolveQuery(uri, line);
      if (!query) {
        void vscode.window.showInformationMessage(
          'OptiVolt: select a PromQL query (or put the cursor in a query of a .promql file) to run it.',
        );
        return;
      }
      await view.run(query);
    }),
  );
  return view;
}

/** The panel's title: the query's first non-comment line, shortened. */
export function titleOf(query: string): string {
  const line =
    query
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith('#')) ?? query.trim();
  return line.length > 40 ? `${line.slice(0, 39)}…` : line;
}
