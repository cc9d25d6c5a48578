import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { DashboardVariable, GrafanaClient } from '../../../core/grafana/api';
import { frameSource } from '../../../core/grafana/csp';
import { HealthPoller } from '../../../core/grafana/health';
import { grafanaHtml } from '../../../core/grafana/html';
import { makeNonce } from '../../../core/webviewPage';
import { grafanaUrl, settingsVariables } from '../../../core/grafana/url';
import type { OptiVoltSettings } from '../../../core/settings';
import { GrafanaStatus } from '../../../shared/grafana';
import { GrafanaToWebview, GrafanaViewState, parseGrafanaFromWebview } from '../../../shared/webviews/grafanaViewProtocol';
import { errorMessage } from '../../../core/errors';

/** What a panel needs from the controller (./grafanaView.ts). */
export interface GrafanaSessionHost {
  readonly extensionUri: vscode.Uri;
  theme(): 'light' | 'dark';
  /** Grafana itself. */
  base(): string;
  client(): Promise<GrafanaClient>;
  /** Where the frame loads Grafana from (the token proxy or Grafana). */
  embedBase(): Promise<{ base: string; proxied: boolean }>;
  external(url: string): Promise<string>;
  info(message: string): void;
  /** Keep the messages posted (the host tests' hook is installed). */
  readonly recording: boolean;
  /** The price and carbon settings the dashboards' `cost` / `currency` / `carbon` variables are set from. */
  prices(): Pick<OptiVoltSettings, 'costPerKWh' | 'currency' | 'carbonIntensity'>;
}

/** One open panel as the host tests see it. */
export interface GrafanaPanelInfo {
  readonly view: GrafanaViewState;
  readonly src: string;
  readonly frameSrc: string | undefined;
  readonly status: GrafanaStatus;
  readonly theme: 'light' | 'dark';
  readonly visible: boolean;
  readonly html: string;
  /** The last messages posted to the webview, as JSON (recorded only with the host tests' hook installed). */
  readonly posted: readonly string[];
}

export function titleOf(view: GrafanaViewState): string {
  return `Grafana: ${view.title ?? view.uid}`;
}

/** One panel: its URL, its health poll (only while visible), its listeners. Disposing the panel frees them. */
export class GrafanaSession {
  private view: GrafanaViewState;
  private src = '';
  private frameSrc: string | undefined;
  private html = '';
  private ready = false;
  private renders = 0;
  private disposed = false;
  private readonly poller: HealthPoller;
  private readonly subs: vscode.Disposable[] = [];
  private readonly posted: string[] = [];
  /** The dashboard's variables, read once from Grafana (undefined until Grafana has answered). */
  private variables: readonly DashboardVariable[] | undefined;

  constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly ctl: GrafanaSessionHost,
    view: GrafanaViewState,
    onDisposed: () => void,
  ) {
    this.view = view;
    panel.title = titleOf(view);
    panel.iconPath = new vscode.ThemeIcon('graph');
    this.poller = new HealthPoller({
      check: async () => {
        const h = await (await ctl.client()).health();
        if (!h.ok) throw new Error(`Grafana at ${ctl.base()} answers, but its database is "${h.database ?? 'unknown'}".`);
      },
      onChange: (status, message) => {
        ctl.info(`Grafana panel "${view.uid}": Grafana at ${ctl.base()} is ${status === 'up' ? 'up' : `down (${message ?? ''})`}.`);
        this.post({ type: 'grafana/status', status, ...(message ? { message } : {}) });
        // Opened while Grafana was down: the dashboard's variables are known only now, so the URL gets its var-* now.
        if (status === 'up' && this.variables === undefined) void this.render();
      },
    });
    this.subs.push(
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      panel.onDidChangeViewState(() => (panel.visible ? this.poller.start() : this.poller.stop())),
      panel.onDidDispose(() => {
        this.disposed = true;
        this.poller.stop();
        for (const d of this.subs) d.dispose();
        onDisposed();
      }),
    );
    if (panel.visible) this.poller.start();
  }

  /** Grafana moved or the token changed: poll health now, and read the dashboard's variables again at the next render. */
  recheck(): void {
    this.variables = undefined;
    this.poller.checkNow();
  }

  /** Composes the frame's URL; sets the HTML again only when the frame's origin (hence the CSP) changes. */
  async render(): Promise<void> {
    const n = ++this.renders;
    let src: string;
    let proxied: boolean;
    try {
      const embed = await this.ctl.embedBase();
      proxied = embed.proxied;
      src = await this.ctl.external(await this.viewUrl(embed.base, true));
    } catch (err) {
      this.ctl.info(`Grafana panel "${this.view.uid}": ${errorMessage(err)}`);
      this.post({ type: 'grafana/status', status: 'down', message: errorMessage(err) });
      return;
    }
    if (n !== this.renders || this.disposed) return;
    const changed = src !== this.src;
    this.src = src;
    const fs = frameSource(src);
    if (fs !== this.frameSrc) {
      this.frameSrc = fs;
      this.ready = false;
      this.ctl.info(
        `Grafana panel "${this.view.uid}${this.view.panelId ? `/${this.view.panelId}` : ''}" from ${this.ctl.base()}${proxied ? " through OptiVolt's token proxy" : ''}; frame source ${fs}.`,
      );
      const webview = this.panel.webview;
      const media = vscode.Uri.joinPath(this.ctl.extensionUri, 'dist', 'media');
      this.html = grafanaHtml({
        cspSource: webview.cspSource,
        nonce: makeNonce((k) => randomBytes(k)),
        scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'grafanaView.js')).toString(),
        styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, 'grafanaView.css')).toString(),
        frameSrc: fs,
        title: titleOf(this.view),
      });
      webview.html = this.html; // the webview answers with `ready`, and gets the show message then
      return;
    }
    if (this.ready && changed) this.postShow();
  }

  /** Which variables the dashboard declares (v1 templating or v2 spec.variables); undefined while Grafana cannot say. */
  private async dashboardVariables(): Promise<readonly DashboardVariable[] | undefined> {
    if (this.variables) return this.variables;
    try {
      this.variables = (await (await this.ctl.client()).dashboard(this.view.uid)).variables;
    } catch (err) {
      this.ctl.info(
        `Grafana panel "${this.view.uid}": its variables are not known yet (${errorMessage(err)}); the dashboard's own defaults apply.`,
      );
    }
    return this.variables;
  }

  private postShow(): void {
    this.post({
      type: 'grafana/show',
      src: this.src,
      view: this.view,
      theme: this.ctl.theme(),
      status: this.poller.status,
      ...(this.poller.message ? { message: this.poller.message } : {}),
    });
  }

  private receive(raw: unknown): void {
    const msg = parseGrafanaFromWebview(raw);
    if (!msg) {
      this.ctl.info(`Grafana panel sent an invalid message: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        if (this.src) this.postShow();
        return;
      case 'grafana/setView':
        this.view = { ...this.view, ...(msg.range ? { range: msg.range } : {}), ...(msg.refresh ? { refresh: msg.refresh } : {}) };
        void this.render();
        return;
      case 'grafana/openExternal':
        void this.openExternal();
        return;
      case 'grafana/startMonitoring':
        void Promise.resolve(vscode.commands.executeCommand('optivolt.startMonitoring')).finally(() => this.poller.checkNow());
        return;
      case 'grafana/checkNow':
        this.poller.checkNow();
        return;
      default: {
        const never: never = msg;
        return never;
      }
    }
  }

  /** This panel's view (dashboard or panel, range, refresh, theme, the user's price variables) on Grafana at `base`. */
  private async viewUrl(base: string, kiosk: boolean): Promise<string> {
    const vars = settingsVariables(this.ctl.prices(), await this.dashboardVariables());
    const v = this.view;
    return grafanaUrl({
      base,
      uid: v.uid,
      slug: v.slug,
      panelId: v.panelId,
      range: v.range,
      refresh: v.refresh,
      theme: this.ctl.theme(),
      ...(kiosk ? {} : { kiosk }),
      vars,
    });
  }

  /** The same view in the user's browser, from Grafana itself (the browser has its own Grafana login, not our proxy). */
  private async openExternal(): Promise<void> {
    await vscode.env.openExternal(vscode.Uri.parse(await this.ctl.external(await this.viewUrl(this.ctl.base(), false))));
  }

  private post(msg: GrafanaToWebview): void {
    if (this.ctl.recording) {
      this.posted.push(JSON.stringify(msg));
      if (this.posted.length > 100) this.posted.shift();
    }
    void this.panel.webview.postMessage(msg);
  }

  info(): GrafanaPanelInfo {
    return {
      view: this.view,
      src: this.src,
      frameSrc: this.frameSrc,
      status: this.poller.status,
      theme: this.ctl.theme(),
      visible: this.panel.visible,
      html: this.html,
      posted: [...this.posted],
    };
  }
}
