// The power view's message protocol and view preferences, imported by both ends (src/client/webviews/powerView/
// powerView.ts and media/powerView/powerView.ts); what it carries is in ../attribution.ts.
// Types and tiny type guards only: no Node built-ins, no vscode.
import { isObj } from '../guards';
import type { AttributionSnapshot, HostPoint, KeplerPower, LastHour } from '../attribution';

export type WindowMinutes = 5 | 15 | 60;
export const WINDOW_MINUTES: readonly WindowMinutes[] = [5, 15, 60];

export interface ViewPrefs {
  readonly windowMinutes: WindowMinutes;
  readonly paused: boolean;
  /** Top N process rows, or 0 for all. */
  readonly topN: number;
  readonly unit: 'W' | 'mW';
  readonly groupByName: boolean;
}

/** Host -> webview. */
export type ToWebview =
  /** Answer to `ready` (and after a reload): everything the view needs. */
  | {
      readonly type: 'state/full';
      readonly history: readonly HostPoint[];
      readonly snapshot?: AttributionSnapshot;
      readonly prefs: ViewPrefs;
      /** Energy, cost and CO2 over the last hour of history. */
      readonly lastHour: LastHour;
      readonly currency: string;
      /** Kepler's tree when the engine has Kepler series. */
      readonly kepler?: KeplerPower;
    }
  /** Every new sample while not paused. */
  | { readonly type: 'power/sample'; readonly point: HostPoint; readonly snapshot: AttributionSnapshot; readonly lastHour: LastHour }
  /** The view's preferences changed on the host side (e.g. restored). */
  | { readonly type: 'view/prefs'; readonly prefs: ViewPrefs }
  /** Kepler's tree, read every few seconds while the view is visible; absent: the engine has no Kepler (any more). */
  | { readonly type: 'kepler/tree'; readonly kepler?: KeplerPower };

/** Webview -> host. */
export type FromWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'view/setPrefs'; readonly prefs: Partial<ViewPrefs> }
  /** "Show this node": sets optivolt.kepler.node (a Kubernetes node name: at most 253 characters). */
  | { readonly type: 'kepler/chooseNode'; readonly node: string };

/** Validates a message from the webview (it is untrusted input). Returns undefined for anything malformed. */
export function parseFromWebview(msg: unknown): FromWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
      return { type: 'ready' };
    case 'kepler/chooseNode':
      return typeof msg.node === 'string' && msg.node.length > 0 && msg.node.length <= 253
        ? { type: 'kepler/chooseNode', node: msg.node }
        : undefined;
    case 'view/setPrefs': {
      if (!isObj(msg.prefs)) return undefined;
      const p = msg.prefs;
      const out: { -readonly [K in keyof ViewPrefs]?: ViewPrefs[K] } = {};
      if (p.windowMinutes !== undefined) {
        if (!WINDOW_MINUTES.includes(p.windowMinutes as WindowMinutes)) return undefined;
        out.windowMinutes = p.windowMinutes as WindowMinutes;
      }
      if (p.paused !== undefined) {
        if (typeof p.paused !== 'boolean') return undefined;
        out.paused = p.paused;
      }
      if (p.topN !== undefined) {
        if (typeof p.topN !== 'number' || !Number.isInteger(p.topN) || p.topN < 0 || p.topN > 10000) return undefined;
        out.topN = p.topN;
      }
      if (p.unit !== undefined) {
        if (p.unit !== 'W' && p.unit !== 'mW') return undefined;
        out.unit = p.unit;
      }
      if (p.groupByName !== undefined) {
        if (typeof p.groupByName !== 'boolean') return undefined;
        out.groupByName = p.groupByName;
      }
      return { type: 'view/setPrefs', prefs: out };
    }
    default:
      return undefined;
  }
}

export const DEFAULT_PREFS: ViewPrefs = { windowMinutes: 15, paused: false, topN: 25, unit: 'W', groupByName: false };
