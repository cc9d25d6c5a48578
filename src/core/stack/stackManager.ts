import type Docker from 'dockerode';
import { portFree, portHolder } from '../net/ports';
import { errorMessage } from '../errors';
import { PublishedPort, ServicePlan, StackError, StackPlan } from './composePlan';
import { connectProblem, Engine, EngineDeadlines, seconds, stallWatch } from './engineCalls';
import { OptionNames, SETTING_NAMES } from './optionNames';

export type PullPolicy = 'missing' | 'always' | 'never';

export interface ServiceStatus {
  readonly service: string;
  readonly containerName: string;
  readonly image: string;
  readonly state: string;
  readonly health?: string;
  readonly ports: readonly PublishedPort[];
}

export interface StackManagerOptions {
  readonly docker: Docker;
  /** Progress for long steps (pulls, readiness), one line each. */
  readonly progress?: (message: string) => void;
  readonly readinessTimeoutMs?: number;
  /** Deadlines of single Engine requests (tests shorten them; defaults in engineCalls.ts). */
  readonly engineDeadlines?: Partial<EngineDeadlines>;
  /** A pull that reports no progress for this long has stalled (default 5 min: layers report while they move). */
  readonly pullStallMs?: number;
  /** How messages name the user's options (default: the extension's settings; the CLI passes its flags). */
  readonly names?: OptionNames;
}

/** The HTTP path that says a service is ready (DOMAIN.md): Prometheus /-/ready, Grafana /api/health, exporters /metrics. */
export function readinessPath(service: string): string {
  if (service === 'prometheus') return '/-/ready';
  if (service === 'grafana') return '/api/health';
  return '/metrics';
}

/**
 * Docker's errors, in words a user can act on. Only a failed connection is "not reachable": a missing file (the
 * compose file, a stack folder) is ENOENT too, and is named as what it is.
 */
export function dockerProblem(err: unknown, address = process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock'): StackError {
  if (err instanceof StackError) return err;
  const reach = connectProblem(err, address);
  if (reach) return reach;
  const e = err as NodeJS.ErrnoException;
  if (e?.path) return new StackError(`Cannot ${e.syscall ?? 'read'} ${e.path}: ${e.code ?? errorMessage(err)}. (Not a Docker problem.)`);
  return new StackError(`Docker Engine error: ${errorMessage(err)}`);
}

/** The images a plan lacks, all of them, each with the commands that bring it onto a machine without a registry. */
function missingImages(list: ReadonlyArray<{ s: ServicePlan; why?: string }>, reason: string, names: OptionNames): string {
  const lines = list.map(({ s, why }) => {
    const file = `optivolt-${s.service}.tar`;
    const load = `load it here with: docker load -i ${file} (made on a machine with registry access: docker pull ${s.image} && docker save -o ${file} ${s.image})`;
    return `  - ${why ? `Cannot pull ${s.image} (${s.service}): ${why}.` : `${s.service}: ${s.image}.`} ${load[0].toUpperCase()}${load.slice(1)}`;
  });
  const what = list.length === 1 ? 'One image is missing' : `${list.length} images are missing`;
  return `${what} and ${reason}:\n${lines.join('\n')}\nOr choose other images (${names.option('images')}).`;
}

/**
 * dockerd refuses a bind with rslave/rshared propagation whose source is on a private mount (moby
 * daemon/oci_linux.go, ensureSharedOrSlave: `path %q is mounted on %q but it is not a shared or slave mount`; the
 * running 28.x says it unquoted: "path / is mounted on / but it is not a shared or slave mount"). It does so at
 * start, after the create succeeded, so the container is left in "Created".
 */
