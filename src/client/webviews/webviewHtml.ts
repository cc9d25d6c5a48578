import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { defaultCsp, makeNonce, webviewPage } from '../../core/webviewPage';

/** Where scripts/build.mjs puts the webview bundles: the only folder our webviews may load from. */
export const mediaRoot = (extensionUri: vscode.Uri): vscode.Uri => vscode.Uri.joinPath(extensionUri, 'dist', 'media');

/** A panel that runs one of our bundles: scripts on, local resources from mediaRoot only. */
export function bundleOptions(
  extensionUri: vscode.Uri,
  retainContextWhenHidden = false,
): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return { enableScripts: true, retainContextWhenHidden, localResourceRoots: [mediaRoot(extensionUri)] };
}

/** The page of a webview whose front end is dist/media/<bundle>.js + .css, under the default strict CSP. */
export function bundlePage(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: string, title: string): string {
  const media = mediaRoot(extensionUri);
  const nonce = makeNonce((n) => randomBytes(n));
  return webviewPage({
    csp: defaultCsp(webview.cspSource, nonce),
    nonce,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, `${bundle}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, `${bundle}.css`)).toString(),
    title,
  });
}
