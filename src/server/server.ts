// The PromQL language server's features over one LSP connection: diagnostics, completion, hover, signature
// help. The connection is given (IPC from VS Code, stdio for other editors, in-memory streams in tests), and
// so is fetch: the server itself touches no transport.
import { TextDocuments, TextDocumentSyncKind, MarkupKind, type CompletionList, type Connection } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { normalizePrometheusUrl, redactUrl, type FetchFn } from '../core/prometheus/client';
import { PROMETHEUS_STATUS, PROMETHEUS_URL_SECTION, type PrometheusStatusParams, type ServerInitOptions } from '../shared/lspProtocol';
import { Completer } from './promql/completion';
import { hover } from './promql/hover';
import { MetricStore } from './promql/metrics';
import { signatureHelp } from './promql/signature';
import { DEFAULT_TARGET } from './promql/target';
import { DocumentValidator, type ValidatorOptions } from './validator';

export interface ServerOptions extends ValidatorOptions {
  readonly fetch?: FetchFn;
  readonly metricTtlMs?: number;
}

export function startServer(connection: Connection, options: ServerOptions = {}): { metrics: MetricStore; dispose(): void } {
  const documents = new TextDocuments(TextDocument);
  const metrics = new MetricStore({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.metricTtlMs ? { ttlMs: options.metricTtlMs } : {}),
    onProblem: (problem) => {
      // Both are shown to the user: the URL's password never is (the client's URL is already redacted; this holds for any text).
      if (problem) connection.console.warn(`Prometheus: ${redactUrl(problem)} Completion and checks use the catalogue only.`);
      void connection.sendNotification(PROMETHEUS_STATUS, {
        url: metrics.url === undefined ? undefined : redactUrl(metrics.url),
        problem: problem === undefined ? undefined : redactUrl(problem),
      } satisfies PrometheusStatusParams);
    },
  });
  const completer = new Completer(metrics, () => DEFAULT_TARGET);
  let canPullConfig = false;
  /** The client applies one edit range to every item (LSP 3.17): no per-item copies of 10,000 metrics. */
  let editRangeDefault = false;
  const validator = new DocumentValidator(
    (params) => void connection.sendDiagnostics(params),
    metrics,
    (uri) => documents.get(uri),
    { ...options, knowledge: () => metrics.generation },
  );
  const schedule = (doc: TextDocument): void => validator.schedule(doc);
  /** Points at a Prometheus, loads its names in the background, then re-checks open documents (unknown metrics). */
  const useUrl = (url: string | undefined): void => {
    if (sameUrl(url || undefined, metrics.configuredUrl && normalizeOrSame(metrics.configuredUrl))) return;
    metrics.setUrl(url || undefined);
    void metrics.refresh().then(() => documents.all().forEach(schedule));
  };
  const pullConfig = async (): Promise<void> => {
    if (!canPullConfig) return;
    try {
      const [url] = (await connection.workspace.getConfiguration([{ section: PROMETHEUS_URL_SECTION }])) as unknown[];
      if (typeof url === 'string') useUrl(url);
    } catch {
      /* the client does not answer configuration requests: keep initializationOptions */
    }
  };

  connection.onInitialize((params) => {
    canPullConfig = !!params.capabilities.workspace?.configuration;
    editRangeDefault = !!params.capabilities.textDocument?.completion?.completionList?.itemDefaults?.includes('editRange');
    const init = (params.initializationOptions ?? {}) as ServerInitOptions;
    if (typeof init.prometheusUrl === 'string') useUrl(init.prometheusUrl);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        completionProvider: { triggerCharacters: ['{', '(', ',', '=', '"', '[', '~', '@'] },
        hoverProvider: true,
        signatureHelpProvider: { triggerCharacters: ['(', ','], retriggerCharacters: [','] },
      },
      serverInfo: { name: 'optivolt-promql' },
    };
  });
  connection.onInitialized(() => void pullConfig());
  connection.onDidChangeConfiguration((change) => {
    const url = (change.settings as { optivolt?: { prometheus?: { url?: unknown } } } | undefined)?.optivolt?.prometheus?.url;
    if (typeof url === 'string') useUrl(url);
    else void pullConfig();
  });

  documents.onDidChangeContent((e) => schedule(e.document));
  documents.onDidClose((e) => validator.close(e.document.uri));

  connection.onCompletion(async ({ textDocument, position }): Promise<CompletionList> => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return { isIncomplete: false, items: [] };
    const { items, from, to } = await completer.complete(doc.getText(), doc.offsetAt(position));
    const range = { start: doc.positionAt(from), end: doc.positionAt(to) };
    if (editRangeDefault) return { isIncomplete: false, itemDefaults: { editRange: range }, items };
    return { isIncomplete: false, items: items.map((i) => ({ ...i, textEdit: { range, newText: i.insertText ?? i.label } })) };
  });
  connection.onHover(async ({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    if (!doc) return null;
    const h = await hover(doc.getText(), doc.offsetAt(position), metrics, DEFAULT_TARGET);
    if (!h) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: h.markdown },
      range: { start: doc.positionAt(h.from), end: doc.positionAt(h.to) },
    };
  });
  connection.onSignatureHelp(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    const sig = doc && signatureHelp(doc.getText(), doc.offsetAt(position), DEFAULT_TARGET);
    if (!sig) return null;
    return {
      signatures: [
        {
          label: sig.label,
          documentation: { kind: MarkupKind.Markdown, value: sig.documentation },
          parameters: sig.parameters.map((p) => ({ label: p.label })),
        },
      ],
      activeSignature: 0,
      activeParameter: sig.activeParameter,
    };
  });

  documents.listen(connection);
  return {
    metrics,
    dispose: () => validator.dispose(),
  };
}

/** Whether a configured URL is the one already in use (compared as the client normalises it). */
function normalizeOrSame(url: string): string {
  try {
    return normalizePrometheusUrl(url);
  } catch {
    return url;
  }
}

function sameUrl(configured: string | undefined, current: string | undefined): boolean {
  if (!configured || !current) return configured === current;
  try {
    return normalizePrometheusUrl(configured) === current;
  } catch {
    return false;
  }
}
