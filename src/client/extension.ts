import * as vscode from 'vscode';
import type { PowerStatus } from '../shared/power';
import type { AttributionSnapshot } from '../shared/attribution';
import type { ViewPrefs } from '../shared/webviews/powerViewProtocol';
import { HostHistory } from '../core/attribution/history';
import { PowerMonitor } from '../core/power/monitor';
import { createSource, SOURCE_SETTINGS } from '../core/power/sources';
import type { OptiVoltSettings } from '../core/settings';
import { selectPowerSource, showPowerDetails } from './details';
import { PowerViewController } from './webviews/powerView/powerView';
import { GrafanaTestApi, GrafanaViewController } from './webviews/grafanaView/grafanaView';
import { DEFAULT_DASHBOARD_UID } from '../shared/grafana';
import { PromqlResultState as QueryViewState, registerPromqlRun } from './webviews/promqlResult/promqlResult';
import type { Comparison } from '../core/energy/compare';
import { formatEnergy } from '../core/energy/cost';
import type { SessionRecord } from '../core/energy/sessionRecord';
import { SessionStore } from '../core/energy/sessionStore';
import { migrateHistories, oldHistoryFiles, workspaceHistoryFile, workspaceHistoryKey } from '../core/energy/workspaceHistory';
import { measureTask, Measurements, trackDebugSessions } from './measurements';
import { SessionsView } from './sessionsView';
import type { MonitoringCommands } from './stackCommands';
import type { PromqlLanguage } from './promqlClient';
import { replayRestore } from './webviews/panelRestore';
import { loadBundle } from './loadDockerode';
import { StackView } from './stackView';
import { changedKeys, loadSettings } from './settings';
import { PowerStatusBar } from './statusBar';
import { errorMessage } from '../core/errors';

/** What activate() returns: read-only views for other extensions and the host tests. */
export interface OptiVoltApi {
  status(): PowerStatus;
  statusBarText(): string;
  settings(): OptiVoltSettings;
  /** Whether the status bar item is shown and the sampler runs. */
  statusBarVisible(): boolean;
  samplerRunning(): boolean;
  /** The power view, when open: its latest attribution and how many messages it posted. */
  powerView(): { open: boolean; snapshot?: AttributionSnapshot; posted: number; prefs?: ViewPrefs };
  /** The monitoring stack's commands, for the host tests. */
  monitoring(): MonitoringCommands;
  /** The embedded Grafana panels. */
  grafana: GrafanaTestApi;
  /** Recorded energy sessions, newest first, and the comparison of the newest with its previous run. */
  sessions(): SessionRecord[];
  /** Where this workspace's history lives, and the ids the Energy Sessions view last gave VS Code. */
  sessionsFile(): string;
  sessionsShown(): string[];
  /** Settles when the one-time move of per-window histories is done. */
  sessionsMigrated: Promise<void>;
  compareLatest(): Comparison | undefined;
  /** Samples once now (instead of waiting for the timer). */
  sampleNow(): Promise<void>;
  /** The PromQL result view: its panel, last outcome or error. */
  queryView(): QueryViewState;
  /** Replays a webview panel's restore after a reload (viewType, the state its webview saved). */
  replayRestore(viewType: string, state: unknown): Promise<void>;
  /** The PromQL language client, once a .promql document has been opened. */
  promql(): PromqlLanguage | undefined;
}

