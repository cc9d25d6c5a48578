// The composition root: creates the extension's parts, wires them, and hands every disposable to the context.
// Settings reach each part through Config's change events (./config.ts); the monitor runs while a part holds it
// (MonitorDemand). activate() routes nothing itself.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { errorMessage } from '../core/errors';
import { formatEnergy } from '../core/energy/cost';
import { Config } from './config';
import { registerPowerDetails } from './details';
import { openEnergySessions } from './sessions/energySessions';
import { openEnergyProfiles } from './profile/energyProfiles';
import { GrafanaViewController } from './webviews/grafanaView/grafanaView';
import { loadBundle } from './loadDockerode';
import { measureTask, Measurements, trackDebugSessions } from './measurements';
import { LivePower } from './powerMonitor';
import { PrometheusConnection } from './prometheusConnection';
import { PowerViewController } from './webviews/powerView/powerView';
import type { PromqlLanguage } from './promql/promqlClient';
import { registerPromqlRun } from './webviews/promqlResult/promqlResult';
import { registerEnergyHistory } from './webviews/energyHistory/energyHistory';
import { StackCommands } from './stack/stackCommands';
import { PowerStatusBar } from './statusBar';
import { OptiVoltApi, TestProbes } from './testApi';
import { TestEnergyView } from './testEnergy/testEnergyView';

export type { OptiVoltApi } from './testApi';

/** The PromQL language client, started by the first .promql document; deactivate() waits for it to stop. */
let promql: PromqlLanguage | undefined;

/** The API for the host tests, in ExtensionMode.Test only; nothing otherwise. */
export function activate(context: vscode.ExtensionContext): OptiVoltApi | undefined {
  // Test hooks exist only for the host tests (extensionTestsPath makes the host run this in ExtensionMode.Test).
  const probes = context.extensionMode === vscode.ExtensionMode.Test ? new TestProbes() : undefined;
  const { log, problems } = outputChannel();
  const config = new Config({ problems, changed: (keys) => log.info(`Settings changed: ${keys.map((k) => `optivolt.${k}`).join(', ')}`) });
  const prometheus = new PrometheusConnection(context.secrets, config, (m) => {
    log.info(m);
    void vscode.window.showInformationMessage(`OptiVolt: ${m}`);
  });
  const power = new LivePower(
    config,
    (level, message, code) => {
      log[level](message);
      if (code === 'permission') problems([message], { logged: true });
    },
    () => prometheus.bearer,
  );
  // The stored token arrives after activation, and may change: the sources and the language server follow it.
  // (Settings changes already rebuild the sources: SOURCE_SETTINGS.)
  let tokenSeen = prometheus.bearer;
  const followToken = prometheus.onDidChange(() => {
    promql?.setAccess(prometheus.access());
    if (prometheus.bearer === tokenSeen) return;
    tokenSeen = prometheus.bearer;
    power.monitor.reconfigure({ sourcesChanged: true });
  });
  const { monitor, demand, history } = power;
  const bar = new PowerStatusBar(monitor, demand, config);
  const powerView = new PowerViewController({
    extensionUri: context.extensionUri,
    monitor,
    history,
    config,
    log,
    demand,
    prometheus,
    onPosted: probes?.powerViewPosted,
  });
  const grafana = new GrafanaViewController({ extensionUri: context.extensionUri, secrets: context.secrets, config, log });
  const promqlResult = registerPromqlRun(context, {
    extensionUri: context.extensionUri,
    prometheusUrl: () => config.settings['prometheus.url'],
    prometheusClient: (timeoutMs) => prometheus.client(timeoutMs),
    log,
  });
  const energyHistory = registerEnergyHistory(context, {
    extensionUri: context.extensionUri,
    client: (timeoutMs) => prometheus.client(timeoutMs),
    log,
  });
  const sessions = openEnergySessions(context, log, problems);
  const profiles = openEnergyProfiles({ extensionUri: context.extensionUri, sessionsFile: sessions.file, config, log });
  // Test energy reports live beside the workspace's Energy Sessions history.
  const testEnergy = new TestEnergyView(path.join(path.dirname(sessions.file), 'test-energy.json'), () => config.settings, log);
  const stack = new StackCommands({ context, monitor, config, log, grafana, prometheus });
  const measurements = new Measurements({
    monitor,
    history,
    settings: () => config.settings,
    log,
    demand,
    onFinished: (r, key) => {
      log.info(`"${r.name}": ${formatEnergy(r.energyJoules)} in ${r.durationSeconds.toFixed(1)} s (${r.pids.length} processes).`);
      sessions.view.addAndAnnounce(r, log);
      profiles.debugProfiler.onFinished(r, key);
    },
    onStarted: (key, tree) => profiles.debugProfiler.onStarted(key, tree),
  });
  const cmd = vscode.commands.registerCommand;
  // Disposed in this order: what uses a part goes before it (measurements still hand their records to the sessions view).
  context.subscriptions.push(
    cmd('optivolt.showPower', () => powerView.show()),
    cmd('optivolt.openGrafanaDashboard', (view?: unknown) => grafana.openDashboard(view)),
    cmd('optivolt.openGrafanaPanel', (view?: unknown) => grafana.openPanel(view)),
    cmd('optivolt.setGrafanaToken', (token?: unknown) => grafana.setToken(token)),
    cmd('optivolt.setPrometheusToken', (token?: unknown) => prometheus.setToken(token)),
    cmd('optivolt.measureTask', (taskName?: unknown) => measureTask(measurements, typeof taskName === 'string' ? taskName : undefined)),
    cmd('optivolt.showLog', () => log.show()),
    ...registerPowerDetails(monitor, demand, config),
    ...trackDebugSessions(measurements, () => config.settings),
    startPromqlOnFirstDocument(context, config, log, prometheus),
    followToken,
    measurements,
    ...profiles.disposables,
    testEnergy,
    stack,
    sessions.view,
    grafana,
    powerView,
    bar,
    power,
    prometheus,
    config,
    log,
  );
  log.info(`OptiVolt activated (power source setting: ${config.settings['power.source']}, every ${config.settings.refreshInterval} ms).`);
  return probes?.api({
    config,
    power,
    bar,
    powerView,
    grafana,
    promqlResult,
    sessions,
    stack,
    profiles,
    testEnergy,
    energyHistory,
    promql: () => promql,
  });
}

