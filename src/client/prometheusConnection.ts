// The configured Prometheus-API engine as every reader in the extension reaches it: optivolt.prometheus.url with
// its headers and CA file (settings), and the bearer token kept in SecretStorage ("OptiVolt: Set Prometheus Token").
// Readers ask for a client when they need one, so a new token or setting applies to the next request.
import * as vscode from 'vscode';
import { accessFromSettings, type PrometheusAccess } from '../core/prometheus/access';
import { PrometheusClient } from '../core/prometheus/client';
import type { SettingsSource } from './config';
import { promptSecret } from './secretPrompt';

export const PROMETHEUS_TOKEN_KEY = 'optivolt.prometheusToken';
const ACCESS_SETTINGS = ['prometheus.url', 'prometheus.headers', 'prometheus.caFile'] as const;

export class PrometheusConnection implements vscode.Disposable {
  private token: string | undefined;
  /** Bumped on every change of URL, headers, CA file or token: readers that cache a client compare it. */
  generation = 0;
  /** Resolves once the stored token has been read (activation cannot wait for SecretStorage). */
  readonly ready: Promise<void>;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The token or one of the access settings changed. */
  readonly onDidChange = this.changed.event;
  private readonly subs: vscode.Disposable[];

  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly config: SettingsSource,
    private readonly info: (message: string) => void,
  ) {
    this.ready = this.load();
    this.subs = [
      secrets.onDidChange((e) => {
        if (e.key === PROMETHEUS_TOKEN_KEY) void this.load();
      }),
      config.onDidChange([...ACCESS_SETTINGS], () => this.bump()),
      this.changed,
    ];
  }

  /** The bearer token, when one is stored (for the power source's platform; never shown). */
  get bearer(): string | undefined {
    return this.token;
  }

  access(): PrometheusAccess {
    return accessFromSettings(this.config.settings, this.token);
  }

  /** A client for the configured engine with its credentials. */
  client(timeoutMs?: number): PrometheusClient {
    return new PrometheusClient(this.config.settings['prometheus.url'], undefined, timeoutMs, this.access());
  }

  /** "OptiVolt: Set Prometheus Token": a bearer token for optivolt.prometheus.url, kept in SecretStorage. */
  async setToken(arg?: unknown): Promise<void> {
    const url = this.client().baseUrl;
    const done = await promptSecret(
      this.secrets,
      PROMETHEUS_TOKEN_KEY,
      {
        title: 'OptiVolt: Prometheus bearer token',
        prompt: `Sent as "Authorization: Bearer" to ${url}. Stored in VS Code's secret storage; leave empty to remove it.`,
      },
      arg,
    );
    if (done === undefined) return;
    await this.load();
    this.info(done === 'removed' ? 'Prometheus token removed.' : 'Prometheus token stored in the secret storage.');
  }

  private async load(): Promise<void> {
    const next = (await Promise.resolve(this.secrets.get(PROMETHEUS_TOKEN_KEY)).catch(() => undefined)) || undefined;
    if (next === this.token) return;
    this.token = next;
    this.bump();
  }

  private bump(): void {
    this.generation++;
    this.changed.fire();
  }

  dispose(): void {
    for (const d of this.subs) d.dispose();
  }
}
