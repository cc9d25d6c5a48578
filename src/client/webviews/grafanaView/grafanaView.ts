import { promptSecret } from '../../secretPrompt';
import { createHash } from 'node:crypto';
import * as vscode from 'vscode';
import { registerPanelSerializer } from '../panelRestore';
import { bundleOptions } from '../webviewHtml';
import { GrafanaClient } from '../../../core/grafana/api';
import { GrafanaProxy } from '../../../core/grafana/proxy';
import { grafanaBaseUrl } from '../../../core/grafana/url';
import type { OptiVoltSettings } from '../../../core/settings';
import { DEFAULT_VIEW_STATE, GrafanaViewState, parseViewState } from '../../../shared/webviews/grafanaViewProtocol';
import type { SettingsSource } from '../../config';
import { GrafanaPanelInfo, GrafanaSession, GrafanaSessionHost, titleOf } from './grafanaSession';
import { errorMessage } from '../../../core/errors';

/** Settings that move Grafana, and the settings its dashboards show (var-*). */
const MOVED = ['grafana.url', 'stack.ports', 'stack.bind'] as const;
const SHOWN = ['costPerKWh', 'currency', 'carbonIntensity'] as const;

export const GRAFANA_VIEW_TYPE = 'optivolt.grafanaView';
/** SecretStorage key of the service-account token (never in settings, logs or the webview). */
export const GRAFANA_TOKEN_KEY = 'optivolt.grafanaToken';

export interface GrafanaViewHost {
  readonly extensionUri: vscode.Uri;
  readonly secrets: vscode.SecretStorage;
  readonly config: SettingsSource;
  readonly log: vscode.LogOutputChannel;
}

export interface GrafanaTestApi {
  panels(): GrafanaPanelInfo[];
  /** The loopback proxy's URL while one runs (a token is set). */
  proxyUrl(): string | undefined;
  /** What the panels wrote to the log, for the token check. */
  logged(): readonly string[];
}

/**
 * "OptiVolt: Open Grafana Dashboard / Panel": any number of panels, each embedding a dashboard (kiosk) or one panel
 * (/d-solo/), restored after a reload by the serializer. Owns the token proxy, started while a panel needs it.
 */
export class GrafanaViewController implements vscode.Disposable, GrafanaSessionHost {
  private readonly sessions = new Set<GrafanaSession>();
  private readonly subs: vscode.Disposable[];
  private proxy: { key: string; proxy: GrafanaProxy; started: Promise<string> } | undefined;
  private token: Promise<string | undefined> | undefined;
  /** What the panels logged, kept only once the host tests' hook is installed (testApi). */
  private logLines: string[] | undefined;