export function propagationRefused(err: unknown): { path: string; mount: string } | undefined {
  const m = /path "?([^"\s]+)"? is mounted on "?([^"\s]+)"? but it is not a shared or slave mount/.exec(errorMessage(err));
  return m ? { path: m[1], mount: m[2] } : undefined;
}

/** The binds without slave/shared propagation (the private default Docker accepts on any host). */
export function withoutPropagation(binds: readonly string[]): string[] {
  return binds.map((b) => {
    const parts = b.split(':');
    if (parts.length < 3) return b;
    const mode = parts[2].split(',').filter((f) => !/^r?(slave|shared)$/.test(f));
    return [...parts.slice(0, 2), ...(mode.length ? [mode.join(',')] : [])].join(':');
  });
}

/**
 * Starts and stops the monitoring stack through the Docker Engine API, from a StackPlan (the compose file,
 * planned): preflight checks with clear errors, a labelled network and volumes, containers created and started in
 * dependency order and each waited on until ready. Idempotent: OptiVolt's containers left running are adopted.
 * Stop removes the containers and keeps the volumes: measurements survive a stop/start.
 */
export class StackManager {
  /** The injected client, each request with a deadline (engineCalls.ts). */
  readonly engine: Engine;

  constructor(private readonly opts: StackManagerOptions) {
    this.engine = new Engine(opts.docker, opts.engineDeadlines);
  }

  private get docker(): Docker {
    return this.opts.docker;
  }

  /** The Engine answers /_ping within the first-contact deadline, or a StackError says why not. */
  async ping(): Promise<void> {
    try {
      await this.engine.ping();
    } catch (err) {
      throw dockerProblem(err, this.engine.address);
    }
  }

  private get names(): OptionNames {
    return this.opts.names ?? SETTING_NAMES;
  }

  private say(message: string): void {
    this.opts.progress?.(message);
  }

  /** Docker reachable, every port free (or held by this stack), every image present (or pulled per policy). */
  async preflight(plan: StackPlan, pull: PullPolicy): Promise<void> {
    await this.ping();
    const ours = await this.containers(plan.project);
    const running = new Set(ours.filter((c) => c.State === 'running').map((c) => c.Labels['com.optivolt.service']));
    for (const s of plan.services) {
      if (running.has(s.service)) continue;
      for (const p of s.ports) {
        if (!(await portFree(p.hostPort, p.hostIp))) {
          const who = portHolder(p.hostPort);
          throw new StackError(`Port ${p.hostPort} on ${p.hostIp} (${s.service}) is already in use${who ? ` by ${who}` : ''}: stop it, or choose another port (${this.names.option('ports')}).`);
        }
      }
    }
    await this.ensureImages(plan.services, pull);
  }

  /** Absent (404) or present; an Engine that does not answer is a StackError, not "absent". */
  private async imagePresent(image: string): Promise<boolean> {
    try {
      await this.engine.inspectImage(image);
      return true;
    } catch (err) {
      if (err instanceof StackError) throw err;
      return false;
    }
  }

  /**
   * Every image of the plan present, or pulled per policy. All missing ones are named at once, each with the
   * commands that bring it onto an offline machine: one at a time would cost an air-gapped user one round trip each.
   */
  private async ensureImages(services: readonly ServicePlan[], pull: PullPolicy): Promise<void> {
    const absent: ServicePlan[] = [];
    for (const s of services) if (!(await this.imagePresent(s.image))) absent.push(s);
    if (pull === 'never') {
      if (absent.length) throw new StackError(missingImages(absent.map((s) => ({ s })), `pulling is off (${this.names.option('pull', 'never')})`, this.names));
      return;
    }
    const failed: Array<{ s: ServicePlan; why: string }> = [];
    for (const s of pull === 'always' ? services : absent) {
      try {
        await this.pull(s);
      } catch (err) {
        if (err instanceof StackError) throw err; // the Engine itself does not answer: the next pull would not fare better
        failed.push({ s, why: errorMessage(err) });
      }
    }
    if (failed.length) throw new StackError(missingImages(failed, 'they cannot be pulled (offline?)', this.names));
  }

  private async pull(s: ServicePlan): Promise<void> {
    this.say(`Pulling ${s.image}…`);
    // The request has the usual deadline until the Engine answers; then the pull may take as long as it keeps
    // reporting progress, and fails once it says nothing for pullStallMs.
    const stream = (await this.engine.call(`POST /images/create (pull ${s.image})`, (signal) =>
      this.docker.pull(s.image, { abortSignal: signal }),
    )) as NodeJS.ReadableStream;
    const stallMs = this.opts.pullStallMs ?? 300_000;
    const watch = stallWatch(stream, stallMs, () => new Error(`no progress from the Docker Engine at ${this.engine.address} for ${seconds(stallMs)}`));
    try {
      await Promise.race([
        watch.stalled,
        new Promise<void>((resolve, reject) =>
          this.docker.modem.followProgress(
            stream,
            (err: Error | null) => (err ? reject(err) : resolve()),
            (e: { status?: string; progress?: string; id?: string }) => {
              watch.touch();
              this.say(`${s.image}: ${e.status ?? ''}${e.id ? ` ${e.id}` : ''} ${e.progress ?? ''}`.trim());
            },
          ),
        ),
      ]);
    } finally {
      watch.stop();
    }
  }

  private async containers(project: string): Promise<Docker.ContainerInfo[]> {
    return this.engine.call('GET /containers/json', (signal) =>
      this.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`com.optivolt.project=${project}`] }), abortSignal: signal }),
    );
  }

  /** Brings the stack up; resolves when every service answers its readiness URL. */
  async up(plan: StackPlan, pull: PullPolicy = 'missing'): Promise<ServiceStatus[]> {
    await this.preflight(plan, pull);
    await this.ensureNetwork(plan);
    for (const v of plan.volumes) {
      const exists = await this.engine.call(`inspect volume ${v.name}`, (signal) => this.docker.getVolume(v.name).inspect({ abortSignal: signal })).then(
        () => true,
        (err: unknown) => {
          if (err instanceof StackError) throw err;
          return false;
        },
      );
      if (!exists) await this.engine.call(`create volume ${v.name}`, (signal) => this.docker.createVolume({ Name: v.name, Labels: v.labels, abortSignal: signal }));
    }
    for (const s of plan.services) await this.startService(s);
    for (const s of plan.services) await this.waitReady(s);
    return this.status(plan);
  }

  private async ensureNetwork(plan: StackPlan): Promise<void> {
    const list = await this.engine.call('GET /networks', (signal) => this.docker.listNetworks({ filters: JSON.stringify({ name: [plan.network.name] }), abortSignal: signal }));
    if (list.some((n) => n.Name === plan.network.name)) return;
    await this.engine.call(`create network ${plan.network.name}`, (signal) =>
      this.docker.createNetwork({ Name: plan.network.name, Driver: 'bridge', Labels: plan.network.labels, abortSignal: signal }),
    );
  }

  private async startService(s: ServicePlan): Promise<void> {
    const existing = this.docker.getContainer(s.containerName);
    let info: Docker.ContainerInspectInfo | undefined;
    try {
      info = await this.engine.call(`inspect container ${s.containerName}`, (signal) => existing.inspect({ abortSignal: signal }));
    } catch (err) {
      if (err instanceof StackError) throw err;
      info = undefined;
    }
    if (info) {
      if (info.Config.Labels?.['com.optivolt.stack'] !== 'true') {
        throw new StackError(`A container named ${s.containerName} exists and is not OptiVolt's: rename or remove it.`);
      }
      if (info.State.Running) {
        this.say(`${s.service}: already running (adopted).`);
        return;
      }
      this.say(`${s.service}: was ${info.State.Status}${info.State.ExitCode ? ` (exit ${info.State.ExitCode})` : ''}; starting it again.`);
      try {
        await this.engine.call(`start ${s.containerName}`, (signal) => existing.start({ abortSignal: signal }));
        return;
      } catch (err) {
        // One left "Created" by a refused rslave mount (an earlier run): made again, below, with the fallback.
        if (err instanceof StackError || !propagationRefused(err)) throw err;
        await this.remove(s.containerName);
      }
    }
    await this.createAndStart(s, s.create);
  }

  private async createAndStart(s: ServicePlan, create: Docker.ContainerCreateOptions, fallback = false): Promise<void> {
    this.say(`${s.service}: creating ${s.containerName} from ${s.image}.`);
    const c = await this.engine.call(`create container ${s.containerName}`, (signal) => this.docker.createContainer({ ...create, abortSignal: signal }));
    try {
      await this.engine.call(`start ${s.containerName}`, (signal) => c.start({ abortSignal: signal }));
    } catch (err) {
      // Nothing half-made: a container that was created and never started is removed, whatever the reason.
      await this.remove(s.containerName).catch(() => undefined);
      if (err instanceof StackError) throw err;
      const refused = propagationRefused(err);
      const binds = create.HostConfig?.Binds ?? [];
      const plain = withoutPropagation(binds);
      if (refused && !fallback && plain.join() !== binds.join()) {
        this.say(
          `${s.service}: ${refused.mount} is not a shared mount on this host, so Docker refuses the rslave propagation of its ${refused.path} bind ` +
            `("${errorMessage(err)}"). Starting it without propagation: filesystems mounted on the host after it starts are not seen until it restarts ` +
            `(make / shared with "mount --make-rshared /" to keep them).`,
        );
        return this.createAndStart(s, { ...create, HostConfig: { ...create.HostConfig, Binds: plain } }, true);
      }
      throw new StackError(`${s.service} did not start: ${errorMessage(err)}`);
    }
  }

  private async remove(containerName: string): Promise<void> {
    await this.engine.call(`remove container ${containerName}`, (signal) => this.docker.getContainer(containerName).remove({ force: true, abortSignal: signal }));
  }

  private async waitReady(s: ServicePlan): Promise<void> {
    const p = s.ports[0];
    if (!p) return;
    const host = p.hostIp === '0.0.0.0' ? '127.0.0.1' : p.hostIp;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${p.hostPort}${readinessPath(s.service)}`;
    const deadline = Date.now() + (this.opts.readinessTimeoutMs ?? 60000);
    this.say(`${s.service}: waiting for ${url}`);
    for (;;) {
      // A ref'd timer, unlike AbortSignal.timeout's: while docker-proxy holds a connection open, nothing else may
      // keep a CLI's event loop alive, and Node would exit mid-wait.
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), 2000);
      try {
        const res = await fetch(url, { signal: abort.signal });
        if (res.ok) return;
      } catch {
        /* not yet */
      } finally {
        clearTimeout(timer);
      }
      const state = await this.engine
        .call(`inspect container ${s.containerName}`, (signal) => this.docker.getContainer(s.containerName).inspect({ abortSignal: signal }))
        .then(
          (i) => i.State,
          (err: unknown) => {
            if (err instanceof StackError) throw err;
            return undefined;
          },
        );
      if (state && !state.Running) {
        const logs = await this.logs(s.containerName, 20).catch(() => '');
        throw new StackError(`${s.service} stopped while starting (exit ${state.ExitCode}).${logs ? ` Last log lines:\n${logs}` : ''}`);
      }
      if (Date.now() > deadline) throw new StackError(`${s.service} did not become ready at ${url} in time.`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Services of the plan with their containers' state. */
  async status(plan: StackPlan): Promise<ServiceStatus[]> {
    const ours = await this.containers(plan.project);
    return plan.services.map((s) => {
      const c = ours.find((x) => x.Labels['com.optivolt.service'] === s.service);
      const health = c?.Status.match(/\((healthy|unhealthy|health: starting)\)/)?.[1];
      return { service: s.service, containerName: s.containerName, image: s.image, state: c?.State ?? 'missing', ...(health ? { health } : {}), ports: s.ports };
    });
  }

  /** Stops and removes the stack's containers and network; keeps the volumes (the measurements). */
  async down(project: string): Promise<number> {
    const ours = await this.containers(project);
    for (const c of ours) {
      this.say(`Stopping ${c.Names[0]?.replace(/^\//, '') ?? c.Id.slice(0, 12)}…`);
      await this.engine.call(`remove container ${c.Id.slice(0, 12)}`, (signal) => this.docker.getContainer(c.Id).remove({ force: true, abortSignal: signal }));
    }
    const nets = await this.engine.call('GET /networks', (signal) =>
      this.docker.listNetworks({ filters: JSON.stringify({ label: [`com.optivolt.project=${project}`] }), abortSignal: signal }),
    );
    for (const n of nets) {
      await this.engine.call(`remove network ${n.Name}`, (signal) => this.docker.getNetwork(n.Id).remove({ abortSignal: signal })).catch((err: unknown) => {
        if (err instanceof StackError) throw err; // in use or already gone is fine; a silent engine is not
      });
    }
    return ours.length;
  }

  /** Removes the stack's volumes (its stored measurements). The stack must be down. */
  async deleteData(project: string): Promise<string[]> {
    const { Volumes } = await this.engine.call('GET /volumes', (signal) =>
      this.docker.listVolumes({ filters: JSON.stringify({ label: [`com.optivolt.project=${project}`] }), abortSignal: signal }),
    );
    for (const v of Volumes ?? []) await this.engine.call(`remove volume ${v.Name}`, (signal) => this.docker.getVolume(v.Name).remove({ abortSignal: signal }));
    return (Volumes ?? []).map((v) => v.Name);
  }

  async restart(containerName: string): Promise<void> {
    // The Engine answers once the container stopped (its grace period, 10 s by default) and started again.
    const c = this.docker.getContainer(containerName);
    await this.engine.call(`restart ${containerName}`, (signal) => c.restart({ abortSignal: signal }), this.engine.deadlines.callMs + 10_000);
  }

  /** The last lines of a container's log (stdout and stderr). */
  async logs(containerName: string, tail = 200): Promise<string> {
    const c = this.docker.getContainer(containerName);
    const buf = (await this.engine.call(`logs of ${containerName}`, (signal) => c.logs({ stdout: true, stderr: true, tail, follow: false, abortSignal: signal }))) as unknown as Buffer;
    return demux(buf);
  }
}

