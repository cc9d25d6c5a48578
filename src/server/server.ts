// The PromQL language server's features over one LSP connection: diagnostics, completion, hover, signature
// help. The connection is given (IPC from VS Code, stdio for other editors, in-memory streams in tests), and
// so is fetch: the server itself touches no transport.
import { TextDocuments, TextDocumentSyncKind, MarkupKind, type CompletionList, type Connection } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { normalizePrometheusUrl, redactUrl } from '../core/prometheus/client';
import type { FetchFn } from '../core/prometheus/fetchFn';
import { promqlVersionProblem } from '../core/settings';
import {
  PROMETHEUS_STATUS,
  PROMETHEUS_URL_SECTION,
  PROMQL_FEATURES_SECTION,
  PROMQL_VERSION_SECTION,
  type PrometheusStatusParams,
  type ServerInitOptions,
  PROMETHEUS_ACCESS,
  type PrometheusAccessParams,
} from '../shared/lspProtocol';
import { isPromqlFeature, type PromqlFeature } from '../shared/promqlTarget';
import { Completer } from './promql/completion';
import { hover } from './promql/hover';
import { MetricStore } from './promql/metrics';
import { signatureHelp } from './promql/signature';
import { DEFAULT_TARGET, type PromqlTarget } from './promql/target';
import { applySetting, detectTarget, type TargetSetting } from './promql/targetDetection';
import { DocumentValidator, type ValidatorOptions } from './validator';

export interface ServerOptions extends ValidatorOptions {
  readonly fetch?: FetchFn;
  readonly metricTtlMs?: number;
}

