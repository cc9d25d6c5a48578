// The HTML shell every OptiVolt webview loads: a strict CSP, the stylesheet and one nonce'd script (the front
// end in media/ builds the page). The power view, the PromQL result and the Grafana panel share it.

export interface WebviewPageOptions {
  /** The full Content-Security-Policy; see defaultCsp. */
  readonly csp: string;
  readonly nonce: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly title: string;
}

const escapeAttr = (s: string): string => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

export function webviewPage(o: WebviewPageOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(o.csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${escapeAttr(o.styleUri)}" rel="stylesheet">
<title>${escapeAttr(o.title)}</title>
</head>
<body>
<div id="app" role="main"></div>
<script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}

/** No network, no frames: our own script (by nonce), stylesheet (inline styles for the chart) and fonts. */
export function defaultCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} data:`,
    `style-src ${cspSource} 'unsafe-inline'`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** A nonce for the script tag: 24 random bytes, base64 (the caller passes a CSPRNG). */
export function makeNonce(randomBytes: (n: number) => Uint8Array): string {
  return Buffer.from(randomBytes(24)).toString('base64');
}
