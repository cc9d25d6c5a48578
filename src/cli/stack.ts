import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import Docker from 'dockerode';
import { readSettings } from '../core/settings';
import { StackError } from '../core/stack/composePlan';
import { StackLifecycle, sharedExporterText, stackOptionsFrom } from '../core/stack/stackLifecycle';
import { CLI_FLAGS } from '../core/stack/optionNames';
import { dockerProblem } from '../core/stack/stackManager';
import { numberOrText, parseFlags, refuseInvalid, UsageError } from './flags';
import { errorMessage } from '../core/errors';

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
  --yes                     delete-data without asking (required when not on a terminal)
  -h, --help                this help

With OptiVolt's exporter (no RAPL), \`stack up\` serves it in the foreground; Ctrl-C stops it and removes the
stack's containers (a Prometheus without it would scrape nothing); the volumes are kept.

The Grafana admin password is generated on first start into ~/.config/optivolt/grafana-password (mode 0600;
a copy that others can read is made private again, with a warning).`;

function pairs(list: string[] | undefined, what: string, number: boolean): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const item of list ?? []) {
    const m = /^([\w-]+)=(.+)$/.exec(item);
    if (!m || (number && !/^\d+$/.test(m[2])))
      throw new UsageError(`--${what} must look like SERVICE=${number ? 'PORT' : 'IMAGE'} (got "${item}")`);
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

/** Columns as wide as their widest cell, two spaces apart (names such as node-exporter outgrow a fixed pad). */
export function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map(
      (r) =>
        `${r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd()}\n`,
    )
    .join('');
}

/** y/N on the terminal (the prompt on stderr, so stdout stays the command's output). */
async function confirm(question: string): Promise<boolean> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(question, resolve);
      rl.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

/**
 * `optivolt stack ...`: a bad command line is one line on stderr and exit 2, handled here rather than by the caller,
 * so the exit code does not depend on which module's UsageError class the caller catches.
 */
export async function runStack(argv: string[]): Promise<number> {
  try {
    return await stackCommand(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`optivolt: ${err.message}\n`);
    return 2;
  }
}

async function stackCommand(argv: string[]): Promise<number> {
  const parsed = parseFlags(
    argv,
    {
      services: { type: 'string' },
      image: { type: 'string', multiple: true },
      port: { type: 'string', multiple: true },
      bind: { type: 'string' },
      pull: { type: 'string' },
      'power-exporter': { type: 'string' },
      'exporter-port': { type: 'string' },
      'stack-dir': { type: 'string' },
      'engine-timeout': { type: 'string' },
      yes: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    true,
  );
  const v = parsed.values;
  const [action, service] = parsed.positionals;
  if (v.help || action === undefined) {
    process.stdout.write(`${STACK_USAGE}\n`);
    return v.help ? 0 : 2;
  }
  if (!['up', 'down', 'status', 'logs', 'restart', 'delete-data'].includes(action))
    throw new UsageError(`unknown stack action "${action}" (up, down, status, logs, restart, delete-data)`);
  if ((action === 'logs' || action === 'restart') && !service) throw new UsageError(`optivolt stack ${action} needs a SERVICE`);
  const overrides: Record<string, unknown> = {
    'stack.services': v.services
      ?.split(',')
      .map((x) => x.trim())
      .filter(Boolean),
    'stack.images': v.image ? pairs(v.image, 'image', false) : undefined,
    'stack.ports': v.port ? pairs(v.port, 'port', true) : undefined,
    'stack.bind': v.bind,
    'stack.pull': v.pull,
    'stack.powerExporter': v['power-exporter'],
    'stack.exporterPort': numberOrText(v['exporter-port']),
  };
  let engineDeadlines: { pingMs: number; callMs: number } | undefined;
  if (v['engine-timeout'] !== undefined) {
    const sec = Number(v['engine-timeout']);
    if (!(sec > 0) || !Number.isFinite(sec))
      throw new UsageError(`--engine-timeout must be a number of seconds above 0 (got "${v['engine-timeout']}")`);
    engineDeadlines = { pingMs: sec * 1000, callMs: sec * 1000 };
  }
  const { settings: s, invalid } = readSettings((k) => overrides[k]);
  refuseInvalid(invalid);
  if (action === 'delete-data' && !v.yes) {
    // VS Code asks in a modal; a script cannot answer, so it must say --yes rather than lose data by default.
    if (!(process.stdin.isTTY && process.stderr.isTTY)) {
      throw new UsageError('stack delete-data removes the stored measurements (the Prometheus and Grafana volumes): add --yes to confirm');
    }
    if (!(await confirm("Delete the monitoring stack's stored measurements (the Prometheus and Grafana volumes)? [y/N] "))) {
      process.stderr.write('optivolt: nothing deleted.\n');
      return 1;
    }
  }
  const docker = new Docker();
  const say = (m: string): boolean => process.stderr.write(`optivolt: ${m}\n`);
  let stack: StackLifecycle;
  try {
    // Only a start with Grafana needs (and creates) its password: `--services prometheus` leaves no trace of Grafana.
    const withGrafana = action === 'up' && (s['stack.services'] ?? ['grafana']).includes('grafana');
    stack = new StackLifecycle({
      docker,
      stackDir: v['stack-dir'] ?? path.resolve(__dirname, '..', 'stack'),
      stateDir: path.join(process.env.XDG_STATE_HOME ?? path.join(os.homedir(), '.local', 'state'), 'optivolt', 'stack'),
      ...stackOptionsFrom(s),
      grafanaPassword: withGrafana ? grafanaPassword(say) : 'unused',
      progress: say,
      engineDeadlines,
      names: CLI_FLAGS,
    });
  } catch (err) {
    say(errorMessage(err));
    return 1;
  }
  try {
    switch (action) {
      case 'up': {
        const r = await stack.start();
        process.stdout.write(table(r.statuses.map((st) => [st.service, st.state, r.urls[st.service] ?? ''])));
        if (r.powerExporter === 'optivolt' && r.sharedExporterPid !== undefined) {
          // Another OptiVolt process (a VS Code window, or another `stack up`) serves the exporter: nothing to keep here.
          say(`${sharedExporterText(r.sharedExporterPid)}: the stack runs without this process; \`optivolt stack down\` stops it.`);
        } else if (r.powerExporter === 'optivolt') {
          process.stderr.write(
            "optivolt: OptiVolt's exporter serves the stack from this process: keep it running. Ctrl-C stops it and removes the stack's containers (volumes kept).\n",
          );
          const signal = await new Promise<NodeJS.Signals>((resolve) => {
            process.once('SIGINT', () => resolve('SIGINT'));
            process.once('SIGTERM', () => resolve('SIGTERM'));
          });
          // The whole stack, not only the exporter: its Prometheus would scrape nothing, and the user who pressed
          // Ctrl-C on a foreground command expects nothing of it left running. The volumes (measurements) stay.
          say(`${signal}: stopping OptiVolt's exporter and the stack's containers…`);
          const removed = await stack.stop();
          say(
            `stopped OptiVolt's exporter; ${removed} containers removed; volumes kept (\`optivolt stack up\` starts again, \`optivolt stack delete-data\` removes them).`,
          );
        }
        return 0;
      }
      case 'down':
        process.stdout.write(`${await stack.stop()} containers removed; volumes kept (optivolt stack delete-data removes them).\n`);
        return 0;
      case 'status': {
        const rows = (await stack.status()).map((st) => [
          st.service,
          st.state,
          st.health ?? '',
          st.ports[0] ? `${st.ports[0].hostIp}:${st.ports[0].hostPort}` : '',
        ]);
        const host = await stack.hostExporterStatus();
        if (host) rows.push([`${host.service} (host)`, host.state, '', host.address]);
        process.stdout.write(table([['SERVICE', 'STATE', 'HEALTH', 'ADDRESS'], ...rows]));
        return 0;
      }
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
