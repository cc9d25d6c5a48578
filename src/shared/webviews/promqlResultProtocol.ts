// The PromQL Result view's message protocol, imported by both ends (src/client/webviews/promqlResult/promqlResult.ts
// and media/promqlResult/promqlResult.ts); the results it carries are in ../queryResult.ts.
// Types and tiny type guards only: no Node built-ins, no vscode.
import { isObj } from '../guards';
import type { ChartSeries, QueryErrorInfo, QueryOutcome, ResultRow } from '../queryResult';

/** Host -> webview. Each run has a requestId; a reply for an older run than the last one shown is ignored. */
export type ToWebview =
  | { readonly type: 'query/running'; readonly requestId: number; readonly query: string; readonly url: string }
  | { readonly type: 'query/result'; readonly requestId: number; readonly outcome: QueryOutcome }
  | { readonly type: 'query/error'; readonly requestId: number; readonly query: string; readonly error: QueryErrorInfo };

/** Webview -> host. */
export type FromWebview =
  /** The page loaded: the host answers with the last message of the latest run (the full state). */
  | { readonly type: 'ready' }
  /** The "Run again" button: runs the shown query again. */
  | { readonly type: 'query/rerun' }
  /** The "Start Monitoring" button of the unreachable message. */
  | { readonly type: 'stack/start' }
  /** The parse error's position was clicked: the host reveals it in the query's document. */
  | { readonly type: 'query/revealError' };

/** Validates a message from the webview (it is untrusted input). Returns undefined for anything malformed. */
export function parseFromWebview(msg: unknown): FromWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
    case 'query/rerun':
    case 'stack/start':
    case 'query/revealError':
      return { type: msg.type };
    default:
      return undefined;
  }
}

const isRow = (v: unknown): v is ResultRow => isObj(v) && isObj(v.labels) && typeof v.value === 'string';
const isSeries = (v: unknown): v is ChartSeries => isObj(v) && isObj(v.labels) && Array.isArray(v.values);

/** Checks a host message's type and the shape of what the webview's renderers index into. */
export function parseToWebview(msg: unknown): ToWebview | undefined {
  if (!isObj(msg) || typeof msg.requestId !== 'number') return undefined;
  switch (msg.type) {
    case 'query/running':
      return typeof msg.query === 'string' && typeof msg.url === 'string' ? (msg as unknown as ToWebview) : undefined;
    case 'query/result': {
      const o = msg.outcome;
      if (!isObj(o) || typeof o.query !== 'string' || !isObj(o.instant)) return undefined;
      const i = o.instant;
      if (typeof i.time !== 'number' || !Array.isArray(i.rows) || !i.rows.every(isRow)) return undefined;
      const r = o.range;
      if (r !== undefined && !(isObj(r) && Array.isArray(r.times) && Array.isArray(r.series) && r.series.every(isSeries))) return undefined;
      return msg as unknown as ToWebview;
    }
    case 'query/error':
      return typeof msg.query === 'string' && isObj(msg.error) && typeof msg.error.message === 'string'
        ? (msg as unknown as ToWebview)
        : undefined;
    default:
      return undefined;
  }
}
