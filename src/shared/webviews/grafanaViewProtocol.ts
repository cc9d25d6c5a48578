// The Grafana view's message protocol and saved view state, imported by both ends (src/client/webviews/grafanaView/
// and media/grafanaView/grafanaView.ts); Grafana's own terms are in ../grafana.ts.
// Types and tiny type guards only: no Node built-ins, no vscode.
import {
  DEFAULT_DASHBOARD_TITLE,
  DEFAULT_DASHBOARD_UID,
  REFRESH_INTERVALS,
  TIME_RANGES,
  type GrafanaStatus,
  type RefreshInterval,
  type TimeRange,
} from '../grafana';
import { isObj } from '../guards';

/** What one panel shows; saved by the webview (setState) and handed back to the serializer after a reload. */
export interface GrafanaViewState {
  readonly uid: string;
  /** A single panel (`/d-solo/...`) rather than the whole dashboard. */
  readonly panelId?: number;
  readonly range: TimeRange;
  readonly refresh: RefreshInterval;
  /** Dashboard (and panel) title for the tab; cosmetic. */
  readonly title?: string;
  readonly slug?: string;
}

export const DEFAULT_VIEW_STATE: GrafanaViewState = {
  uid: DEFAULT_DASHBOARD_UID,
  range: '15m',
  refresh: '10s',
  title: DEFAULT_DASHBOARD_TITLE,
};

/** Host -> webview. */
export type GrafanaToWebview =
  /** What to embed (answer to `ready`, and after any change of view, theme, URL or token). */
  | {
      readonly type: 'grafana/show';
      /** The iframe's src: already through asExternalUri, pointing at Grafana or OptiVolt's loopback proxy. */
      readonly src: string;
      readonly view: GrafanaViewState;
      readonly theme: 'light' | 'dark';
      readonly status: GrafanaStatus;
      /** Shown with the "not running" state, e.g. "http://127.0.0.1:3000 does not answer". */
      readonly message?: string;
    }
  /** Reachability changed (the /api/health poll). */
  | { readonly type: 'grafana/status'; readonly status: GrafanaStatus; readonly message?: string };

/** Webview -> host. */
export type GrafanaFromWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'grafana/setView'; readonly range?: TimeRange; readonly refresh?: RefreshInterval }
  | { readonly type: 'grafana/openExternal' }
  | { readonly type: 'grafana/startMonitoring' }
  /** "Refresh now" while Grafana is down: check /api/health at once. */
  | { readonly type: 'grafana/checkNow' };

const isRange = (v: unknown): v is TimeRange => (TIME_RANGES as readonly unknown[]).includes(v);
const isRefresh = (v: unknown): v is RefreshInterval => (REFRESH_INTERVALS as readonly unknown[]).includes(v);

/** A Grafana uid: letters, digits, '-', '_' (at most 40 characters in Grafana). */
export const isUid = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9_-]{1,40}$/.test(v);
const isPanelId = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 1e9;
const isSlug = (v: unknown): v is string => typeof v === 'string' && /^[a-z0-9-]{0,200}$/.test(v);

/** Validates a message from the webview (untrusted input). */
export function parseGrafanaFromWebview(msg: unknown): GrafanaFromWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
    case 'grafana/openExternal':
    case 'grafana/startMonitoring':
    case 'grafana/checkNow':
      return { type: msg.type };
    case 'grafana/setView': {
      if (msg.range !== undefined && !isRange(msg.range)) return undefined;
      if (msg.refresh !== undefined && !isRefresh(msg.refresh)) return undefined;
      return { type: 'grafana/setView', ...(msg.range ? { range: msg.range } : {}), ...(msg.refresh ? { refresh: msg.refresh } : {}) };
    }
    default:
      return undefined;
  }
}

/** A saved view state (from the serializer or a command argument), over the defaults; undefined when the uid is bad. */
export function parseViewState(value: unknown, base: GrafanaViewState = DEFAULT_VIEW_STATE): GrafanaViewState | undefined {
  if (!isObj(value)) return undefined;
  const uid = value.uid === undefined ? base.uid : value.uid;
  if (!isUid(uid)) return undefined;
  const sameDashboard = uid === base.uid;
  return {
    uid,
    ...(isPanelId(value.panelId) ? { panelId: value.panelId } : {}),
    range: isRange(value.range) ? value.range : base.range,
    refresh: isRefresh(value.refresh) ? value.refresh : base.refresh,
    ...(typeof value.title === 'string' ? { title: value.title.slice(0, 200) } : sameDashboard && base.title ? { title: base.title } : {}),
    ...(isSlug(value.slug) ? { slug: value.slug } : sameDashboard && base.slug ? { slug: base.slug } : {}),
  };
}

/** Minimal checks on a host message (the webview's side of the contract). */
export function parseGrafanaToWebview(msg: unknown): GrafanaToWebview | undefined {
  if (!isObj(msg)) return undefined;
  const status = msg.status === 'checking' || msg.status === 'up' || msg.status === 'down' ? msg.status : undefined;
  const message = typeof msg.message === 'string' ? { message: msg.message } : {};
  switch (msg.type) {
    case 'grafana/show': {
      const view = parseViewState(msg.view);
      if (typeof msg.src !== 'string' || !view || (msg.theme !== 'light' && msg.theme !== 'dark') || !status) return undefined;
      return { type: 'grafana/show', src: msg.src, view, theme: msg.theme, status, ...message };
    }
    case 'grafana/status':
      return status ? { type: 'grafana/status', status, ...message } : undefined;
    default:
      return undefined;
  }
}
