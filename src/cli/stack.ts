import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import Docker from 'dockerode';
import { readSettings } from '../core/settings';
import { StackError } from '../core/stack/composePlan';
import { MonitoringStack, stackOptionsFrom } from '../core/stack/monitoringStack';
import { dockerProblem } from '../core/stack/stackManager';
import { UsageError } from './measure';

export const STACK_USAGE = `Usage: optivolt stack up|down|status|logs SERVICE|restart SERVICE|delete-data [options]

The monitoring stack of stack/docker-compose.yml through the Docker Engine API, as "OptiVolt: Start Monitoring".

Options:
  --services a,b,...        services to run (default: all five)
  --image SERVICE=IMAGE     image override (repeatable)
  --port SERVICE=PORT       host port override (repeatable)
  --bind ADDRESS            host address of every published port (default 127.0.0.1)
  --pull missing|always|never
  --power-exporter auto|scaphandre|optivolt
  --exporter-port PORT      OptiVolt's exporter on the Docker host gateway (default 8080)
  --stack-dir DIR           folder of docker-compose.yml (default: the one shipped with OptiVolt)
  --engine-timeout SECONDS  how long one Docker Engine request may go unanswered (default 10 for the first
                            contact, 60 for each one after; pulls fail only when their progress stops for 5 min)
  -h, --help                this help

The Grafana admin password is generated on first start into ~/.config/optivolt/grafana-password (mode 0600;
a copy that others can read is made private again, with a warning).`;

function pairs(list: string[] | undefined, what: string, number: boolean): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const item of list ?? []) {
    const m = /^([\w-]+)=(.+)$/.exec(item);
    if (!m || (number && !/^\d+$/.test(m[2]))) throw new UsageError(`--${what} must look like SERVICE=${number ? 'PORT' : 'IMAGE'} (got "${item}")`);
    out[m[1]] = number ? Number(m[2]) : m[2];
  }
  return out;
}

/**
 * The CLI keeps the Grafana password in a file only its user can read (VS Code keeps it in SecretStorage). A file
 * that others can read (or write) is made 0600 again with a warning, rather than refused: the file is ours, 0600 is
 * the only sensible mode, refusing would not un-read a password already read, and it would stop unattended runs
 * over something the CLI can fix itself. The warning says the password may have been seen and how to change it.
 * A file the CLI cannot make private (another user's) is refused.
 */
function grafanaPassword(warn: (message: string) => void): string {
  const dir = path.join(process.env.XDG_CONFIG_HOME ?? path.join(os.homedir(), '.config'), 'optivolt');
  const file = path.join(dir, 'grafana-password');
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    fd = undefined;
  }
  if (fd !== undefined) {
    try {
      const mode = fs.fstatSync(fd).mode & 0o777;
      if (mode & 0o077) {
        try {
          fs.fchmodSync(fd, 0o600);
        } catch (err) {
          throw new StackError(
            `The Grafana password file ${file} is readable by others (mode 0${mode.toString(8)}) and cannot be made private (${(err as NodeJS.ErrnoException).code}): chmod 600 it (or remove it), then try again.`,
          );
        }
        warn(
          `the Grafana password file ${file} was readable by others (mode 0${mode.toString(8)}); it is now 0600. ` +
            'Others may have read the password: change it in Grafana (Profile > Change password, or grafana cli admin reset-admin-password) and write the new one into the file.',
        );
      }
      return fs.readFileSync(fd, 'utf8').trim();
    } finally {
      fs.closeSync(fd);
    }
  }
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pw = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, `${pw}\n`, { mode: 0o600 });
  return pw;
}

