// The Grafana panel's Content-Security-Policy: nothing but our nonce'd script, our stylesheet, and frames from
// exactly the Grafana (or proxy) location the panel embeds.

/**
 * The CSP source for the embedded frame: the origin, plus the path prefix when Grafana lives under one (code-server
 * maps loopback URLs to `<code-server>/proxy/<port>/`, and a path keeps the rule from allowing all of code-server).
 */
export function frameSource(embedUrl: string): string {
  const u = new URL(embedUrl);
  const m = /^(\/(?:abs)?proxy\/\d+\/)/.exec(u.pathname);
  // Characters that would end or split a CSP source are never in an origin; keep the path to safe characters.
  const prefix = m ? m[1] : '';
  return `${u.origin}${prefix}`;
}

export interface GrafanaCspOptions {
  /** webview.cspSource: where the panel's own script and stylesheet come from. */
  readonly cspSource: string;
  readonly nonce: string;
  /** frameSource() of the embedded URL; undefined = no frame allowed (e.g. before the URL is known). */
  readonly frameSrc?: string;
}

export function grafanaCsp(o: GrafanaCspOptions): string {
  if (!/^[A-Za-z0-9+/=]{16,}$/.test(o.nonce)) throw new Error('the nonce must be 16+ base64 characters');
  if (o.frameSrc !== undefined && /[\s;,'"]/.test(o.frameSrc)) throw new Error(`not a CSP source: ${o.frameSrc}`);
  return [
    "default-src 'none'",
    `frame-src ${o.frameSrc ?? "'none'"}`,
    `img-src ${o.cspSource} data:`,
    `style-src ${o.cspSource}`,
    `script-src 'nonce-${o.nonce}'`,
    `font-src ${o.cspSource}`,
  ].join('; ');
}
