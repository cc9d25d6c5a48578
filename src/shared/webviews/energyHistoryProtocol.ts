// The Energy History view's message protocol, imported by both ends (src/client/webviews/energyHistory/energyHistory.ts
// and media/energyHistory/energyHistory.ts). Types and tiny type guards only: no Node built-ins, no vscode.
import { isObj } from '../guards';

/** One commit of a chart: its runs (J) as pushed by the team's CI runners. */
export interface HistoryPointView {
  readonly commit: string;
  readonly branch: string;
  readonly runs: readonly number[];
  readonly meanJoules: number;
}

export interface HistoryChartView {
  /** "test case", or the kind of the session's result (measure, profile, test). */
  readonly kind: string;
  readonly session: string;
  readonly test?: string;
  readonly points: readonly HistoryPointView[];
  /** "regression", "improvement", "no detectable change" or "not enough runs". */
  readonly verdict: string;
  /** The verdict's figures or why there is none, in words. */
  readonly verdictText: string;
}

/** Host -> webview. */
export type ToWebview =
  | { readonly type: 'history/loading'; readonly repository: string; readonly url: string }
  | {
      readonly type: 'history/result';
      readonly repository: string;
      readonly url: string;
      readonly days: number;
      readonly charts: readonly HistoryChartView[];
    }
  | { readonly type: 'history/error'; readonly repository: string; readonly url: string; readonly message: string };

/** Webview -> host. */
export type FromWebview = { readonly type: 'ready' } | { readonly type: 'history/refresh' };

/** Validates a message from the webview (untrusted input). */
export function parseFromWebview(msg: unknown): FromWebview | undefined {
  if (!isObj(msg)) return undefined;
  return msg.type === 'ready' || msg.type === 'history/refresh' ? { type: msg.type } : undefined;
}

/** Validates a message from the host (the webview checks what it renders). */
export function parseToWebview(msg: unknown): ToWebview | undefined {
  if (!isObj(msg) || typeof msg.repository !== 'string' || typeof msg.url !== 'string') return undefined;
  if (msg.type === 'history/loading') return msg as ToWebview;
  if (msg.type === 'history/error' && typeof msg.message === 'string') return msg as ToWebview;
  if (msg.type === 'history/result' && Array.isArray(msg.charts)) return msg as ToWebview;
  return undefined;
}
