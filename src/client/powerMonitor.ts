// The extension's power monitor: built from the settings, following their changes, run on demand.
import * as vscode from 'vscode';
import { HostHistory } from '../core/attribution/history';
import { LogFn, PowerMonitor } from '../core/power/monitor';
import { MonitorDemand } from '../core/power/monitorDemand';
import { createSource, SOURCE_SETTINGS } from '../core/power/sources';
import type { SettingsSource } from './config';

/** The monitor, who needs it running, and the host's recent power (for the power view and measurements). */
export class LivePower implements vscode.Disposable {
  readonly monitor: PowerMonitor;
  readonly demand: MonitorDemand;
  readonly history = new HostHistory();
  private readonly subs: vscode.Disposable[];

  /** `prometheusToken`: the engine's bearer token (SecretStorage), read whenever a source is built. */
  constructor(config: SettingsSource, log: LogFn, prometheusToken: () => string | undefined = () => undefined) {
    const s = config.settings;
    this.monitor = new PowerMonitor({
      mode: s['power.source'],
      intervalMs: s.refreshInterval,
      createSource: (kind, forAuto) => createSource(kind, config.settings, { prometheusToken: prometheusToken() }, forAuto),
      log,
    });
    this.demand = new MonitorDemand(this.monitor);
    this.subs = [
      this.monitor.onStatus((st) => {
        if (st.state === 'live' && st.last) this.history.push({ t: st.last.time, watts: st.last.watts, zones: st.last.zones });
      }),
      config.onDidChange(['power.source', 'refreshInterval', ...SOURCE_SETTINGS], ({ changed, settings }) =>
        this.monitor.reconfigure({
          mode: settings['power.source'],
          intervalMs: settings.refreshInterval,
          sourcesChanged: SOURCE_SETTINGS.some((k) => changed.has(k)),
        }),
      ),
    ];
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
    this.demand.dispose(); // stops the monitor
  }
}
