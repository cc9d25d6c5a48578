import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import { defaultCsp, makeNonce, webviewPage } from '../../core/webviewPage';

/** The page of a webview whose front end is dist/media/<bundle>.js + .css, under the default strict CSP. */
export function bundlePage(webview: vscode.Webview, extensionUri: vscode.Uri, bundle: string, title: string): string {
  const media = vscode.Uri.joinPath(extensionUri, 'dist', 'media');
  const nonce = makeNonce((n) => randomBytes(n));
  return webviewPage({
    csp: defaultCsp(webview.cspSource, nonce),
    nonce,
    scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(media, `${bundle}.js`)).toString(),
    styleUri: webview.asWebviewUri(vscode.Uri.joinPath(media, `${bundle}.css`)).toString(),
    title,
  });
}