/**
 * Follows a container's log (last `tail` lines, then new ones) and hands each piece of text over; the returned
 * function stops following. Docker's 8-byte frame headers are removed, also when a frame spans two chunks.
 */
export async function followLogs(docker: Docker, containerName: string, onText: (text: string) => void, tail = 200, engine = new Engine(docker)): Promise<() => void> {
  // A deadline until the Engine answers; the followed stream itself may then be quiet for as long as the container is.
  const c = docker.getContainer(containerName);
  const stream = (await engine.call(`logs of ${containerName}`, (signal) => c.logs({ stdout: true, stderr: true, tail, follow: true, abortSignal: signal }))) as NodeJS.ReadableStream;
  let pending = Buffer.alloc(0);
  stream.on('data', (chunk: Buffer) => {
    pending = Buffer.concat([pending, chunk]);
    let i = 0;
    while (i + 8 <= pending.length && (pending[i] === 1 || pending[i] === 2) && pending[i + 1] === 0) {
      const len = pending.readUInt32BE(i + 4);
      if (i + 8 + len > pending.length) break;
      onText(pending.subarray(i + 8, i + 8 + len).toString('utf8'));
      i += 8 + len;
    }
    pending = pending.subarray(i);
  });
  return () => (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}

/** Docker's multiplexed log stream (8-byte frame headers) as text. */
export function demux(buf: Buffer): string {
  const out: string[] = [];
  let i = 0;
  while (i + 8 <= buf.length && (buf[i] === 1 || buf[i] === 2) && buf[i + 1] === 0) {
    const len = buf.readUInt32BE(i + 4);
    out.push(buf.subarray(i + 8, i + 8 + len).toString('utf8'));
    i += 8 + len;
  }
  return i === 0 ? buf.toString('utf8') : out.join('');
}
