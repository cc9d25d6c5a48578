import { parseArgs } from 'node:util';
import { Exporter, ExporterError } from '../core/exporter/exporter';
import { formatWatts } from '../core/energy/cost';
import { readSettings } from '../core/settings';
import { UsageError } from './measure';

export const EXPORTER_USAGE = `Usage: optivolt exporter [options]

Serves Scaphandre-compatible power metrics (scaph_*) for Prometheus at /metrics, from RAPL or, where there is
none, the labelled CPU-load estimate (value_source="estimate").

Options:
  --bind ADDRESS            address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface, with a
                            warning: anyone who can reach it reads every busy process's command line)
  --port PORT               port (default 8080, Scaphandre's)
  --source auto|rapl|estimate
  --top N|all               process series per scrape: every live process like Scaphandre (all, the default),
                            or only the top N by power, to bound the series count on hosts with many processes
  --interval MS             sampling interval, >= 500 (default 1000)
  --max-connections N       connections open at once (default 512, at most a quarter of the fd limit)
  --no-redact-cmdline       publish command lines as they are: by default the values of secret-looking arguments
                            (--password=…, --token …, DB_PASSWORD=…, Authorization: Bearer …, user:pass@ in URLs;
                            names with password, passwd, secret, token, api-key, access-key, private-key,
                            credential, auth, bearer) read <redacted> in the cmdline label
  --powercap-root DIR, --proc-root DIR
  -h, --help                this help`;

export async function runExporter(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
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
      },
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  if (v.help) {
    process.stdout.write(`${EXPORTER_USAGE}\n`);
    return 0;
  }
  if ((v.bind ?? '').trim() === '') {
    // Node takes an empty host as "every interface": refuse rather than expose the exporter by accident.
    throw new UsageError('--bind needs an address (an empty one would listen on every interface): 127.0.0.1, or 0.0.0.0 / :: to mean every interface');
  }
  const maxConnections = v['max-connections'] === undefined ? undefined : Number(v['max-connections']);
  if (maxConnections !== undefined && (!/^\d+$/.test(v['max-connections'] ?? '') || maxConnections < 1 || maxConnections > 100000)) {
    throw new UsageError(`--max-connections must be 1-100000 (got "${v['max-connections']}")`);
  }
  const port = Number(v.port);
  if (!/^\d+$/.test(v.port ?? '') || port < 0 || port > 65535) throw new UsageError(`--port must be 0-65535 (got "${v.port}")`);
  const top = v.top === 'all' ? 0 : Number(v.top);
  if (v.top !== 'all' && (!/^\d+$/.test(v.top ?? '') || top < 1 || top > 100000)) throw new UsageError(`--top must be all or 1-100000 (got "${v.top}")`);
  if (v.source !== undefined && !['auto', 'rapl', 'estimate'].includes(v.source)) {
    throw new UsageError(`--source must be auto, rapl or estimate (got "${v.source}")`);
  }
  const overrides: Record<string, unknown> = {
    'power.source': v.source,
    'power.powercapRoot': v['powercap-root'],
    refreshInterval: v.interval === undefined ? 1000 : /^\d+$/.test(v.interval) ? Number(v.interval) : v.interval,
  };
  const { settings, problems } = readSettings((k) => overrides[k]);
  if (problems.length) throw new UsageError(problems[0].replace(/^optivolt\.refreshInterval/, '--interval'));
  const exporter = new Exporter({
    bind: v.bind ?? '127.0.0.1',
    port,
    top,
    settings,
    procRoot: v['proc-root'],
    redactCmdline: !v['no-redact-cmdline'],
    limits: maxConnections === undefined ? undefined : { maxConnections },
    log: (m) => process.stderr.write(`optivolt: ${m}\n`),
  });
  let url: string;
  try {
    url = await exporter.start();
  } catch (err) {
    if (err instanceof ExporterError) {
      process.stderr.write(`optivolt: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  process.stderr.write(`optivolt: exporter serving ${url}\n`);
  let announced = '';
  let failure = '';
  const timer = setInterval(() => {
    const st = exporter.status;
    // Once per distinct reason: a source that stays broken would otherwise fill the log with a line a second.
    const why = st.state === 'error' ? exporter.explain(st.reason) : '';
    if (why && why !== failure) process.stderr.write(`optivolt: no power source: ${why}\n`);
    failure = why;
    if (st.state === 'live' && st.last && st.reason !== announced) {
      announced = st.reason;
      process.stderr.write(`optivolt: ${st.reason} Host ${st.last.estimated ? '≈' : ''}${formatWatts(st.last.watts)}${st.last.estimated ? ' (ESTIMATE, value_source="estimate")' : ''}\n`);
    }
  }, 1000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(timer);
  await exporter.stop();
  return 0;
}
