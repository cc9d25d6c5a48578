import * as vscode from 'vscode';
import { registerPanelSerializer } from '../panelRestore';
import { bundleOptions, bundlePage } from '../webviewHtml';
import type { PowerStatus } from '../../../shared/power';
import { AttributionSnapshot, KeplerPower } from '../../../shared/attribution';
import { DEFAULT_PREFS, FromWebview, parseFromWebview, ToWebview, ViewPrefs } from '../../../shared/webviews/powerViewProtocol';
import type { HostHistory } from '../../../core/attribution/history';
import { ProcessSampler } from '../../../core/attribution/processSampler';
import { KeplerRows } from '../../../core/attribution/keplerRows';
import { keplerTree } from '../../../core/attribution/keplerTree';
import { keplerPowerView } from '../../../core/attribution/keplerView';
import { PrometheusRows } from '../../../core/attribution/prometheusRows';
import { PrometheusClient } from '../../../core/prometheus/client';
import { ContainerDirectory, DockerApi } from '../../../core/containers/containerDirectory';
import type { PowerMonitor } from '../../../core/power/monitor';
import type { OptiVoltSettings } from '../../../core/settings';
import { loadDockerode } from '../../loadDockerode';
import { errorMessage } from '../../../core/errors';
import type { MonitorDemand } from '../../../core/power/monitorDemand';
import type { SettingsSource } from '../../config';

export const POWER_VIEW_TYPE = 'optivolt.powerView';
/** How often the Kepler tree is read while the view is visible (Kepler itself refreshes every 5 s by default). */
const KEPLER_POLL_MS = 5000;
/** An engine without Kepler (or none reachable) is asked again only this often. */
const NO_KEPLER_POLL_MS = 30000;

/** What the power view needs from the extension. */
export interface PowerViewHost {
  readonly extensionUri: vscode.Uri;
  readonly monitor: PowerMonitor;
  readonly history: HostHistory;
  readonly config: SettingsSource;
  log: vscode.LogOutputChannel;
  /** Keeps the monitor running while the view is open, whatever the status bar setting. */
  readonly demand: MonitorDemand;
  /** The configured engine with its credentials (token, headers, CA); absent: the URL alone. */
  readonly prometheus?: { readonly generation: number; client(): PrometheusClient };
  /** The host tests' observer (ExtensionMode.Test only): each message a session posts to its webview. */
  readonly onPosted?: (session: PowerViewSession) => void;
}

/** "OptiVolt: Show Power": one panel at a time, restored after a reload by the serializer. */
export class PowerViewController implements vscode.Disposable {
  private session: PowerViewSession | undefined;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly host: PowerViewHost) {
    this.subs = [
      registerPanelSerializer(POWER_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => this.adopt(panel, prefsFrom(state)),
      }),
      host.config.onDidChange(['attribution.model'], (e) => this.session?.setModel(e.settings['attribution.model'])),
      // The currency or prices changed: samples do not carry them, so the view gets the whole state again.
      host.config.onDidChange(['currency', 'costPerKWh', 'carbonIntensity'], () => this.session?.refresh()),
    ];
  }

  get isOpen(): boolean {
    return this.session !== undefined;
  }

  show(): void {
    if (this.session) {
      this.session.panel.reveal();
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      POWER_VIEW_TYPE,
      'OptiVolt Power',
      vscode.ViewColumn.Active,
      bundleOptions(this.host.extensionUri),
    );
    this.adopt(panel, DEFAULT_PREFS);
  }

  private adopt(panel: vscode.WebviewPanel, prefs: ViewPrefs): void {
    this.session?.panel.dispose();
    panel.webview.options = bundleOptions(this.host.extensionUri);
    panel.iconPath = new vscode.ThemeIcon('pulse');
    this.session = new PowerViewSession(panel, this.host, prefs, () => (this.session = undefined));
  }

  /** Posts to the open view (tests use it through the API to check the protocol round trip). */
  get current(): PowerViewSession | undefined {
    return this.session;
  }

  dispose(): void {
    this.session?.panel.dispose();
    for (const d of this.subs) d.dispose();
  }
}

