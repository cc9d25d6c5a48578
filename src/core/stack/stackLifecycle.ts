import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type Docker from 'dockerode';
import { Exporter, ExporterError } from '../exporter/exporter';
import { probeRapl } from '../power/rapl';
import type { OptiVoltSettings } from '../settings';
import { planStack, StackError, StackPlan } from './composePlan';
import { dockerHostGateway, engineFacts, foreignGatewayHelp, optivoltExporterAt, prometheusConfigForHostExporter } from './powerExporter';
import type { EngineDeadlines } from './engineCalls';
import { OptionNames, SETTING_NAMES } from './optionNames';
import { PullPolicy, ServiceStatus, StackManager } from './stackManager';
import { errorMessage } from '../errors';
import { STACK_SERVICES } from './services';

export type PowerExporterChoice = 'auto' | 'scaphandre' | 'optivolt';

export interface StackLifecycleOptions {
  readonly docker: Docker;
  /** Folder of docker-compose.yml (the extension's or the repository's stack/). */
  readonly stackDir: string;
  /** Where generated files (prometheus.yml for the host exporter) are written. */
  readonly stateDir: string;
  readonly settings: OptiVoltSettings;
  readonly powerExporter: PowerExporterChoice;
  readonly services?: readonly string[];
  readonly images?: Readonly<Record<string, string>>;
  readonly ports?: Readonly<Record<string, number>>;
  readonly bind: string;
  readonly pull: PullPolicy;
  readonly retentionTime: string;
  readonly retentionSize: string;
  readonly grafanaPassword: string;
  /** Port of OptiVolt's exporter on the Docker host gateway. */
  readonly exporterPort: number;
  readonly progress?: (message: string) => void;
  /** Deadlines of single Docker Engine requests (defaults in engineCalls.ts; tests and `--engine-timeout` shorten them). */
  readonly engineDeadlines?: Partial<EngineDeadlines>;
  /** How messages name the user's options: the extension's settings (default) or the CLI's flags. */
  readonly names?: OptionNames;
  /**
   * When set (the extension), how often a started stack checks its host exporter: its own stops once the stack's
   * containers are gone (stopped from another window), and one borrowed from another window is replaced by its own
   * when that window closes while the stack still runs. Unset (the CLI's foreground `stack up`), nothing is checked.
   */
  readonly exporterWatchMs?: number;
}

/** The options that come from the `optivolt.*` settings (extension and CLI read them the same way). */
export function stackOptionsFrom(s: OptiVoltSettings): Omit<StackLifecycleOptions, 'docker' | 'stackDir' | 'stateDir' | 'grafanaPassword' | 'progress'> {
  return {
    settings: s,
    powerExporter: s['stack.powerExporter'],
    services: s['stack.services'],
    images: s['stack.images'],
    ports: s['stack.ports'],
    bind: s['stack.bind'],
    pull: s['stack.pull'],
    retentionTime: s['prometheus.retentionTime'],
    retentionSize: s['prometheus.retentionSize'],
    exporterPort: s['stack.exporterPort'],
  };
}

export interface StartResult {
  readonly statuses: ServiceStatus[];
  readonly powerExporter: 'scaphandre' | 'optivolt';
  /** Why that exporter: RAPL readable or not. */
  readonly why: string;
  readonly urls: Readonly<Record<string, string>>;
  /** The pid of another OptiVolt process whose exporter already served the port and is used instead of starting one. */
  readonly sharedExporterPid?: number;
}

/** What a window says when it uses the exporter another one runs. */
export function sharedExporterText(pid: number): string {
  return `using the exporter of another OptiVolt window (pid ${pid})`;
}