export function activate(context: vscode.ExtensionContext): OptiVoltApi {
  const log = vscode.window.createOutputChannel('OptiVolt', { log: true });
  const shown = new Set<string>();
  const warnUser = (message: string): void => {
    if (shown.has(message)) return;
    shown.add(message);
    void vscode.window.showWarningMessage(`OptiVolt: ${message}`, 'Show Log').then((a) => a && log.show(true));
  };
  const reportProblems = (problems: string[]): void => {
    for (const p of problems) {
      log.warn(p);
      warnUser(p);
    }
  };

  const initial = loadSettings();
  let settings = initial.settings;
  reportProblems(initial.problems);

  const bar = new PowerStatusBar();
  const monitor = new PowerMonitor({
    mode: settings['power.source'],
    intervalMs: settings.refreshInterval,
    createSource: (kind, forAuto) => createSource(kind, settings, {}, forAuto),
    log: (level, message, code) => {
      log[level](message);
      if (code === 'permission') warnUser(message);
    },
  });
  const history = new HostHistory();
  const statusSub = monitor.onStatus((s) => {
    bar.render(s, settings);
    if (s.state === 'live' && s.last) history.push({ t: s.last.time, watts: s.last.watts, zones: s.last.zones });
  });
  bar.render(monitor.snapshot, settings);

  // The monitor runs while the status bar is shown or a view needs it; nothing samples otherwise.
  const demand = new Set<string>();
  const applyVisibility = (): void => {
    bar.setVisible(settings['statusBar.enabled']);
    if (settings['statusBar.enabled'] || demand.size > 0) monitor.start();
    else monitor.stop();
  };
  const demandMonitor = (who: string, on: boolean): void => {
    if (on) demand.add(who);
    else demand.delete(who);
    applyVisibility();
  };
  applyVisibility();
  const powerView = new PowerViewController({ extensionUri: context.extensionUri, monitor, history, settings: () => settings, log, demandMonitor });
  const grafana = new GrafanaViewController({ extensionUri: context.extensionUri, secrets: context.secrets, settings: () => settings, log });
  const queryView = registerPromqlRun(context, { extensionUri: context.extensionUri, prometheusUrl: () => settings['prometheus.url'], log });

  // Energy sessions belong to the workspace, not the window: every window of a folder (code-server gives each a
  // new workspaceStorage/<id>-N) uses one history under the global storage; windows without a folder share one.
  const workspace = {
    workspaceFile: vscode.workspace.workspaceFile?.toString(),
    folders: (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()),
  };
  const historyFile = workspaceHistoryFile(context.globalStorageUri.fsPath, workspace);
  const store = new SessionStore(historyFile);
  try {
    store.load();
    if (store.lastLoadProblem) {
      log.warn(store.lastLoadProblem);
      warnUser(store.lastLoadProblem);
    }
  } catch (err) {
    log.error(`Cannot read the energy history: ${errorMessage(err)}`);
  }
  const sessionsView = new SessionsView(store, historyFile, log);
  const oldHistories = context.storageUri && workspaceHistoryKey(workspace) ? oldHistoryFiles(context.storageUri.fsPath, workspace) : [];
  const sessionsMigrated =
    oldHistories.length === 0
      ? Promise.resolve()
      : migrateHistories(oldHistories, historyFile).then(
          (r) => {
            if (r.migrated.length > 0) log.info(`Energy Sessions: ${r.added} sessions moved to ${historyFile} from ${r.migrated.join(', ')} (kept there as *.migrated).`);
            reportProblems(r.problems.map((p) => `Some energy sessions were not moved to this workspace's history: ${p}`));
            sessionsView.refresh();
          },
          (err: Error) => log.error(`Energy Sessions: moving the per-window histories failed: ${err.message}`),
        );
  // The stack (yaml, prom-client for the host exporter) is its own bundle, loaded on the first stack command.
  let monitoringCommands: MonitoringCommands | undefined;
  const stackView = new StackView(() => monitoring().statuses());
  const monitoring = (): MonitoringCommands =>
    (monitoringCommands ??= new (loadBundle<{ MonitoringCommands: typeof MonitoringCommands }>('monitoring.js').MonitoringCommands)({
      context,
      monitor,
      settings: () => settings,
      log,
    }));
  // The PromQL language client (its own bundle) starts with the first .promql document.
  let promql: PromqlLanguage | undefined;
  const startPromql = (doc: vscode.TextDocument): void => {
    if (doc.languageId !== 'promql' || promql) return;
    promql = new (loadBundle<{ PromqlLanguage: typeof PromqlLanguage }>('promqlClient.js').PromqlLanguage)(context, settings['prometheus.url']);
    context.subscriptions.push(promql);
    promql.started.catch((err: Error) => log.error(`The PromQL language server did not start: ${err.message}`));
  };
  vscode.workspace.textDocuments.forEach(startPromql);
  context.subscriptions.push(vscode.workspace.onDidOpenTextDocument(startPromql));
  const measurements = new Measurements({
    monitor,
    history,
    settings: () => settings,
    log,
    demandMonitor,
    onFinished: (r) => {
      log.info(`"${r.name}": ${formatEnergy(r.energyJoules)} in ${r.durationSeconds.toFixed(1)} s (${r.pids.length} processes).`);
      sessionsView.addAndAnnounce(r, log);
    },
  });
  log.info(`OptiVolt activated (power source setting: ${settings['power.source']}, every ${settings.refreshInterval} ms).`);

  const onConfig = vscode.workspace.onDidChangeConfiguration((e) => {
    if (!e.affectsConfiguration('optivolt')) return;
    const next = loadSettings();
    reportProblems(next.problems);
    const changed = changedKeys(settings, next.settings);
    settings = next.settings;
    if (changed.size === 0) return;
    log.info(`Settings changed: ${[...changed].map((k) => `optivolt.${k}`).join(', ')}`);
    monitor.reconfigure({
      mode: settings['power.source'],
      intervalMs: settings.refreshInterval,
      sourcesChanged: SOURCE_SETTINGS.some((k) => changed.has(k)),
    });
    if (changed.has('statusBar.enabled')) applyVisibility();
    if (changed.has('attribution.model')) powerView.current?.setModel(settings['attribution.model']);
    grafana.settingsChanged(changed);
    if (changed.has('currency') || changed.has('costPerKWh') || changed.has('carbonIntensity')) powerView.current?.refresh();
    bar.render(monitor.snapshot, settings);
  });

  context.subscriptions.push(
    log,
    bar,
    statusSub,
    onConfig,
    { dispose: () => monitor.stop() },
    powerView,
    grafana,
    vscode.commands.registerCommand('optivolt.openGrafanaDashboard', (view?: unknown) => grafana.openDashboard(view)),
    vscode.commands.registerCommand('optivolt.openGrafanaPanel', (view?: unknown) => grafana.openPanel(view)),
    vscode.commands.registerCommand('optivolt.setGrafanaToken', (token?: unknown) => grafana.setToken(token)),
    sessionsView,
    measurements,
    ...trackDebugSessions(measurements, () => settings),
    vscode.commands.registerCommand('optivolt.measureTask', (taskName?: unknown) => measureTask(measurements, typeof taskName === 'string' ? taskName : undefined)),
    vscode.commands.registerCommand('optivolt.showPower', () => powerView.show()),
    { dispose: () => monitoringCommands?.dispose() },
    stackView,
    vscode.commands.registerCommand('optivolt.startMonitoring', async () => {
      const r = await monitoring().start();
      stackView.refresh();
      return r;
    }),
    vscode.commands.registerCommand('optivolt.stopMonitoring', async () => {
      const r = await monitoring().stop();
      stackView.refresh();
      return r;
    }),
    vscode.commands.registerCommand('optivolt.refreshStack', () => stackView.refresh()),
    vscode.commands.registerCommand('optivolt.restartService', async (node?: { status?: { service: string } }) => {
      await monitoring().restartService(node?.status?.service);
      stackView.refresh();
    }),
    vscode.commands.registerCommand('optivolt.showServiceLogs', (node?: { status?: { service: string } }) => monitoring().showLogs(node?.status?.service)),
    // Grafana opens embedded, beside the code (its panel's toolbar still opens the browser); other services in the browser.
    vscode.commands.registerCommand('optivolt.openServiceInBrowser', (node?: { status?: { service: string } }) =>
      node?.status?.service === 'grafana' ? grafana.openDashboard(DEFAULT_DASHBOARD_UID) : monitoring().openInBrowser(node?.status?.service),
    ),
    vscode.commands.registerCommand('optivolt.copyGrafanaPassword', () => monitoring().copyGrafanaPassword()),
    vscode.commands.registerCommand('optivolt.showStackStatus', () => monitoring().status()),
    vscode.commands.registerCommand('optivolt.deleteMonitoringData', () => monitoring().deleteData()),
    vscode.commands.registerCommand('optivolt.showPowerDetails', async () => {
      // With the status bar off the monitor is idle: run it while the details are open.
      demandMonitor('details', true);
      try {
        await showPowerDetails(() => monitor.snapshot, (fn) => monitor.onStatus(fn), () => settings);
      } finally {
        demandMonitor('details', false);
      }
    }),
    vscode.commands.registerCommand('optivolt.selectPowerSource', () => selectPowerSource(settings['power.source'])),
    vscode.commands.registerCommand('optivolt.showLog', () => log.show()),
  );

  return {
    status: () => monitor.snapshot,
    statusBarText: () => bar.text,
    settings: () => settings,
    statusBarVisible: () => bar.visible,
    samplerRunning: () => monitor.running,
    grafana: grafana.testApi,
    powerView: () => ({ open: powerView.isOpen, snapshot: powerView.current?.snapshot, posted: powerView.current?.posted ?? 0, prefs: powerView.current?.prefs }),
    sessions: () => sessionsView.records(),
    sessionsFile: () => historyFile,
    sessionsShown: () => sessionsView.shownIds,
    sessionsMigrated,
    monitoring,
    compareLatest: () => {
      const latest = sessionsView.records()[0];
      return latest ? sessionsView.comparison(latest) : undefined;
    },
    sampleNow: () => monitor.tick(),
    queryView: () => queryView.state(),
    promql: () => promql,
    replayRestore,
  };
}

export function deactivate(): void {
  // Everything is owned by context.subscriptions and disposed by VS Code.
}