function prefsFrom(state: unknown): ViewPrefs {
  const parsed = parseFromWebview({ type: 'view/setPrefs', prefs: (state as { prefs?: unknown } | undefined)?.prefs ?? {} });
  return { ...DEFAULT_PREFS, ...(parsed?.type === 'view/setPrefs' ? parsed.prefs : {}) };
}

/** One open panel: its sampler, its Docker directory, its listeners. Disposing the panel frees them all. */
export class PowerViewSession {
  private readonly sampler: ProcessSampler;
  private directory: ContainerDirectory | undefined;
  private readonly subs: vscode.Disposable[] = [];
  private lastSampleTime = 0;
  private busy = false;
  private promRows: { url: string; rows: PrometheusRows } | undefined;
  private keplerRows: { key: string; rows: KeplerRows } | undefined;
  private lastSnapshot: AttributionSnapshot | undefined;
  private kepler: KeplerPower | undefined;
  private keplerBusy = false;
  private keplerAskedAt = 0;
  private keplerGeneration: number | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly host: PowerViewHost,
    private prefsNow: ViewPrefs,
    onDisposed: () => void,
  ) {
    const settings = host.config.settings;
    this.sampler = new ProcessSampler({ model: settings['attribution.model'], topN: prefsNow.topN, groupByName: prefsNow.groupByName });
    panel.webview.html = bundlePage(panel.webview, host.extensionUri, 'powerView', 'OptiVolt Power');
    const holding = host.demand.acquire('powerView');
    void this.startDocker();
    // Read on a timer, not on the power samples: with no node chosen the status bar may have no power to sample, and
    // the tree is how the view offers the nodes.
    const keplerTimer = setInterval(() => void this.readKepler(), KEPLER_POLL_MS);
    this.subs.push(
      { dispose: () => clearInterval(keplerTimer) },
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      host.monitor.onStatus((s) => this.onStatus(s)),
      panel.onDidChangeViewState(() => {
        // Hidden: no /proc scanning. The next interval after showing again starts a fresh baseline.
        if (!panel.visible) this.sampler.restart();
      }),
      panel.onDidDispose(() => {
        for (const d of this.subs) d.dispose();
        this.sampler.dispose();
        this.directory?.dispose();
        holding.dispose();
        onDisposed();
      }),
    );
  }

  /** Sends the whole state again (the currency or prices changed: samples do not carry them). */
  refresh(): void {
    this.post(this.fullState());
  }

  /** Applies a changed attribution model setting. */
  setModel(model: OptiVoltSettings['attribution.model']): void {
    this.sampler.setOptions({ model });
  }

  private async startDocker(): Promise<void> {
    let docker: DockerApi | undefined;
    try {
      const Docker = loadDockerode(); // its own bundle, loaded only when the view opens
      docker = new Docker();
    } catch (err) {
      this.host.log.warn(`dockerode unavailable: ${errorMessage(err)}`);
    }
    this.directory = new ContainerDirectory(docker, (m) => this.host.log.info(m));
    this.sampler.setDirectory(this.directory);
    await this.directory.start();
  }

  private receive(raw: unknown): void {
    const msg: FromWebview | undefined = parseFromWebview(raw);
    if (!msg) {
      this.host.log.warn(`Power view sent an invalid message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.post(this.fullState());
        void this.readKepler(true);
        return;
      case 'kepler/chooseNode':
        void vscode.workspace
          .getConfiguration('optivolt')
          .update('kepler.node', msg.node, vscode.ConfigurationTarget.Global)
          .then(
            () => this.readKepler(true),
            (err: unknown) => this.host.log.error(`Could not set optivolt.kepler.node: ${errorMessage(err)}`),
          );
        return;
      case 'view/setPrefs':
        this.prefsNow = { ...this.prefsNow, ...msg.prefs };
        this.sampler.setOptions({ topN: this.prefsNow.topN, groupByName: this.prefsNow.groupByName });
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  private fullState(): ToWebview {
    const s = this.host.config.settings;
    return {
      type: 'state/full',
      history: this.host.history.all(),
      ...(this.lastSnapshot ? { snapshot: this.lastSnapshot } : {}),
      prefs: this.prefsNow,
      lastHour: this.host.history.lastHour(s.costPerKWh, s.carbonIntensity),
      currency: s.currency,
      ...(this.kepler ? { kepler: this.kepler } : {}),
    };
  }

  /** Kepler's tree from the configured engine, with its credentials; an engine without Kepler (or none) shows none. */
  private async readKepler(force = false): Promise<void> {
    if (this.keplerBusy || !this.panel.visible) return;
    // A new URL, token, header or CA (the generation) is asked at once.
    const generation = this.host.prometheus?.generation;
    const waiting = this.kepler === undefined && Date.now() - this.keplerAskedAt < NO_KEPLER_POLL_MS;
    if (!force && waiting && generation === this.keplerGeneration) return;
    this.keplerAskedAt = Date.now();
    this.keplerGeneration = generation;
    this.keplerBusy = true;
    const s = this.host.config.settings;
    let next: KeplerPower | undefined;
    try {
      const client = this.host.prometheus?.client() ?? new PrometheusClient(s['prometheus.url']);
      const tree = await keplerTree(client, s['kepler.zone'] || undefined);
      next = tree && keplerPowerView(tree, s['kepler.node']);
    } catch {
      next = undefined; // unreachable or refused: the status bar says why; the tree just is not shown
    } finally {
      this.keplerBusy = false;
    }
    if (next === undefined && this.kepler === undefined) return;
    this.kepler = next;
    if (!this.prefsNow.paused) this.post({ type: 'kepler/tree', ...(next ? { kepler: next } : {}) });
  }

  /** Kepler's tree as last read (the host tests check it against the DOM). */
  get keplerPower(): KeplerPower | undefined {
    return this.kepler;
  }

  private onStatus(status: PowerStatus): void {
    const last = status.last;
    if (!last || status.state !== 'live' || last.time === this.lastSampleTime || !this.panel.visible || this.busy) return;
    this.lastSampleTime = last.time;
    this.busy = true;
    void this.attribute(last)
      .catch((err: unknown) => this.host.log.error(`Process attribution failed: ${errorMessage(err)}`))
      .finally(() => (this.busy = false));
  }

  /** Rows from Prometheus when the power comes from there (the stack runs), else from our /proc sampler. */
  private async attribute(last: NonNullable<PowerStatus['last']>): Promise<void> {
    const s = this.host.config.settings;
    let snapshot: AttributionSnapshot | undefined;
    if (last.source === 'prometheus' && s['kepler.node']) {
      // Kepler's node: its containers (namespace/pod/container) and processes, in the status bar's zone. A new URL,
      // token, header or CA means a new client: the generation says when.
      const key = `${s['prometheus.url']}#${this.host.prometheus?.generation ?? 0} ${s['kepler.node']} ${s['kepler.zone']}`;
      if (this.keplerRows?.key !== key) {
        const client = this.host.prometheus?.client() ?? new PrometheusClient(s['prometheus.url']);
        this.keplerRows = { key, rows: new KeplerRows(client, s['kepler.node'], s['kepler.zone']) };
      }
      snapshot = await this.keplerRows.rows.sample(last, this.prefsNow.topN);
    } else if (last.source === 'prometheus') {
      // A new URL, token, header or CA means a new client: the generation says when.
      const url = `${s['prometheus.url']}#${this.host.prometheus?.generation ?? 0}`;
      if (this.promRows?.url !== url) {
        this.promRows = { url, rows: new PrometheusRows(this.host.prometheus?.client() ?? new PrometheusClient(s['prometheus.url'])) };
      }
      snapshot = await this.promRows.rows.sample(last, this.prefsNow.topN, this.prefsNow.groupByName, s['attribution.model']);
    } else {
      snapshot = this.sampler.sample(last);
    }
    if (!snapshot) return;
    this.lastSnapshot = snapshot;
    this.host.history.setCpu(last.time, snapshot.hostCpu);
    if (this.prefsNow.paused) return;
    this.post({
      type: 'power/sample',
      point: { t: last.time, watts: last.watts, zones: last.zones },
      snapshot,
      lastHour: this.host.history.lastHour(s.costPerKWh, s.carbonIntensity),
    });
  }

  /** The view's current preferences (window, top N, unit ...), as the webview last set them. */
  get prefs(): ViewPrefs {
    return this.prefsNow;
  }

  get snapshot(): AttributionSnapshot | undefined {
    return this.lastSnapshot;
  }

  private post(msg: ToWebview): void {
    this.host.onPosted?.(this);
    void this.panel.webview.postMessage(msg);
  }
}