export async function runStack(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: true,
      options: {
        services: { type: 'string' },
        image: { type: 'string', multiple: true },
        port: { type: 'string', multiple: true },
        bind: { type: 'string' },
        pull: { type: 'string' },
        'power-exporter': { type: 'string' },
        'exporter-port': { type: 'string' },
        'stack-dir': { type: 'string' },
        'engine-timeout': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0]);
  }
  const v = parsed.values;
  const [action, service] = parsed.positionals;
  if (v.help || action === undefined) {
    process.stdout.write(`${STACK_USAGE}\n`);
    return v.help ? 0 : 2;
  }
  if (!['up', 'down', 'status', 'logs', 'restart', 'delete-data'].includes(action)) throw new UsageError(`unknown stack action "${action}" (up, down, status, logs, restart, delete-data)`);
  if ((action === 'logs' || action === 'restart') && !service) throw new UsageError(`optivolt stack ${action} needs a SERVICE`);
  const overrides: Record<string, unknown> = {
    'stack.services': v.services?.split(',').map((x) => x.trim()).filter(Boolean),
    'stack.images': v.image ? pairs(v.image, 'image', false) : undefined,
    'stack.ports': v.port ? pairs(v.port, 'port', true) : undefined,
    'stack.bind': v.bind,
    'stack.pull': v.pull,
    'stack.powerExporter': v['power-exporter'],
    'stack.exporterPort': v['exporter-port'] === undefined ? undefined : Number(v['exporter-port']),
  };
  let engineDeadlines: { pingMs: number; callMs: number } | undefined;
  if (v['engine-timeout'] !== undefined) {
    const sec = Number(v['engine-timeout']);
    if (!(sec > 0) || !Number.isFinite(sec)) throw new UsageError(`--engine-timeout must be a number of seconds above 0 (got "${v['engine-timeout']}")`);
    engineDeadlines = { pingMs: sec * 1000, callMs: sec * 1000 };
  }
  const { settings: s, problems } = readSettings((k) => overrides[k]);
  if (problems.length) throw new UsageError(problems[0].replace(/^optivolt\.stack\./, '--'));
  const docker = new Docker();
  const say = (m: string): boolean => process.stderr.write(`optivolt: ${m}\n`);
  let stack: MonitoringStack;
  try {
    stack = new MonitoringStack({
      docker,
    stackDir: v['stack-dir'] ?? path.resolve(__dirname, '..', 'stack'),
    stateDir: path.join(process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'optivolt', 'stack'),
    ...stackOptionsFrom(s),
      grafanaPassword: action === 'up' ? grafanaPassword(say) : 'unused',
      progress: say,
      engineDeadlines,
    });
  } catch (err) {
    say((err as Error).message);
    return 1;
  }
  try {
    switch (action) {
      case 'up': {
        const r = await stack.start();
        for (const st of r.statuses) process.stdout.write(`${st.service.padEnd(14)} ${st.state.padEnd(8)} ${r.urls[st.service] ?? ''}\n`);
        if (r.powerExporter === 'optivolt') {
          process.stderr.write("optivolt: OptiVolt's exporter serves the stack from this process: keep it running (Ctrl-C stops it; `optivolt stack down` stops the containers).\n");
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
          await stack.stopExporterOnly();
        }
        return 0;
      }
      case 'down':
        process.stdout.write(`${await stack.stop()} containers removed; volumes kept (optivolt stack delete-data removes them).\n`);
        return 0;
      case 'status':
        for (const st of await stack.status()) {
          process.stdout.write(`${st.service.padEnd(14)} ${st.state.padEnd(8)} ${st.health ?? ''} ${st.ports[0] ? `${st.ports[0].hostIp}:${st.ports[0].hostPort}` : ''}\n`);
        }
        return 0;
      case 'logs':
      case 'restart': {
        const st = (await stack.status()).find((x) => x.service === service);
        if (!st) throw new UsageError(`unknown service "${service}"`);
        if (action === 'logs') process.stdout.write(await stack.manager.logs(st.containerName));
        else await stack.manager.restart(st.containerName);
        return 0;
      }
      default:
        await stack.manager.ping();
        process.stdout.write(`removed: ${(await stack.manager.deleteData(stack.project)).join(', ') || 'nothing'}\n`);
        return 0;
    }
  } catch (err) {
    if (err instanceof UsageError) throw err;
    const e = err instanceof StackError ? err : dockerProblem(err, stack.manager.engine.address);
    process.stderr.write(`optivolt: ${e.message}\n`);
    return 1;
  }
}