/** Scaphandre where RAPL is readable, else OptiVolt's exporter (which falls back to the labelled estimate). */
export async function choosePowerExporter(
  choice: PowerExporterChoice,
  powercapRoot: string,
  names: OptionNames = SETTING_NAMES,
): Promise<{ kind: 'scaphandre' | 'optivolt'; why: string }> {
  if (choice !== 'auto') return { kind: choice, why: names.option('powerExporter', choice) };
  try {
    // Several reads: one cannot tell a counter that only goes backwards from a healthy one.
    await probeRapl(powercapRoot);
    return { kind: 'scaphandre', why: `RAPL is readable at ${powercapRoot}` };
  } catch (err) {
    return { kind: 'optivolt', why: `${errorMessage(err)} Scaphandre needs RAPL: OptiVolt's exporter runs on the host instead.` };
  }
}

/**
 * "Start Monitoring" and "Stop Monitoring": the stack planned from the compose file with the user's settings, the
 * power exporter chosen, and (for OptiVolt's exporter) the exporter run on the host for as long as the stack runs.
 */
export class StackLifecycle {
  private exporter: Exporter | undefined;
  /** Another OptiVolt process's exporter on our port, used instead of ours (a second window on the same engine). */
  private shared: { pid: number } | undefined;
  private watch: NodeJS.Timeout | undefined;
  readonly manager: StackManager;
  private lastPlan: StackPlan | undefined;

  constructor(readonly opts: StackLifecycleOptions) {
    this.manager = new StackManager({ docker: opts.docker, progress: opts.progress, engineDeadlines: opts.engineDeadlines, names: opts.names });
  }

  get project(): string {
    return 'optivolt';
  }

  /** The compose file's text; a StackError names the missing folder or file (an ENOENT is not Docker's). */
  private composeText(): string {
    const missing = this.missingStackFile();
    if (missing) throw new StackError(missing);
    return fs.readFileSync(path.join(this.opts.stackDir, 'docker-compose.yml'), 'utf8');
  }

  /** What of the stack folder is missing, in words, or undefined. */
  missingStackFile(): string | undefined {
    const dir = this.opts.stackDir;
    const compose = path.join(dir, 'docker-compose.yml');
    if (!fs.existsSync(dir)) return `The stack folder ${dir} does not exist (it holds docker-compose.yml and the Prometheus and Grafana configuration).`;
    if (!fs.existsSync(compose)) return `The stack folder ${dir} has no docker-compose.yml (looked for ${compose}).`;
    return undefined;
  }

  /**
   * The Engine first (a silent or absent one is reported as such, within its ping deadline), then the stack's
   * files: when those are missing, the message says so and that Docker itself is fine.
   */
  private async engineAndFiles(): Promise<void> {
    await this.manager.ping();
    const missing = this.missingStackFile();
    if (missing) throw new StackError(`${missing} The Docker Engine at ${this.manager.engine.address} answers: only the stack's files are missing.`);
  }

