// Every request the stack code makes to the Docker Engine has a deadline. An engine that accepts connections but
// never answers (a hung dockerd, a socket proxy whose backend is gone, DOCKER_HOST pointing at some other service)
// would otherwise leave `stack up|status|down` and Start/Stop Monitoring waiting forever.
//
// Why an AbortSignal per request, not docker-modem's `timeout` option: that option is `req.setTimeout`, an idle
// timeout on the socket (node_modules/docker-modem/lib/modem.js, buildRequest), which stays armed on streamed
// answers, so it would also cut a followed log that is quiet for a while or a pull between progress lines, and it
// must be set on the injected client for every caller. An AbortSignal passed to dockerode reaches
// `http.request({ signal })` (modem.js, dial), whose abort destroys the request and its socket: nothing is left
// keeping the process alive. The deadline is cleared once the answer (or, for a stream, its head) arrives.
import type Docker from 'dockerode';
import { StackError } from './composeValues';

export interface EngineDeadlines {
  /** First contact (GET /_ping): a silent engine is reported after this long. */
  readonly pingMs: number;
  /** Any other request, until its answer (for a streamed answer: until its head; the stream has its own watch). */
  readonly callMs: number;
}

/** /_ping is trivial for a live engine; create, start and remove can take seconds on a loaded host. */
export const DEFAULT_ENGINE_DEADLINES: EngineDeadlines = { pingMs: 10_000, callMs: 60_000 };

/** Where the client sends its requests, as the user would write it in DOCKER_HOST. */
export function engineAddress(docker: Docker): string {
  const m = docker.modem as unknown as { socketPath?: unknown; socketPathCache?: unknown; host?: string; port?: string | number; protocol?: string };
  if (m.host) return `${m.protocol === 'https' ? 'https' : m.protocol === 'ssh' ? 'ssh' : 'tcp'}://${m.host}${m.port ? `:${m.port}` : ''}`;
  const socket = typeof m.socketPath === 'string' ? m.socketPath : typeof m.socketPathCache === 'string' ? m.socketPathCache : '/var/run/docker.sock';
  return `unix://${socket}`;
}

/** A duration for a message: "1 s", "0.5 s". */
export const seconds = (ms: number): string => `${Number((ms / 1000).toFixed(1))} s`;

/** Connection-level failures (nothing listens, no permission), as opposed to the Engine's own HTTP errors. */
export function connectProblem(err: unknown, address: string): StackError | undefined {
  const e = err as NodeJS.ErrnoException;
  if (e?.syscall !== undefined && e.syscall !== 'connect' && e.syscall !== 'getaddrinfo') return undefined;
  if (e?.code === 'ENOENT' || e?.code === 'ECONNREFUSED' || e?.code === 'EHOSTUNREACH' || e?.code === 'ENOTFOUND') {
    return new StackError(`Docker is not reachable: no Docker Engine answers at ${address} (${e.code}). Start Docker (or set DOCKER_HOST), then try again.`);
  }
  if (e?.code === 'EACCES' || e?.code === 'EPERM') {
    return new StackError(`Permission denied on ${address}: add your user to the docker group (sudo usermod -aG docker $USER) and log in again.`);
  }
  return undefined;
}

/** The injected dockerode client with a deadline on each request. */
export class Engine {
  readonly deadlines: EngineDeadlines;

  constructor(
    readonly docker: Docker,
    deadlines: Partial<EngineDeadlines> = {},
  ) {
    this.deadlines = { ...DEFAULT_ENGINE_DEADLINES, ...deadlines };
  }

  get address(): string {
    return engineAddress(this.docker);
  }

  /**
   * Runs one request with `signal` passed to dockerode; past the deadline the request (and its socket) is aborted
   * and a StackError names the address and what did not answer. Connection failures become StackErrors too; the
   * Engine's own HTTP errors (404 ...) pass through for the caller to judge.
   */
  async call<T>(what: string, run: (signal: AbortSignal) => Promise<T>, ms = this.deadlines.callMs): Promise<T> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abort.abort();
        reject(
          new StackError(
            `The Docker Engine at ${this.address} does not answer: no reply to ${what} within ${seconds(ms)}. ` +
              'Check that Docker is running and healthy (docker info; systemctl status docker), and that DOCKER_HOST points at a Docker Engine.',
          ),
        );
      }, ms);
    });
    const request = run(abort.signal);
    request.catch(() => undefined); // after the deadline, the aborted request's own rejection is not news
    try {
      return await Promise.race([request, expired]);
    } catch (err) {
      throw connectProblem(err, this.address) ?? err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** GET /_ping with the (short) first-contact deadline. */
  async ping(): Promise<void> {
    // dockerode's ping passes abortSignal on (lib/docker.js); @types/dockerode does not declare the option.
    const ping = this.docker.ping.bind(this.docker) as unknown as (o: { abortSignal: AbortSignal }) => Promise<unknown>;
    await this.call('GET /_ping', (signal) => ping({ abortSignal: signal }), this.deadlines.pingMs);
  }

  /**
   * A GET that dockerode cannot abort itself (Image.inspect and Network.inspect drop `abortSignal`), sent through
   * its modem as dockerode sends it, with the signal where the modem takes it (`options.abortSignal`).
   */
  get<T>(what: string, apiPath: string, statusCodes: Record<number, true | string>): Promise<T> {
    return this.call(what, (signal) =>
      new Promise<T>((resolve, reject) => {
        const modem = this.docker.modem as unknown as { dial(o: object, cb: (err: unknown, data: unknown) => void): void };
        modem.dial({ path: `${apiPath}?`, method: 'GET', statusCodes, abortSignal: signal, options: {} }, (err, data) => (err ? reject(err) : resolve(data as T)));
      }),
    );
  }

  /** Image inspect (404: absent). */
  inspectImage(name: string): Promise<Docker.ImageInspectInfo> {
    return this.get(`inspect image ${name}`, `/images/${name}/json`, { 200: true, 404: 'no such image', 500: 'server error' });
  }

  /** Network inspect (404: absent). */
  inspectNetwork(idOrName: string): Promise<unknown> {
    return this.get(`inspect network ${idOrName}`, `/networks/${idOrName}`, { 200: true, 404: 'no such network', 500: 'server error' });
  }
}

/** Rejects when a stream (a pull's progress) says nothing for `ms`, destroying it; a line of progress re-arms. */
export function stallWatch(stream: NodeJS.ReadableStream, ms: number, onStall: () => Error): { touch(): void; stop(): void; stalled: Promise<never> } {
  let timer: NodeJS.Timeout | undefined;
  let fail: (e: Error) => void = () => undefined;
  const stalled = new Promise<never>((_, reject) => (fail = reject));
  stalled.catch(() => undefined);
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      const err = onStall();
      (stream as NodeJS.ReadableStream & { destroy?: (e?: Error) => void }).destroy?.();
      fail(err);
    }, ms);
  };
  arm();
  return { touch: arm, stop: () => clearTimeout(timer), stalled };
}