  constructor(private readonly host: GrafanaViewHost) {
    this.subs = [
      registerPanelSerializer(GRAFANA_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const saved = (state as { view?: unknown } | undefined)?.view;
          this.adopt(panel, parseViewState(saved) ?? DEFAULT_VIEW_STATE);
        },
      }),
      vscode.window.onDidChangeActiveColorTheme(() => this.renderAll()),
      host.secrets.onDidChange((e) => {
        if (e.key !== GRAFANA_TOKEN_KEY) return;
        this.token = undefined;
        this.renderAll(true);
      }),
      host.config.onDidChange([...MOVED, ...SHOWN], (e) => this.settingsChanged(e.changed)),
    ];
  }

  /** Log through here: with the test hook installed, the lines are kept for the host test that checks the token never appears. */
  info(message: string): void {
    if (this.logLines) {
      this.logLines.push(message);
      if (this.logLines.length > 200) this.logLines.shift();
    }
    this.host.log.info(message);
  }

  get extensionUri(): vscode.Uri {
    return this.host.extensionUri;
  }

  theme(): 'light' | 'dark' {
    const k = vscode.window.activeColorTheme.kind;
    return k === vscode.ColorThemeKind.Light || k === vscode.ColorThemeKind.HighContrastLight ? 'light' : 'dark';
  }

  prices(): Pick<OptiVoltSettings, 'costPerKWh' | 'currency' | 'carbonIntensity'> {
    return this.host.config.settings;
  }

  /** Grafana itself (optivolt.grafana.url, else the stack's). */
  base(): string {
    return grafanaBaseUrl(this.host.config.settings);
  }

  private getToken(): Promise<string | undefined> {
    this.token ??= Promise.resolve(this.host.secrets.get(GRAFANA_TOKEN_KEY)).then(
      (t) => t?.trim() || undefined,
      () => undefined,
    );
    return this.token;
  }

  async client(): Promise<GrafanaClient> {
    const token = await this.getToken();
    return new GrafanaClient(this.base(), token ? { token } : {});
  }

  /** Where the frame loads Grafana from: the token proxy when a token is set, else Grafana itself. */
  async embedBase(): Promise<{ base: string; proxied: boolean }> {
    const base = this.base();
    const token = await this.getToken();
    if (!token || this.sessions.size === 0) {
      await this.stopProxy();
      return { base, proxied: false };
    }
    // Whether the running proxy still fits: same Grafana, same token (compared by hash, the token is not kept twice).
    const key = `${base} ${createHash('sha256').update(token).digest('hex')}`;
    if (this.proxy?.key !== key) {
      // Swapped synchronously: two panels rendering at once share one proxy.
      const old = this.proxy;
      const proxy = new GrafanaProxy({ target: base, token, log: (m) => this.info(m) });
      this.proxy = { key, proxy, started: proxy.start() };
      if (old) void old.proxy.dispose();
    }
    return { base: await this.proxy.started, proxied: true };
  }

  private async stopProxy(): Promise<void> {
    const p = this.proxy;
    this.proxy = undefined;
    if (p) await p.proxy.dispose();
  }

  /** A loopback URL as the webview's browser reaches it (Remote-SSH port forwarding, code-server's /proxy/<port>/). */
  async external(url: string): Promise<string> {
    return (await vscode.env.asExternalUri(vscode.Uri.parse(url))).toString(true);
  }

  /** Opens a panel; without a view, asks which dashboard (the quick pick starts on OptiVolt's). */
  async openDashboard(arg?: unknown): Promise<void> {
    const view = viewFromArg(arg) ?? (await this.pickDashboard('OptiVolt: Open Grafana Dashboard'));
    if (view) this.open(view);
  }

  /** Asks for a dashboard, then one of its panels, and opens that panel alone. */
  async openPanel(arg?: unknown): Promise<void> {
    const given = viewFromArg(arg);
    if (given?.panelId !== undefined) return this.open(given);
    const dash = given ?? (await this.pickDashboard('OptiVolt: Open Grafana Panel — dashboard'));
    if (!dash) return;
    let info;
    try {
      info = await (await this.client()).dashboard(dash.uid);
    } catch (err) {
      void vscode.window
        .showWarningMessage(`OptiVolt: ${errorMessage(err)}`, 'Start Monitoring')
        .then((a) => a && vscode.commands.executeCommand('optivolt.startMonitoring'));
      return;
    }
    const pick = await vscode.window.showQuickPick(
      info.panels.map((p) => ({ label: p.title, description: [p.section, p.type, `id ${p.id}`].filter(Boolean).join(' · '), id: p.id })),
      { title: `OptiVolt: Open Grafana Panel — ${info.title}`, matchOnDescription: true },
    );
    if (pick) this.open({ ...dash, slug: info.slug, panelId: pick.id, title: `${info.title} › ${pick.label}` });
  }

  private async pickDashboard(title: string): Promise<GrafanaViewState | undefined> {
    type Item = vscode.QuickPickItem & { uid: string; slug?: string };
    let items: Item[];
    try {
      const hits = await (await this.client()).search();
      items = hits
        .sort(
          (a, b) => Number(b.uid === DEFAULT_VIEW_STATE.uid) - Number(a.uid === DEFAULT_VIEW_STATE.uid) || a.title.localeCompare(b.title),
        )
        .map((h) => ({
          label: h.title,
          description: [h.folderTitle, ...h.tags].filter(Boolean).join(' · '),
          uid: h.uid,
          slug: /^\/d\/[^/]+\/([a-z0-9-]+)$/.exec(h.url)?.[1],
        }));
    } catch (err) {
      // Grafana not up (yet): the default dashboard still opens, showing "not running" until Grafana answers.
      items = [{ label: DEFAULT_VIEW_STATE.title ?? DEFAULT_VIEW_STATE.uid, description: errorMessage(err), uid: DEFAULT_VIEW_STATE.uid }];
    }
    const pick = await vscode.window.showQuickPick(items, { title, matchOnDescription: true });
    if (!pick) return undefined;
    return { ...DEFAULT_VIEW_STATE, uid: pick.uid, title: pick.label, ...(pick.slug ? { slug: pick.slug } : {}) };
  }

  open(view: GrafanaViewState): void {
    const panel = vscode.window.createWebviewPanel(
      GRAFANA_VIEW_TYPE,
      titleOf(view),
      vscode.ViewColumn.Active,
      webviewOptions(this.host.extensionUri),
    );
    this.adopt(panel, view);
  }

  private adopt(panel: vscode.WebviewPanel, view: GrafanaViewState): void {
    panel.webview.options = webviewOptions(this.host.extensionUri);
    const session = new GrafanaSession(panel, this, view, () => {
      this.sessions.delete(session);
      if (this.sessions.size === 0) void this.stopProxy();
    });
    this.sessions.add(session);
    void session.render();
  }

  /** Theme, token or settings changed: every panel composes its URL again (`recheck` also polls health at once). */
  renderAll(recheck = false): void {
    for (const s of this.sessions) {
      if (recheck) s.recheck();
      void s.render();
    }
  }

  /** optivolt.grafana.url, stack.ports or stack.bind changed (Grafana moved), or a setting the dashboards show (var-*). */
  private settingsChanged(changed: ReadonlySet<string>): void {
    if (MOVED.some((k) => changed.has(k))) this.renderAll(true);
    else this.renderAll();
  }

  /** "OptiVolt: Set Grafana Token": a service account token for optivolt.grafana.url, kept in SecretStorage. */
  async setToken(arg?: unknown): Promise<void> {
    const done = await promptSecret(
      this.host.secrets,
      GRAFANA_TOKEN_KEY,
      {
        title: 'OptiVolt: Grafana service account token',
        prompt: `For ${this.base()} (Viewer role is enough). Stored in VS Code's secret storage; leave empty to remove it.`,
      },
      arg,
    );
    if (done === undefined) return;
    this.token = undefined;
    this.info(done === 'removed' ? 'Grafana token removed.' : 'Grafana token stored in the secret storage.');
    this.renderAll(true);
  }

  /** Whether the panels keep what they post (for the host tests, see testApi). */
  get recording(): boolean {
    return this.logLines !== undefined;
  }

  /** The host tests' view; installing it starts recording the log lines and the messages posted (ExtensionMode.Test only). */
  testApi(): GrafanaTestApi {
    this.logLines ??= [];
    return {
      panels: () => [...this.sessions].map((s) => s.info()),
      proxyUrl: () => (this.proxy ? this.proxy.proxy.url : undefined),
      logged: () => [...(this.logLines ?? [])],
    };
  }

  dispose(): void {
    for (const s of [...this.sessions]) s.panel.dispose();
    for (const d of this.subs) d.dispose();
    void this.stopProxy();
  }
}

/** A command's argument: a uid, a view state, or the Stack view's Grafana node (= the default dashboard). */
function viewFromArg(arg: unknown): GrafanaViewState | undefined {
  if (typeof arg === 'string') return parseViewState({ uid: arg });
  if (arg && typeof arg === 'object' && 'status' in arg) return DEFAULT_VIEW_STATE;
  return arg && typeof arg === 'object' && 'uid' in arg ? parseViewState(arg) : undefined;
}

function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  // retainContextWhenHidden: Grafana is a heavy single-page app; reloading it at each tab switch costs seconds.
  return bundleOptions(extensionUri, true);
}
