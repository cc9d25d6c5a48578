// A loopback reverse proxy in front of a user's Grafana that adds `Authorization: Bearer <service-account token>`.
// The webview's iframe loads Grafana from here, so the token stays in the extension host: it is never in the
// webview's HTML, its messages, a URL, a cookie or a log line.
import * as http from 'node:http';
import * as https from 'node:https';
import type * as net from 'node:net';

export interface GrafanaProxyOptions {
  /** Grafana's base URL (origin plus optional sub-path, no trailing slash). */
  readonly target: string;
  readonly token: string;
  /** Diagnostics (never given the token or request headers). */
  readonly log?: (message: string) => void;
}

// RFC 9110 §7.6.1: connection-specific headers are not forwarded by a proxy.
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** Host names the proxy answers to: a page elsewhere reaching 127.0.0.1 through DNS rebinding sends its own host. */
const LOOPBACK_HOST = /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/i;

export class GrafanaProxy {
  private server: http.Server | undefined;
  private readonly target: URL;
  private readonly sockets = new Set<net.Socket>();
  private portNumber = 0;

  constructor(private readonly opts: GrafanaProxyOptions) {
    this.target = new URL(opts.target);
    if (this.target.protocol !== 'http:' && this.target.protocol !== 'https:')
      throw new Error(`Grafana URL must be http(s): ${opts.target}`);
  }

  /** http://127.0.0.1:<port> once started. */
  get url(): string {
    return `http://127.0.0.1:${this.portNumber}`;
  }

  get port(): number {
    return this.portNumber;
  }

  async start(): Promise<string> {
    if (this.server) return this.url;
    const server = http.createServer((req, res) => this.forward(req, res));
    server.on('upgrade', (req, socket: net.Socket, head) => this.upgrade(req, socket, head));
    server.on('connection', (s: net.Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.portNumber = (server.address() as net.AddressInfo).port;
    this.opts.log?.(`Grafana proxy on ${this.url} for ${this.target.origin}`);
    return this.url;
  }

  async dispose(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The request's headers for Grafana: no hop-by-hop headers, our Host and Authorization. */
  private upstreamHeaders(req: http.IncomingMessage, keepUpgrade: boolean): http.OutgoingHttpHeaders {
    const headers: http.OutgoingHttpHeaders = {};
    const named = (req.headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    for (const [k, v] of Object.entries(req.headers)) {
      const key = k.toLowerCase();
      // Our own Host and Authorization below; no cookies: a Grafana login of the same browser would compete with the token.
      if (v === undefined || key === 'host' || key === 'authorization' || key === 'cookie') continue;
      if ((HOP_BY_HOP.includes(key) || named.includes(key)) && !(keepUpgrade && (key === 'upgrade' || key === 'connection'))) continue;
      headers[key] = v;
    }
    // Grafana's CSRF check compares Origin with its own host: the webview's origin would fail it, and with a
    // token (not a session cookie) there is no cross-site request to protect against.
    delete headers.origin;
    headers.host = this.target.host;
    headers.authorization = `Bearer ${this.opts.token}`;
    return headers;
  }

  private targetPath(reqUrl: string | undefined): string {
    const base = this.target.pathname.replace(/\/+$/, '');
    return `${base}${reqUrl && reqUrl.startsWith('/') ? reqUrl : `/${reqUrl ?? ''}`}`;
  }

  private allowed(req: http.IncomingMessage): boolean {
    return LOOPBACK_HOST.test(req.headers.host ?? '');
  }

  private forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    if (!this.allowed(req)) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request');
      return;
    }
    const upstream = this.upstreamRequest(req, false);
    upstream.once('response', (up) => {
      res.writeHead(up.statusCode ?? 502, up.statusMessage, this.downstreamHeaders(up));
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      this.opts.log?.(`Grafana proxy: ${req.method} ${(req.url ?? '').split('?')[0]} failed: ${err.message}`);
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'text/plain' }).end(`Grafana at ${this.target.origin} does not answer.`);
      else res.destroy();
    });
    req.pipe(upstream);
  }

  /** The webview's request as Grafana gets it: same method, the target's path, headers rewritten (upgrade: a WebSocket). */
  private upstreamRequest(req: http.IncomingMessage, upgrade: boolean): http.ClientRequest {
    const client = this.target.protocol === 'https:' ? https : http;
    return client.request({
      protocol: this.target.protocol,
      hostname: this.target.hostname.replace(/^\[|\]$/g, ''),
      port: this.target.port || undefined,
      method: req.method,
      path: this.targetPath(req.url),
      headers: this.upstreamHeaders(req, upgrade),
    });
  }

  /** Grafana's response headers for the webview's frame. */
  private downstreamHeaders(up: http.IncomingMessage): http.OutgoingHttpHeaders {
    const out: http.OutgoingHttpHeaders = {};
    const named = (up.headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean);
    for (const [k, v] of Object.entries(up.headers)) {
      const key = k.toLowerCase();
      if (v === undefined || HOP_BY_HOP.includes(key) || named.includes(key)) continue;
      // A Grafana without allow_embedding sends X-Frame-Options: deny, and the browser would refuse to show it in
      // the panel. This proxy only answers loopback requests and the panel is the page that frames it, so the
      // header protects nothing here; it is dropped rather than asking users to reconfigure their Grafana.
      if (key === 'x-frame-options') continue;
      if (key === 'content-security-policy' && typeof v === 'string') {
        const kept = withoutFrameAncestors(v);
        if (kept) out[key] = kept;
        continue;
      }
      // Grafana redirects (login, slug fixes) to its own absolute URL: keep the frame on the proxy.
      if (key === 'location' && typeof v === 'string') {
        out[key] = this.relativeLocation(v);
        continue;
      }
      out[key] = v;
    }
    return out;
  }

  private relativeLocation(location: string): string {
    try {
      const u = new URL(location, this.target);
      const base = this.target.pathname.replace(/\/+$/, '');
      if (u.origin !== this.target.origin || !u.pathname.startsWith(base)) return location;
      return `${u.pathname.slice(base.length) || '/'}${u.search}${u.hash}`;
    } catch {
      return location;
    }
  }

  /** Grafana Live (/api/live/ws) and any other WebSocket: the same headers, then the two sockets piped together. */
  private upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    if (!this.allowed(req)) {
      socket.end('HTTP/1.1 421 Misdirected Request\r\nConnection: close\r\n\r\n');
      return;
    }
    const upstream = this.upstreamRequest(req, true);
    upstream.on('upgrade', (up, upSocket, upHead) => {
      const lines = [`HTTP/1.1 ${up.statusCode ?? 101} ${up.statusMessage ?? 'Switching Protocols'}`];
      for (let i = 0; i < up.rawHeaders.length; i += 2) lines.push(`${up.rawHeaders[i]}: ${up.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      const close = (): void => {
        socket.destroy();
        upSocket.destroy();
      };
      upSocket.on('error', close).on('close', close);
      socket.on('error', close).on('close', close);
    });
    upstream.on('response', (up) => {
      // No upgrade (e.g. 401, or Live disabled): pass the plain answer on and close.
      socket.write(`HTTP/1.1 ${up.statusCode ?? 502} ${up.statusMessage ?? ''}\r\nConnection: close\r\n\r\n`);
      up.resume();
      socket.end();
    });
    upstream.on('error', () => socket.destroy());
    upstream.end();
  }
}

/** A CSP header without its frame-ancestors directive (see downstreamHeaders); '' when nothing else remains. */
export function withoutFrameAncestors(csp: string): string {
  return csp
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d && !/^frame-ancestors(\s|$)/i.test(d))
    .join('; ');
}