export function startServer(
  connection: Connection,
  options: ServerOptions = {},
): { metrics: MetricStore; target(): PromqlTarget; dispose(): void } {
  const documents = new TextDocuments(TextDocument);
  let problem: string | undefined;
  /** Whether the current URL's first reachability report came: later ones (lost, back) ask the server again. */
  let toldOnce = false;
  /** What the server said it is (detectTarget), what the settings force, and the result the checks follow. */
  let detected: PromqlTarget = DEFAULT_TARGET;
  let setting: TargetSetting = { version: '', features: [] };
  let target: PromqlTarget = DEFAULT_TARGET;
  /** No notification before the initialize answer (LSP): what changed before is sent once initialized. */
  let initialized = false;
  const sendStatus = (): void =>
    void (
      initialized &&
      connection.sendNotification(PROMETHEUS_STATUS, {
        url: metrics.url === undefined ? undefined : redactUrl(metrics.url),
        problem: problem === undefined ? undefined : redactUrl(problem),
        target: { dialect: target.dialect, version: target.version, features: [...target.features], reason: redactUrl(target.reason) },
      } satisfies PrometheusStatusParams)
    );
  const metrics = new MetricStore({
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.metricTtlMs ? { ttlMs: options.metricTtlMs } : {}),
    onProblem: (p) => {
      // Both are shown to the user: the URL's password never is (the client's URL is already redacted; this holds for any text).
      if (p) connection.console.warn(`Prometheus: ${redactUrl(p)} Completion and checks use the catalogue only.`);
      problem = p;
      sendStatus();
      // The server went away or came back (perhaps upgraded, perhaps another engine): ask again what it is.
      if (toldOnce) void detect();
      toldOnce = true;
    },
  });
  const completer = new Completer(metrics, () => target);
  let canPullConfig = false;
  /** The client applies one edit range to every item (LSP 3.17): no per-item copies of 10,000 metrics. */
  let editRangeDefault = false;
  const validator = new DocumentValidator(
    (params) => void connection.sendDiagnostics(params),
    metrics,
    (uri) => documents.get(uri),
    { ...options, target: () => target, knowledge: () => metrics.generation },
  );
  const schedule = (doc: TextDocument): void => validator.schedule(doc);
  /** A new target is told to the client and re-checks every open document. */
  const setTarget = (next: PromqlTarget): void => {
    if (sameTarget(next, target)) return;
    target = next;
    sendStatus();
    documents.all().forEach(schedule);
  };
  let detections = 0;
  const detect = async (): Promise<void> => {
    const mine = ++detections;
    const found = await detectTarget(metrics.api);
    if (mine !== detections) return; // a newer URL or reachability change asked again meanwhile
    detected = found;
    setTarget(applySetting(detected, setting));
  };
  /** optivolt.promql.version / .features: invalid values are said once and the server is asked instead. */
  let lastRawSetting = '';
  const useSetting = (version: unknown, features: unknown): void => {
    // Every configuration change sends the whole optivolt section: an invalid value is told when it changes only.
    const raw = JSON.stringify([version, features]);
    const tell = raw !== lastRawSetting;
    lastRawSetting = raw;
    const versionWhy = promqlVersionProblem(version ?? '');
    if (versionWhy && tell)
      connection.console.warn(`optivolt.promql.version ${versionWhy} (got ${JSON.stringify(version)}); asking the server instead.`);
    const featuresOk = features === undefined || (Array.isArray(features) && features.every(isPromqlFeature));
    if (!featuresOk && tell)
      connection.console.warn(
        `optivolt.promql.features must list PromQL feature flags (got ${JSON.stringify(features)}); asking the server instead.`,
      );
    const next: TargetSetting = {
      version: versionWhy || typeof version !== 'string' ? '' : version.trim(),
      features: featuresOk && features ? [...new Set(features as PromqlFeature[])] : [],
    };
    if (next.version === setting.version && next.features.join() === setting.features.join()) return;
    setting = next;
    setTarget(applySetting(detected, setting));
  };
  /** Points at a Prometheus, loads its names in the background, then re-checks open documents (unknown metrics). */
  let access: PrometheusAccessParams = {};
  /** New credentials for the same URL: reconnect with them (the token is never logged: only the URL is). */
  const useAccess = (next: unknown): void => {
    access = accessParams(next);
    if (metrics.configuredUrl === undefined) return;
    toldOnce = false;
    metrics.setUrl(metrics.configuredUrl, access);
    void detect();
    void metrics.refresh().then(() => documents.all().forEach(schedule));
  };
  const useUrl = (url: string | undefined): void => {
    if (sameUrl(url || undefined, metrics.configuredUrl && normalizeOrSame(metrics.configuredUrl))) return;
    toldOnce = false;
    metrics.setUrl(url || undefined, access);
    void detect();
    void metrics.refresh().then(() => documents.all().forEach(schedule));
  };
  const pullConfig = async (): Promise<void> => {
    if (!canPullConfig) return;
    try {
      const [url, version, features] = (await connection.workspace.getConfiguration([
        { section: PROMETHEUS_URL_SECTION },
        { section: PROMQL_VERSION_SECTION },
        { section: PROMQL_FEATURES_SECTION },
      ])) as unknown[];
      useSetting(version, features);
      if (typeof url === 'string') useUrl(url);
    } catch {
      /* the client does not answer configuration requests: keep initializationOptions */
    }
  };

  connection.onInitialize((params) => {
    canPullConfig = !!params.capabilities.workspace?.configuration;
    editRangeDefault = !!params.capabilities.textDocument?.completion?.completionList?.itemDefaults?.includes('editRange');
    const init = (params.initializationOptions ?? {}) as ServerInitOptions;
    useSetting(init.promqlVersion, init.promqlFeatures);
    access = accessParams(init.prometheusAccess);
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
  connection.onInitialized(() => {
    initialized = true;
    sendStatus();
    void pullConfig();
  });
  connection.onNotification(PROMETHEUS_ACCESS, useAccess);
  connection.onDidChangeConfiguration((change) => {
    const optivolt = (
      change.settings as { optivolt?: { prometheus?: { url?: unknown }; promql?: { version?: unknown; features?: unknown } } } | undefined
    )?.optivolt;
    if (optivolt?.promql) useSetting(optivolt.promql.version, optivolt.promql.features);
    const url = optivolt?.prometheus?.url;
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
    const h = await hover(doc.getText(), doc.offsetAt(position), metrics, target);
    if (!h) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: h.markdown },
      range: { start: doc.positionAt(h.from), end: doc.positionAt(h.to) },
    };
  });
  connection.onSignatureHelp(({ textDocument, position }) => {
    const doc = documents.get(textDocument.uri);
    const sig = doc && signatureHelp(doc.getText(), doc.offsetAt(position), target);
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
    target: () => target,
    dispose: () => validator.dispose(),
  };
}

function sameTarget(a: PromqlTarget, b: PromqlTarget): boolean {
  return a.dialect === b.dialect && a.version === b.version && a.reason === b.reason && [...a.features].join() === [...b.features].join();
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

/** The credentials a client sent, keeping only well-typed fields (another editor may send anything). */
function accessParams(v: unknown): PrometheusAccessParams {
  if (!v || typeof v !== 'object') return {};
  const o = v as Record<string, unknown>;
  const headers =
    o.headers && typeof o.headers === 'object'
      ? Object.fromEntries(
          Object.entries(o.headers as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
        )
      : undefined;
  return {
    ...(typeof o.token === 'string' && o.token ? { token: o.token } : {}),
    ...(headers && Object.keys(headers).length ? { headers } : {}),
    ...(typeof o.caFile === 'string' && o.caFile ? { caFile: o.caFile } : {}),
  };
}
