// The Grafana panel's HTML shell: toolbar and frame are built by media/grafanaView/grafanaView.ts; this page only carries the
// CSP, the stylesheet and the nonce'd script. It never contains a token (the proxy holds it) nor the frame's URL.
import { webviewPage } from '../webviewPage';
import { grafanaCsp } from './csp';

export interface GrafanaHtmlOptions {
  readonly cspSource: string;
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  /** frameSource() of what the panel will embed. */
  readonly frameSrc?: string;
  readonly title: string;
}

export function grafanaHtml(o: GrafanaHtmlOptions): string {
  const csp = grafanaCsp({ cspSource: o.cspSource, nonce: o.nonce, ...(o.frameSrc ? { frameSrc: o.frameSrc } : {}) });
  return webviewPage({ csp, nonce: o.nonce, scriptUri: o.scriptUri, styleUri: o.styleUri, title: o.title });
}
