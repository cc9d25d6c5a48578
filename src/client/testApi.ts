// What activate() returns in ExtensionMode.Test only (the host tests, test/host): read-only views of the running
// extension. Production activations return nothing.
import type { AttributionSnapshot } from '../shared/attribution';
import type { ViewPrefs } from '../shared/webviews/powerViewProtocol';
import type { PowerStatus } from '../shared/power';
import type { Comparison } from '../core/energy/compare';
import type { SessionRecord } from '../core/energy/sessionRecord';
import type { OptiVoltSettings } from '../core/settings';
import type { Config } from './config';
import type { EnergySessions } from './sessions/energySessions';
import type { EnergyProfiles, EnergyProfilesState } from './profile/energyProfiles';
import type { GrafanaTestApi, GrafanaViewController } from './webviews/grafanaView/grafanaView';
import type { StackActions } from './stack/stackActions';
import { replayRestore } from './webviews/panelRestore';
import type { LivePower } from './powerMonitor';
import type { PowerViewController, PowerViewSession } from './webviews/powerView/powerView';
import type { PromqlLanguage } from './promql/promqlClient';
import type { PromqlResultController, PromqlResultState } from './webviews/promqlResult/promqlResult';
import type { StackCommands } from './stack/stackCommands';
import type { PowerStatusBar } from './statusBar';
import type { TestCaseEnergy } from '../core/testEnergy/testReport';
import type { TestEnergyView } from './testEnergy/testEnergyView';
import type { EnergyHistoryController, EnergyHistoryState } from './webviews/energyHistory/energyHistory';

export interface OptiVoltApi {
  status(): PowerStatus;
  statusBarText(): string;
  settings(): OptiVoltSettings;
  /** Whether the status bar item is shown and the sampler runs. */
  statusBarVisible(): boolean;
  samplerRunning(): boolean;
  /** Why the monitor runs: the reasons of who holds it (statusBar, powerView, details, measurements). */
  monitorDemand(): string[];
  /** The power view, when open: its latest attribution and how many messages it posted. */
  powerView(): { open: boolean; snapshot?: AttributionSnapshot; posted: number; prefs?: ViewPrefs };
  /** The monitoring stack's commands. */
  monitoring(): StackActions;
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
  promqlResult(): PromqlResultState;
  /** Replays a webview panel's restore after a reload (viewType, the state its webview saved). */
  replayRestore(viewType: string, state: unknown): Promise<void>;
  /** The PromQL language client, once a .promql document has been opened. */
  promql(): PromqlLanguage | undefined;
  /** Stored energy profiles, the active one, the flame graph panel. */
  profiles(): EnergyProfilesState;
  /** The Energy per Test view's rows (suites heaviest first, tests heaviest first) and its history file's reports. */
  testEnergyRows(): { suite: string; tests: TestCaseEnergy[] }[];
  testEnergyView(): TestEnergyView;
  /** The Energy History view: open, and the last message it was sent (loading, result, error). */
  energyHistory(): EnergyHistoryState;
}

export interface Parts {
  readonly config: Config;
  readonly power: LivePower;
  readonly bar: PowerStatusBar;
  readonly powerView: PowerViewController;
  readonly grafana: GrafanaViewController;
  readonly promqlResult: PromqlResultController;
  readonly sessions: EnergySessions;
  readonly stack: StackCommands;
  readonly profiles: EnergyProfiles;
  readonly testEnergy: TestEnergyView;
  readonly energyHistory: EnergyHistoryController;
  promql(): PromqlLanguage | undefined;
}

/**
 * The host tests' hooks, created only in ExtensionMode.Test: observers handed to the parts as they are built
 * (counts the production classes do not keep), then the API over the built parts.
 */
export class TestProbes {
  private readonly postedBy = new WeakMap<PowerViewSession, number>();

  /** For PowerViewHost.onPosted: messages each power view session posted. */
  readonly powerViewPosted = (session: PowerViewSession): void => {
    this.postedBy.set(session, (this.postedBy.get(session) ?? 0) + 1);
  };

  /** The API over the extension's parts; installs their own test hooks (Grafana's recording). */
  api(p: Parts): OptiVoltApi {
    const { monitor, demand } = p.power;
    return {
      status: () => monitor.snapshot,
      statusBarText: () => p.bar.text,
      settings: () => p.config.settings,
      statusBarVisible: () => p.bar.visible,
      samplerRunning: () => monitor.running,
      monitorDemand: () => demand.reasons,
      grafana: p.grafana.testApi(),
      powerView: () => {
        const s = p.powerView.current;
        return { open: p.powerView.isOpen, snapshot: s?.snapshot, posted: s ? (this.postedBy.get(s) ?? 0) : 0, prefs: s?.prefs };
      },
      sessions: () => p.sessions.view.records(),
      sessionsFile: () => p.sessions.file,
      sessionsShown: () => p.sessions.view.shownIds,
      sessionsMigrated: p.sessions.migrated,
      monitoring: () => p.stack.monitoring(),
      compareLatest: () => {
        const latest = p.sessions.view.records()[0];
        return latest ? p.sessions.view.comparison(latest) : undefined;
      },
      sampleNow: () => monitor.tick(),
      promqlResult: () => p.promqlResult.state(),
      promql: p.promql,
      profiles: () => p.profiles.testState(),
      replayRestore,
      testEnergyRows: () => p.testEnergy.rows(),
      testEnergyView: () => p.testEnergy,
      energyHistory: () => p.energyHistory.state(),
    };
  }
}
