import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PowerSample, PowerStatus, SourceKind } from '../../shared/power';
import type { AttributionModel } from '../../shared/attribution';
import { attribute } from '../attribution/attribute';
import { IntervalSampler } from '../attribution/intervalSampler';
import { PowerMonitor } from '../power/monitor';
import { discoverZones, parseCounter, RaplZone } from '../power/rapl';
import { createSource } from '../power/sources';
import type { OptiVoltSettings } from '../settings';
import { portHolder } from '../net/ports';
import { describeFdExhaustion, fdExhaustion, isFdExhaustion, openFileLimit } from './fdLimit';
import { RedactedCmdlines } from './redactCmdline';
import { ContainerDescription, containerLabels, ExportedProcess, ScaphMetrics, ZoneCounter } from './scaphMetrics';
import { errorMessage } from '../errors';

/** Bounds on what clients can hold: scrapers are few and fast, so anything slow or numerous is a fault or an attack. */
export interface ExporterLimits {
  /** Connections open at once; more are closed as soon as they are accepted. */
  readonly maxConnections: number;
  /** Time for a client to send its request headers (slowloris). */
  readonly headersTimeoutMs: number;
  /** Time for a client to send its whole request. */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection is kept between requests. */
  readonly keepAliveTimeoutMs: number;
  /** A socket with no traffic either way for this long is closed. */
  readonly idleTimeoutMs: number;
}

/**
 * Connections: a handful of scrapers need a few; 512 leaves room for load tests while keeping connections to a
 * quarter of the fd limit (the /proc scanner keeps up to half of it open), so accepting never starves the sampler.
 */
export function defaultLimits(fdLimit = openFileLimit()): ExporterLimits {
  const byFds = fdLimit === undefined || !Number.isFinite(fdLimit) ? 512 : Math.max(8, Math.floor(fdLimit / 4));
  return {
    maxConnections: Math.min(512, byFds),
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 15_000,
    keepAliveTimeoutMs: 5_000,
    idleTimeoutMs: 30_000,
  };
}

/** Loopback addresses: anything else makes every process's command line readable from other machines. */
export function isLoopback(address: string): boolean {
  const a = address
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  return a === 'localhost' || a === '::1' || /^127\.\d+\.\d+\.\d+$/.test(a) || /^::ffff:127\.\d+\.\d+\.\d+$/.test(a);
}

/** The warning for a bind address reachable from elsewhere, or undefined for a loopback one. */
export function bindWarning(address: string): string | undefined {
  if (isLoopback(address)) return undefined;
  const all = ['0.0.0.0', '::', '[::]'].includes(address.trim());
  return `warning: listening on ${all ? 'every interface' : address}: anyone who can reach it reads host power and every busy process's command line (secrets redacted unless --no-redact-cmdline). Bind 127.0.0.1 unless a container or another machine must scrape it.`;
}

export interface ExporterOptions {
  readonly bind: string;
  readonly port: number;
  /**
   * Process series per scrape: 0 = every live process, as Scaphandre lists them (0 W included); N = only the top N
   * by power, to bound the series count on hosts with thousands of processes.
   */
  readonly top: number;
  readonly settings: OptiVoltSettings;
  readonly procRoot?: string;
  /** Docker's view of a container by full id, for Scaphandre's --containers labels; none = no container labels. */
  readonly describeContainer?: (fullId: string) => ContainerDescription | undefined;
  readonly log?: (message: string) => void;
  /**
   * Replace the values of secret-looking arguments in the cmdline label with `<redacted>` (redactCmdline.ts).
   * On unless explicitly false: callers that predate the option (the monitoring stack) get the safe behaviour.
   */
  readonly redactCmdline?: boolean;
  /** Overrides of defaultLimits(). */
  readonly limits?: Partial<ExporterLimits>;
}

/** The sockets and domains Scaphandre would list, from the powercap zones (src/sensors/powercap_rapl.rs@v1.0.3:147-288). */
function zoneIds(zones: readonly RaplZone[]): Array<{ zone: RaplZone; socketId: string; domainId?: string; domainName?: string }> {
  const out: Array<{ zone: RaplZone; socketId: string; domainId?: string; domainName?: string }> = [];
  // Upstream makes sockets out of the sub-zone folders (intel-rapl:N:M) when there are any, else out of the
  // non-psys intel-rapl:N folders; psys is never a socket.
  const subs = zones.filter((z) => z.kind === 'sub');
  const sockets = new Set(
    subs.length ? subs.map((z) => z.id.split(':')[1]) : zones.filter((z) => z.kind === 'package').map((z) => z.id.split(':')[1]),
  );
  for (const z of zones) {
    const [, n, m] = z.id.split(':');
    if (!sockets.has(n) || z.kind === 'psys') continue;
    out.push(m === undefined ? { zone: z, socketId: n } : { zone: z, socketId: n, domainId: m, domainName: z.label.split('/').pop() });
  }
  return out;
}

