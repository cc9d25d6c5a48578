// Grafana URLs: the base URL from the settings, and dashboard / single-panel URLs with time range, refresh,
// theme and kiosk mode. Plain functions over strings, so both the extension and the tests compose the same URLs.
import type { RefreshInterval, TimeRange } from '../../shared/grafana';

/**
 * The settings (as in OptiVoltSettings) this module reads, declared here: settings.ts validates optivolt.grafana.url
 * with normalizeGrafanaUrl, and importing its types back would make an import cycle.
 */
export interface GrafanaSettings {
  readonly 'grafana.url': string;
  readonly 'stack.bind': string;
  readonly 'stack.ports': Readonly<Record<string, number>>;
  readonly costPerKWh: number;
  readonly currency: string;
  readonly carbonIntensity: number;
}

/** The stack's Grafana host port (stack/docker-compose.yml publishes 3000:3000) unless optivolt.stack.ports overrides it. */
export const STACK_GRAFANA_PORT = 3000;

/**
 * Where Grafana is: optivolt.grafana.url, else the stack's Grafana on the stack's bind address and port. A wildcard
 * bind (0.0.0.0 / ::) is reached through loopback.
 */
export function grafanaBaseUrl(s: Pick<GrafanaSettings, 'grafana.url' | 'stack.bind' | 'stack.ports'>): string {
  const custom = s['grafana.url'].trim();
  if (custom) return normalizeGrafanaUrl(custom);
  const bind = s['stack.bind'];
  const host = bind === '0.0.0.0' ? '127.0.0.1' : bind === '::' ? '[::1]' : bind.includes(':') ? `[${bind}]` : bind;
  return `http://${host}:${s['stack.ports'].grafana ?? STACK_GRAFANA_PORT}`;
}

/** http(s) only, no query or fragment, no credentials, no trailing slash (a sub-path such as /grafana is kept). */
export function normalizeGrafanaUrl(raw: string): string {
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    throw new Error(`"${raw}" is not a URL (expected e.g. http://127.0.0.1:3000)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`must be an http or https URL, not ${u.protocol}`);
  if (u.username || u.password) throw new Error('must not contain a user name or password (use "OptiVolt: Set Grafana Token")');
  if (u.search || u.hash) throw new Error('must not contain a query or fragment');
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
}

export interface GrafanaUrlOptions {
  /** Base URL (origin plus optional sub-path), without a trailing slash. */
  readonly base: string;
  readonly uid: string;
  /** Grafana's slug of the title; Grafana redirects to the canonical one when it is missing or stale. */
  readonly slug?: string;
  /** One panel through /d-solo/ instead of the dashboard. */
  readonly panelId?: number;
  readonly range: TimeRange;
  readonly refresh: RefreshInterval;
  readonly theme: 'light' | 'dark';
  readonly orgId?: number;
  /** Full kiosk mode (no Grafana navigation): the dashboard fills the panel. Ignored for single panels. */
  readonly kiosk?: boolean;
  /** Dashboard variables to set, as Grafana's `var-<name>=<value>` URL parameters (see settingsVariables). */
  readonly vars?: Readonly<Record<string, string>>;
}

/** `/d/<uid>/<slug>?orgId=..&from=now-15m&to=now&refresh=10s&theme=dark&kiosk` or `/d-solo/<uid>/<slug>?..&panelId=N`. */
export function grafanaUrl(o: GrafanaUrlOptions): string {
  const segment = (v: string): string => encodeURIComponent(v);
  const path = `/${o.panelId !== undefined ? 'd-solo' : 'd'}/${segment(o.uid)}${o.slug ? `/${segment(o.slug)}` : ''}`;
  const params = new URLSearchParams();
  params.set('orgId', String(o.orgId ?? 1));
  if (o.panelId !== undefined) params.set('panelId', String(o.panelId));
  params.set('from', `now-${o.range}`);
  params.set('to', 'now');
  if (o.refresh !== 'off') params.set('refresh', o.refresh);
  params.set('theme', o.theme);
  for (const [name, value] of Object.entries(o.vars ?? {})) params.set(`var-${name}`, value);
  // Grafana reads a bare `kiosk` (no value) as full kiosk mode; `kiosk=tv` was removed in Grafana 11.
  const kiosk = o.kiosk !== false && o.panelId === undefined ? '&kiosk' : '';
  return `${o.base.replace(/\/+$/, '')}${path}?${params.toString()}${kiosk}`;
}

/** The dashboards' textbox variables that carry the user's price and carbon settings (stack/grafana/dashboards). */
export const SETTINGS_VARIABLES = ['cost', 'currency', 'carbon'] as const;

/**
 * `var-cost`, `var-currency` and `var-carbon` from optivolt.costPerKWh, optivolt.currency and optivolt.carbonIntensity,
 * for the variables the dashboard declares as textboxes. Only those: Grafana ignores a var-* it does not know, but a
 * foreign dashboard may well have its own `cost` (a query or custom variable, in another unit or currency), and
 * setting it from our settings would silently change that dashboard's figures. Undefined variables (the dashboard
 * could not be read) give no parameters: the dashboard then shows its own defaults, as it did before.
 */
export function settingsVariables(
  s: Pick<GrafanaSettings, 'costPerKWh' | 'currency' | 'carbonIntensity'>,
  declared: ReadonlyArray<{ readonly name: string; readonly type: string }> | undefined,
): Record<string, string> {
  const values: Record<(typeof SETTINGS_VARIABLES)[number], string> = {
    cost: String(s.costPerKWh),
    currency: s.currency,
    carbon: String(s.carbonIntensity),
  };
  const textboxes = new Set((declared ?? []).filter((v) => v.type === 'textbox').map((v) => v.name));
  return Object.fromEntries(SETTINGS_VARIABLES.filter((n) => textboxes.has(n)).map((n) => [n, values[n]]));
}

/** Grafana's slug of a title (its slugify): lower case, runs of other characters become one '-'. */
export function grafanaSlug(title: string): string {
  return title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