/** Stops the PromQL language server and returns that promise, so the extension host waits for it (vscode-eslint). */
export function deactivate(): Promise<void> | undefined {
  const client = promql;
  promql = undefined;
  return client?.stop();
}

/** The log, and the one way problems reach the user: logged, and each distinct message shown once as a warning. */
function outputChannel(): { log: vscode.LogOutputChannel; problems: (messages: string[], opts?: { logged?: boolean }) => void } {
  const log = vscode.window.createOutputChannel('OptiVolt', { log: true });
  const shown = new Set<string>();
  const problems = (messages: string[], opts: { logged?: boolean } = {}): void => {
    for (const message of messages) {
      if (!opts.logged) log.warn(message);
      if (shown.has(message)) continue;
      shown.add(message);
      void vscode.window.showWarningMessage(`OptiVolt: ${message}`, 'Show Log').then((a) => a && log.show(true));
    }
  };
  return { log, problems };
}

/** The PromQL language client (its own bundle, dist/promqlClient.js) starts with the first .promql document. */
function startPromqlOnFirstDocument(
  context: vscode.ExtensionContext,
  config: Config,
  log: vscode.LogOutputChannel,
  prometheus: PrometheusConnection,
): vscode.Disposable {
  const start = (doc: vscode.TextDocument): void => {
    if (doc.languageId !== 'promql' || promql) return;
    const client = new (loadBundle<{ PromqlLanguage: typeof PromqlLanguage }>('promqlClient.js').PromqlLanguage)(
      context,
      config.settings['prometheus.url'],
      prometheus.access(),
    );
    promql = client;
    client.started.catch((err: unknown) => log.error(`The PromQL language server did not start: ${errorMessage(err)}`));
  };
  vscode.workspace.textDocuments.forEach(start);
  const opened = vscode.workspace.onDidOpenTextDocument(start);
  // Disposed after deactivate(): stopping again is the same promise (PromqlLanguage.stop runs once).
  return {
    dispose: () => {
      opened.dispose();
      void promql?.dispose();
    },
  };
}