/**
 * Every response names OptiVolt's exporter and the process serving it: a second VS Code window (another extension
 * host) that finds the port taken can tell OptiVolt's exporter, which it may share, from a stranger it must not.
 */
export const EXPORTER_ID_HEADER = 'X-OptiVolt-Exporter-Pid';

/** An exporter that cannot start, with the reason in words a user can act on. */
export class ExporterError extends Error {
  /** The system error behind it (EADDRNOTAVAIL, EADDRINUSE ...), for callers that explain it further. */
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
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
  private readonly intervals: IntervalSampler;
  private server: http.Server | undefined;
  private lastSampleTime = 0;
  /** Host energy as Scaphandre counts it (psys, else packages + DRAM), integrated from the samples. */
  private joules = 0;
  private zones: ReturnType<typeof zoneIds> | undefined;
  private readonly cmdlines: RedactedCmdlines | undefined;
  readonly limits: ExporterLimits;
  /** The last message logged per topic: a failure that repeats every interval is said once, and again when it changes. */
  private readonly said = new Map<string, string>();

  constructor(private readonly opts: ExporterOptions) {
    const s = opts.settings;
    this.metrics = new ScaphMetrics(opts.procRoot ?? '/proc');
    this.intervals = new IntervalSampler(opts.procRoot ?? '/proc');
    this.cmdlines = opts.redactCmdline === false ? undefined : new RedactedCmdlines();
    this.limits = { ...defaultLimits(), ...opts.limits };
    const auto: SourceKind[] = ['rapl', 'estimate'];
    this.monitor = new PowerMonitor({
      mode: s['power.source'],
      intervalMs: s.refreshInterval,
      autoOrder: auto,
      createSource: (kind, forAuto) => createSource(kind, s, { procRoot: opts.procRoot }, forAuto),
      // Said once until it changes: a source that stays broken reports the same failure every interval.
      log: (level, msg) => level !== 'info' && this.say('monitor', this.explain(msg)),
    });
    this.monitor.onStatus((st) => this.onStatus(st));
  }

  get status(): PowerStatus {
    return this.monitor.snapshot;
  }