  async plan(kind: 'scaphandre' | 'optivolt', exporterTarget?: string): Promise<StackPlan> {
    const o = this.opts;
    let services = [...(o.services ?? STACK_SERVICES)];
    const replaceBinds: Record<string, Record<string, string>> = {};
    if (kind === 'optivolt') {
      services = services.filter((s) => s !== 'scaphandre');
      if (services.includes('prometheus') && exporterTarget) {
        fs.mkdirSync(o.stateDir, { recursive: true });
        const file = path.join(o.stateDir, 'prometheus.yml');
        fs.writeFileSync(file, prometheusConfigForHostExporter(o.stackDir, exporterTarget));
        replaceBinds.prometheus = { '/etc/prometheus/prometheus.yml': file };
      }
    }
    const pick = <T>(m: Readonly<Record<string, T>> | undefined): Record<string, T> =>
      Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => services.includes(k)));
    const plan = planStack(this.composeText(), {
      stackDir: o.stackDir,
      env: {
        OPTIVOLT_GRAFANA_PASSWORD: o.grafanaPassword,
        OPTIVOLT_RETENTION_TIME: o.retentionTime,
        OPTIVOLT_RETENTION_SIZE: o.retentionSize,
      },
      bind: o.bind,
      services,
      images: pick(o.images),
      ports: pick(o.ports),
      replaceBinds,
      // Scaphandre runs privileged as upstream runs it (the compose file says why); with
      // optivolt.stack.scaphandrePrivileged = false, the compose file's restricted variant instead.
      restricted: o.settings['stack.scaphandrePrivileged'] || !services.includes('scaphandre') ? [] : ['scaphandre'],
    });
    this.lastPlan = plan;
    return plan;
  }

  async start(): Promise<StartResult> {
    const o = this.opts;
    await this.engineAndFiles();
    const { kind, why } = await choosePowerExporter(o.powerExporter, o.settings['power.powercapRoot'], o.names);
    o.progress?.(`Power exporter: ${kind === 'scaphandre' ? 'Scaphandre' : "OptiVolt's own"} (${why})`);
    let target: string | undefined;
    if (kind === 'optivolt' && !this.exporter) await this.ensureExporter();
    if (kind === 'optivolt') target = `host.docker.internal:${o.exporterPort}`;
    const plan = await this.plan(kind, target);
    try {
      const statuses = await this.manager.up(plan, o.pull);
      const urls = Object.fromEntries(
        plan.services.filter((s) => s.ports[0]).map((s) => [s.service, `http://${s.ports[0].hostIp}:${s.ports[0].hostPort}`]),
      );
      if (kind === 'optivolt') this.startWatch();
      return { statuses, powerExporter: kind, why, urls, ...(this.shared ? { sharedExporterPid: this.shared.pid } : {}) };
    } catch (err) {
      await this.stopExporter();
      throw err;
    }
  }

  /**
   * Our exporter on the gateway, or — when the port is held by another OptiVolt process's exporter (another VS Code
   * window on the same engine) — that one, which serves the same host's figures to the same Prometheus: fighting it
   * for the port could only fail. Anything else on the port is the busy-port error.
   */
  private async ensureExporter(): Promise<void> {
    const o = this.opts;
    const gateway = await dockerHostGateway(o.docker, this.manager.engine);
    const settings = { ...o.settings, 'power.source': o.settings['power.source'] === 'prometheus' ? 'auto' : o.settings['power.source'] } as OptiVoltSettings;
    const exporter = new Exporter({ bind: gateway, port: o.exporterPort, top: 0, settings });
    try {
      await exporter.start();
    } catch (err) {
      const pid = await optivoltExporterAt(gateway, o.exporterPort);
      if (pid !== undefined) {
        this.shared = { pid };
        o.progress?.(`Power exporter: ${sharedExporterText(pid)} at ${gateway}:${o.exporterPort}.`);
        return;
      }
      if (err instanceof ExporterError && err.code === 'EADDRNOTAVAIL') {
        throw new StackError(`OptiVolt's exporter cannot start on ${gateway}:${o.exporterPort}. ${foreignGatewayHelp(gateway, await engineFacts(this.manager.engine))}`);
      }
      throw new StackError(
        `OptiVolt's exporter cannot start on ${gateway}:${o.exporterPort}: ${errorMessage(err)} (its port: ${(o.names ?? SETTING_NAMES).option('exporterPort')}).`,
      );
    }
    this.exporter = exporter;
    this.shared = undefined;
  }

  /** The other window's exporter this stack uses, if any (its pid). */
  get sharedExporterPid(): number | undefined {
    return this.shared?.pid;
  }

  private startWatch(): void {
    const ms = this.opts.exporterWatchMs;
    if (!ms || this.watch) return;
    // A check that overlaps the next tick is skipped, not queued: the Engine may be slow.
    let checking = false;
    this.watch = setInterval(() => {
      if (checking) return;
      checking = true;
      void this.checkExporter().finally(() => (checking = false));
    }, ms);
    this.watch.unref();
  }

  private stopWatch(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = undefined;
  }

  /**
   * One check of the host exporter against the stack (the watch's tick; tests call it directly). Ours stops once no
   * container of the stack runs: another window's Stop Monitoring removed them, and an exporter nobody scrapes
   * would sample every process for nothing. (No HTTP "stop" request instead: the gateway is reachable from every
   * container, so any of them could stop it.) A borrowed exporter that no longer answers while the stack runs (its
   * window closed) is replaced by ours. Returns what it did, in words, or undefined.
   */
  async checkExporter(): Promise<string | undefined> {
    const plan = this.lastPlan;
    if (!plan || (!this.exporter && !this.shared)) return undefined;
    let running: boolean;
    try {
      running = (await this.manager.status(plan)).some((s) => s.state === 'running');
    } catch {
      return undefined; // an Engine that blinks is no reason to stop serving the stack
    }
    const say = (m: string): string => {
      this.opts.progress?.(m);
      return m;
    };
    if (this.exporter) {
      if (running) return undefined;
      this.stopWatch();
      await this.stopExporter();
      return say("OptiVolt's exporter stopped: the stack's containers are gone (stopped from another window or the CLI).");
    }
    const gateway = await dockerHostGateway(this.opts.docker, this.manager.engine).catch(() => undefined);
    if (!gateway || (await optivoltExporterAt(gateway, this.opts.exporterPort)) !== undefined) return undefined;
    if (!running) {
      this.shared = undefined;
      this.stopWatch();
      return undefined;
    }
    const was = this.shared?.pid;
    try {
      await this.ensureExporter();
    } catch (err) {
      return say(errorMessage(err));
    }
    return say(
      this.exporter
        ? `The exporter of the OptiVolt window with pid ${was} is gone: this window's exporter serves the stack now at ${gateway}:${this.opts.exporterPort}.`
        : `The exporter of the OptiVolt window with pid ${was} is gone; ${sharedExporterText(this.shared!.pid)} now.`,
    );
  }

  async stop(): Promise<number> {
    this.stopWatch();
    this.shared = undefined;
    try {
      await this.manager.ping();
      return await this.manager.down(this.project);
    } finally {
      // Asked to stop: the host exporter stops even when the Engine cannot be reached.
      await this.stopExporter();
    }
  }

  async status(): Promise<ServiceStatus[]> {
    await this.engineAndFiles();
    const plan = this.lastPlan ?? (await this.plan((await choosePowerExporter(this.opts.powerExporter, this.opts.settings['power.powercapRoot'], this.opts.names)).kind));
    return this.manager.status(plan);
  }

  /**
   * OptiVolt's host exporter, when the stack uses it: it is no container, so the Engine cannot list it. It runs in
   * this process or in another one (a `stack up` in the foreground): answering on the gateway is what counts.
   */
  async hostExporterStatus(): Promise<{ service: string; state: 'running' | 'missing'; address: string } | undefined> {
    const { kind } = await choosePowerExporter(this.opts.powerExporter, this.opts.settings['power.powercapRoot'], this.opts.names);
    if (kind !== 'optivolt') return undefined;
    const gateway = await dockerHostGateway(this.opts.docker, this.manager.engine);
    const up = this.exporter !== undefined || (await answers(gateway, this.opts.exporterPort));
    return { service: 'optivolt-exporter', state: up ? 'running' : 'missing', address: `${gateway}:${this.opts.exporterPort}` };
  }

  get exporterRunning(): boolean {
    return this.exporter !== undefined;
  }

  /** Stops OptiVolt's host exporter only (the window closes; the containers keep running). */
  async stopExporterOnly(): Promise<void> {
    this.stopWatch();
    this.shared = undefined;
    await this.stopExporter();
  }

  private async stopExporter(): Promise<void> {
    await this.exporter?.stop();
    this.exporter = undefined;
  }
}

/** Something accepts TCP connections at host:port within a second. */
function answers(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port, timeout: 1000 });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('timeout', () => done(false));
    sock.once('error', () => done(false));
  });
}
