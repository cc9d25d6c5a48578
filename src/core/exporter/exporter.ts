import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PowerStatus, SourceKind } from '../../shared/power';
import type { AttributionSnapshot } from '../../shared/protocol';
import { ProcessSampler } from '../attribution/processSampler';
import { PowerMonitor } from '../power/monitor';
import { createSource } from '../power/sources';
import type { OptiVoltSettings } from '../settings';
import { ScaphMetrics } from './scaphMetrics';

export interface ExporterOptions {
  readonly bind: string;
  readonly port: number;
  /** Process series per scrape, the top N by power. */
  readonly top: number;
  readonly settings: OptiVoltSettings;
  readonly procRoot?: string;
  readonly log?: (message: string) => void;
}

/** An exporter that cannot start, with the reason in words a user can act on. */
export class ExporterError extends Error {}

/** Who listens on a TCP port, from /proc/net/tcp{,6} and the fds of /proc/<pid> (Linux; best effort). */
export function portHolder(port: number): string | undefined {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set<string>();
    for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of fs.readFileSync(f, 'latin1').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') inodes.add(cols[9]);
      }
    }
    if (inodes.size === 0) return undefined;
    for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m && inodes.has(m[1])) return `pid ${pid} (${fs.readFileSync(`/proc/${pid}/comm`, 'latin1').trim()})`;
        } catch {
          /* raced */
        }
      }
    }
  } catch {
    /* not Linux */
  }
  return undefined;
}

const INDEX = (url: string): string => `<!DOCTYPE html><html><head><meta charset="utf-8"><title>OptiVolt exporter</title></head>
<body><h1>OptiVolt exporter</h1><p>Scaphandre-compatible power metrics: <a href="/metrics">/metrics</a> (${url}).</p></body></html>`;

/**
 * OptiVolt's Scaphandre-compatible exporter: samples host power (RAPL, else the labelled estimate — never
 * Prometheus, which would scrape itself) and attributes it to processes on a timer; /metrics serves the
 * latest sample, so a scrape does no measuring work.
 */
export class Exporter {
  readonly metrics: ScaphMetrics;
  private readonly monitor: PowerMonitor;
  private readonly sampler: ProcessSampler;
  private server: http.Server | undefined;
  private lastSampleTime = 0;
  private snapshot: AttributionSnapshot | undefined;

  constructor(private readonly opts: ExporterOptions) {
    const s = opts.settings;
    this.metrics = new ScaphMetrics(opts.procRoot ?? '/proc');
    const auto: SourceKind[] = ['rapl', 'estimate'];
    this.monitor = new PowerMonitor({
      mode: s['power.source'],
      intervalMs: s.refreshInterval,
      autoOrder: auto,
      createSource: (kind, forAuto) => createSource(kind, s, { procRoot: opts.procRoot }, forAuto),
      log: (level, msg) => level !== 'info' && opts.log?.(msg),
    });
    this.sampler = new ProcessSampler({ model: s['attribution.model'], topN: opts.top, groupByName: false }, undefined, opts.procRoot ?? '/proc');
    this.monitor.onStatus((st) => this.onStatus(st));
  }

  get status(): PowerStatus {
    return this.monitor.snapshot;
  }

  /** Listens and starts sampling. Rejects with an ExporterError naming the port when it is taken. */
  async start(): Promise<string> {
    if (this.opts.settings['power.source'] === 'prometheus') {
      throw new ExporterError('The exporter cannot read its power from Prometheus (it would scrape itself): use --source auto, rapl or estimate.');
    }
    const server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') {
          const who = portHolder(this.opts.port);
          reject(new ExporterError(`Port ${this.opts.port} on ${this.opts.bind} is already in use${who ? ` by ${who}` : ''}: pick another with --port.`));
        } else if (err.code === 'EADDRNOTAVAIL') reject(new ExporterError(`Cannot bind ${this.opts.bind}: no such local address.`));
        else if (err.code === 'EACCES') reject(new ExporterError(`Port ${this.opts.port} needs privileges: pick one above 1023.`));
        else reject(err);
      });
      server.listen(this.opts.port, this.opts.bind, () => resolve());
    });
    this.server = server;
    this.monitor.start();
    const a = server.address() as AddressInfo;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`;
  }

  private onStatus(st: PowerStatus): void {
    const last = st.last;
    if (st.state !== 'live' || !last || last.time === this.lastSampleTime) return;
    this.lastSampleTime = last.time;
    const t0 = process.hrtime.bigint();
    try {
      this.snapshot = this.sampler.sample(last) ?? this.snapshot;
    } catch (err) {
      this.opts.log?.(`Process attribution failed: ${(err as Error).message}`);
    }
    this.metrics.update(last, this.snapshot, st.energyJoules, Number(process.hrtime.bigint() - t0) / 1e9);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    if (url === '/metrics') {
      const { body, contentType } = await this.metrics.exposition();
      res.writeHead(200, { 'Content-Type': contentType }).end(req.method === 'HEAD' ? undefined : body);
    } else if (url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(INDEX('/metrics'));
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found: the metrics are at /metrics\n');
    }
  }

  async stop(): Promise<void> {
    this.monitor.stop();
    this.sampler.dispose();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }
}
