import * as net from 'node:net';
import { Exporter, ExporterError } from '../core/exporter/exporter';
import { formatWatts } from '../core/energy/cost';
import { readSettings } from '../core/settings';
import { inFlags, numberOrText, parseFlags, refuseInvalid, UsageError } from './flags';
import { onOutputClosed } from './output';
import { errorMessage } from '../core/errors';

export const EXPORTER_USAGE = `Usage: optivolt exporter [options]

Serves Scaphandre-compatible power metrics (scaph_*) for Prometheus at /metrics, from RAPL or, where there is
none, the labelled CPU-load estimate (value_source="estimate").

Options:
  --bind ADDRESS            address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface, with a
                            warning: anyone who can reach it reads every busy process's command line)
  --port PORT               port (default 8080, Scaphandre's)
  --source auto|rapl|estimate
                            rapl or estimate: exit 1 at once when it gives no power; once it has, a later failure
                            is logged once and the power series are left out until it works again
  --top N|all               process series per scrape: every live process like Scaphandre (all, the default),
                            or only the top N by power, to bound the series count on hosts with many processes
  --interval MS             sampling interval, 500-60000 (default 1000)
  --max-connections N       connections open at once (default 512, at most a quarter of the fd limit)
  --no-redact-cmdline       publish command lines as they are: by default the values of secret-looking arguments
                            (--password=…, --token …, DB_PASSWORD=…, Authorization: Bearer …, user:pass@ in URLs;
                            names with password, passwd, secret, token, api-key, access-key, private-key,
                            credential, auth, bearer) read <redacted> in the cmdline label
  --powercap-root DIR, --proc-root DIR
  -h, --help                this help`;

export async function runExporter(argv: string[]): Promise<number> {
  const v = parseFlags(argv, {
    bind: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '8080' },
    source: { type: 'string' },
    top: { type: 'string', default: 'all' },
    interval: { type: 'string' },
    'powercap-root': { type: 'string' },
    'proc-root': { type: 'string' },
    'max-connections': { type: 'string' },
    'no-redact-cmdline': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  }).values;
  if (v.help) {
    process.stdout.write(`${EXPORTER_USAGE}\n`);
    return 0;
  }
  if ((v.bind ?? '').trim() === '') {
    // Node takes an empty host as "every interface": refuse rather than expose the exporter by accident.
    throw new UsageError(
      '--bind needs an address (an empty one would listen on every interface): 127.0.0.1, or 0.0.0.0 / :: to mean every interface',
    );
  }
  // A host name would be looked up (and fail with a resolver's stack trace, or bind wherever it resolves to).
  if (net.isIP(v.bind ?? '') === 0)
    throw new UsageError(`--bind must be an IP address such as 127.0.0.1, or 0.0.0.0 / :: for every interface (got "${v.bind}")`);
  const maxConnections = v['max-connections'] === undefined ? undefined : Number(v['max-connections']);
  if (maxConnections !== undefined && (!/^\d+$/.test(v['max-connections'] ?? '') || maxConnections < 1 || maxConnections > 100000)) {
    throw new UsageError(`--max-connections must be 1-100000 (got "${v['max-connections']}")`);
  }
  const port = Number(v.port);
  if (!/^\d+$/.test(v.port ?? '') || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535 (got "${v.port}")`);
  const top = v.top === 'all' ? 0 : Number(v.top);
  if (v.top !== 'all' && (!/^\d+$/.test(v.top ?? '') || top < 1 || top > 100000))
    throw new UsageError(`--top must be all or 1-100000 (got "${v.top}")`);
  if (v.source !== undefined && !['auto', 'rapl', 'estimate'].includes(v.source)) {
    throw new UsageError(`--source must be auto, rapl or estimate (got "${v.source}")`);
  }
  const overrides: Record<string, unknown> = {
    'power.source': v.source,
    'power.powercapRoot': v['powercap-root'],
    refreshInterval: numberOrText(v.interval) ?? 1000,
  };
  const { settings, invalid } = readSettings((k) => overrides[k]);
  refuseInvalid(invalid);
  const logged: string[] = [];
  const exporter = new Exporter({
    bind: v.bind ?? '127.0.0.1',
    port,
    top,
    settings,
    procRoot: v['proc-root'],
    redactCmdline: !v['no-redact-cmdline'],
    limits: maxConnections === undefined ? undefined : { maxConnections },
    log: (m) => {
      if (logged.push(m) > 20) logged.shift(); // only the recent ones are compared
      process.stderr.write(`optivolt: ${inFlags(m)}\n`);
    },
  });
  let url: string;
  try {
    url = await exporter.start();
  } catch (err) {
    // ExporterError is worded for users; anything else from listen() still gets one line, not a stack trace.
    process.stderr.write(
      `optivolt: ${err instanceof ExporterError ? err.message : `cannot listen on ${v.bind} port ${port}: ${errorMessage(err)}`}\n`,
    );
    return 1;
  }
  process.stderr.write(`optivolt: exporter serving ${url}\n`);
  const chosen = settings['power.source'] !== 'auto';
  let announced = '';
  let failure = '';
  let ended: (code: number) => void = () => undefined;
  const end = new Promise<number>((resolve) => (ended = resolve));
  const check = (): void => {
    const st = exporter.status;
    // Once per distinct reason: a source that stays broken would otherwise fill the log with a line a second.
    const why = st.state === 'error' ? exporter.explain(st.reason) : '';
    // 'error' is a source that never gave power: one chosen with --source then ends the exporter at once, as
    // `sample` does, rather than serving no power forever. (A source that worked and then failed is 'stale'.)
    if (why && chosen) {
      // The exporter's own log may have said it already, in the same words.
      if (!logged.some((m) => m.includes(why))) process.stderr.write(`optivolt: no power source: ${why}\n`);
      process.stderr.write(
        `optivolt: no power source: --source ${settings['power.source']} gives none here, so the exporter stops (--source auto falls back to the estimate)\n`,
      );
      return ended(1);
    }
    if (why && why !== failure) process.stderr.write(`optivolt: no power source: ${why}\n`);
    failure = why;
    if (st.state === 'live' && st.last && st.reason !== announced) {
      announced = st.reason;
      process.stderr.write(
        `optivolt: ${inFlags(st.reason)} Host ${st.last.estimated ? '≈' : ''}${formatWatts(st.last.watts)}${st.last.estimated ? ' (ESTIMATE, value_source="estimate")' : ''}\n`,
      );
    }
  };
  // Often while starting (a failing source is known within one interval), then once a second.
  const fast = setInterval(() => {
    check();
    if (exporter.status.state !== 'starting') clearInterval(fast);
  }, 50);
  const timer = setInterval(check, 1000);
  const stopSignals = (): void => ended(0);
  process.once('SIGINT', stopSignals);
  process.once('SIGTERM', stopSignals);
  // The log's reader went away (`2>&1 | head`): end quietly rather than crash on EPIPE.
  const unguard = onOutputClosed(() => ended(0));
  const code = await end;
  clearInterval(fast);
  clearInterval(timer);
  unguard();
  process.removeListener('SIGINT', stopSignals);
  process.removeListener('SIGTERM', stopSignals);
  await exporter.stop();
  return code;
}