  /** Listens and starts sampling. Rejects with an ExporterError naming the port when it is taken. */
  async start(): Promise<string> {
    if (this.opts.settings['power.source'] === 'prometheus') {
      throw new ExporterError(
        'The exporter cannot read its power from Prometheus (it would scrape itself): use --source auto, rapl or estimate.',
      );
    }
    if (this.opts.bind.trim() === '') {
      // Node reads an empty host as "unspecified" and listens on every interface, the opposite of what a user meant.
      throw new ExporterError(
        'No bind address: an empty --bind would listen on every interface. Give 127.0.0.1, or 0.0.0.0 to mean every interface.',
      );
    }
    fdExhaustion(); // reads the fd limit while descriptors are free, for a later EMFILE message
    const lim = this.limits;
    const server = http.createServer(
      {
        headersTimeout: lim.headersTimeoutMs,
        requestTimeout: lim.requestTimeoutMs,
        keepAliveTimeout: lim.keepAliveTimeoutMs,
        // Node checks the two timeouts above only this often (30 s by default, longer than a short headersTimeout).
        connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(lim.headersTimeoutMs / 2))),
      },
      (req, res) => void this.handle(req, res),
    );
    server.maxConnections = lim.maxConnections;
    // Without a listener, a socket that times out is destroyed: what an idle one deserves.
    server.setTimeout(lim.idleTimeoutMs);
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'EADDRINUSE') {
          const who = portHolder(this.opts.port);
          reject(
            new ExporterError(
              `Port ${this.opts.port} on ${this.opts.bind} is already in use${who ? ` by ${who}` : ''}: pick another with --port.`,
            ),
          );
        } else if (err.code === 'EADDRNOTAVAIL')
          reject(new ExporterError(`Cannot bind ${this.opts.bind}: no such local address.`, err.code));
        else if (err.code === 'EACCES') reject(new ExporterError(`Port ${this.opts.port} needs privileges: pick one above 1023.`));
        else reject(err);
      });
      server.listen(this.opts.port, this.opts.bind, () => resolve());
    });
    // After listening, errors come from accept(): at the fd limit libuv reports EMFILE for each refused connection.
    // Unhandled, the second one would crash the exporter; unexplained, it looks like a network fault.
    server.on('error', (err: NodeJS.ErrnoException) => {
      this.say(
        'http',
        isFdExhaustion(err) ? `Cannot accept connections: ${describeFdExhaustion(err)}.` : `HTTP server error: ${err.message}`,
      );
    });
    const warning = bindWarning(this.opts.bind);
    if (warning) this.opts.log?.(warning);
    this.server = server;
    this.monitor.start();
    const a = server.address() as AddressInfo;
    return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`;
  }

  private onStatus(st: PowerStatus): void {
    const last = st.last;
    if (st.state !== 'live' || !last) {
      // The source failed or went stale: serve no host power rather than its last value, frozen.
      if (st.state !== 'live') this.metrics.withdrawPower();
      return;
    }

    if (last.time === this.lastSampleTime) return;
    const dt = this.lastSampleTime > 0 ? Math.max(0, (last.time - this.lastSampleTime) / 1000) : 0;
    this.lastSampleTime = last.time;
    const t0 = process.hrtime.bigint();
    // Scaphandre's host figure is psys, else packages + DRAM (powercap_rapl.rs@v1.0.3 read_record): the RAPL source's
    // total is already that. Its process Watts are shares of it, and the energy counter integrates it.
    const scaph = last;
    this.joules += scaph.watts * dt;
    let processes: ExportedProcess[] | undefined;
    try {
      processes = this.processes(last);
      this.said.delete('attribution');
    } catch (err) {
      this.say('attribution', `Process attribution failed: ${this.explain(errorMessage(err))}`);
    }
    const model = this.opts.settings['attribution.model'] as AttributionModel;
    void this.zoneCounters(last).then((zones) =>
      this.metrics.update(
        scaph,
        processes,
        this.joules,
        Number(process.hrtime.bigint() - t0) / 1e9,
        zones,
        model === 'capacity' ? undefined : model,
      ),
    );
  }

  /**
   * Every live process with Scaphandre's figures (its share of the CPU capacity: scaph_process_*), and the
   * configured OptiVolt model's Watts when that is not Scaphandre's (optivolt_process_power_microwatts).
   */
  private processes(host: PowerSample): ExportedProcess[] | undefined {
    const interval = this.intervals.next(host, 'capacity');
    if (!interval) return undefined;
    const { prev, scan, seconds, attribution } = interval;
    const model = this.opts.settings['attribution.model'] as AttributionModel;
    const own = model === 'capacity' ? undefined : attribute(prev, scan, host.watts, seconds, { model, idleWatts: interval.idleWatts });
    const capacity = new Map(attribution.processes.map((p) => [p.proc.pid, p.capacity]));
    const modelWatts = new Map(own?.processes.map((p) => [p.proc.pid, p.watts]));
    let procs = [...scan.procs.values()];
    if (this.opts.top > 0) {
      procs = procs.sort((a, b) => (capacity.get(b.pid) ?? 0) - (capacity.get(a.pid) ?? 0) || a.pid - b.pid).slice(0, this.opts.top);
    }
    const scanner = this.intervals.scanner;
    this.cmdlines?.trim(scan.procs);
    return procs.map((p) => {
      const id = scanner.identity(p);
      const labels = containerLabels(id.cgroup, this.opts.describeContainer);
      const cmdline = this.cmdlines ? this.cmdlines.get(p.pid, p.start, id.argv) : id.cmdline;
      return { pid: p.pid, exe: id.exe, cmdline, capacity: capacity.get(p.pid) ?? 0, labels, modelWatts: modelWatts.get(p.pid) };
    });
  }

  /** Raw energy_uj of the zones Scaphandre lists as sockets and domains, with their Watts from the sample. */
  private async zoneCounters(sample: PowerSample): Promise<ZoneCounter[]> {
    if (sample.source !== 'rapl') return [];
    try {
      this.zones ??= zoneIds(await discoverZones(this.opts.settings['power.powercapRoot'] || '/sys/class/powercap'));
    } catch {
      return [];
    }
    const out: ZoneCounter[] = [];
    for (const { zone, socketId, domainId, domainName } of this.zones) {
      let energy: number | undefined;
      try {
        energy = parseCounter(fs.readFileSync(zone.energyFile, 'utf8'));
      } catch {
        energy = undefined;
      }
      if (energy === undefined) continue;
      out.push({ socketId, domainId, domainName, energyUj: energy, watts: sample.zones[zone.label] });
    }
    return out;
  }

  /**
   * A failure reason with its real cause when the process is out of file descriptors: the readers report "Cannot
   * read /proc/stat", which sends the user looking at /proc instead of at the fd limit.
   */
  explain(reason: string): string {
    const fds = fdExhaustion();
    return fds ? `${fds} (${reason})` : reason;
  }

  /** Logs a message for a topic once, and again only when it changes. */
  private say(topic: string, message: string): void {
    if (this.said.get(topic) === message) return;
    this.said.set(topic, message);
    this.opts.log?.(message);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = (req.url ?? '/').split('?')[0];
    res.setHeader(EXPORTER_ID_HEADER, String(process.pid));
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
    this.intervals.dispose();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  }
}
