import { errorMessage } from '../errors';

/** The part of dockerode the directory uses (injected: a real Docker instance, or a test's). */
export interface DockerApi {
  listContainers(opts: {
    all: boolean;
    abortSignal?: AbortSignal;
  }): Promise<Array<{ Id: string; Names?: string[]; Image?: string; Labels?: Record<string, string> }>>;
  getEvents(opts: { filters: string }): Promise<NodeJS.ReadableStream>;
}

export interface ContainerInfo {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  /** docker compose service (label com.docker.compose.service). */
  readonly service?: string;
}

/** The timer functions the event debounce runs on: injected so a test can fire them instead of waiting (as HealthPoller). */
export interface DebounceTimers {
  readonly setTimer: (fn: () => void, ms: number) => unknown;
  readonly clearTimer: (handle: unknown) => void;
}

const REAL_TIMERS: DebounceTimers = {
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as NodeJS.Timeout),
};
const REFRESH_THROTTLE_MS = 5000;
/** One refresh for a burst of events (create, start, ... arrive together). */
const EVENT_DEBOUNCE_MS = 200;
/** An engine that accepts connections and never answers must not leave the listing pending (names wait on it). */
const LIST_DEADLINE_MS = 10_000;

/**
 * Names containers by id through the Docker Engine API: a cache filled by listContainers, refreshed when
 * Docker reports a container event and (throttled) when an unknown id shows up. Without Docker, it says so
 * once in `notice` and everything keeps working with ids.
 */
export class ContainerDirectory {
  private readonly byId = new Map<string, ContainerInfo>();
  private lastRefresh = -Infinity;
  private refreshing: Promise<void> | undefined;
  private events: NodeJS.ReadableStream | undefined;
  private debounce: unknown;
  private disposed = false;
  notice: string | undefined;

  constructor(
    private readonly docker: DockerApi | undefined,
    private readonly log: (message: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly deadlineMs = LIST_DEADLINE_MS,
    private readonly timers: DebounceTimers = REAL_TIMERS,
  ) {
    if (!docker) this.notice = 'Docker is not available: containers are shown by id.';
  }

  /** Fills the cache and follows container events. Resolves when the first listing is done (or failed). */
  async start(): Promise<void> {
    if (!this.docker) return;
    await this.refresh();
    if (this.notice) return;
    try {
      const stream = await this.docker.getEvents({ filters: JSON.stringify({ type: ['container'] }) });
      if (this.disposed) return destroy(stream);
      this.events = stream;
      stream.on('data', () => this.refreshSoon());
      stream.on('error', (err: unknown) => this.log(`Docker event stream failed: ${errorMessage(err)}`));
    } catch (err) {
      this.log(`Cannot follow Docker events: ${errorMessage(err)}`);
    }
  }

  /** Looks a container up by full id (or any unique prefix of 12+ characters). */
  get(id: string): ContainerInfo | undefined {
    const hit = this.byId.get(id) ?? [...this.byId.values()].find((c) => c.id.startsWith(id) || id.startsWith(c.id));
    if (!hit && this.docker && this.now() - this.lastRefresh > REFRESH_THROTTLE_MS) void this.refresh();
    return hit;
  }

  /** Re-reads the container list (one call in flight at a time). */
  refresh(): Promise<void> {
    if (!this.docker) return Promise.resolve();
    if (this.refreshing) return this.refreshing;
    this.lastRefresh = this.now();
    const docker = this.docker;
    this.refreshing = (async () => {
      try {
        // dockerode hands abortSignal to http.request: the abort destroys the request and its socket.
        const list = await docker.listContainers({ all: true, abortSignal: AbortSignal.timeout(this.deadlineMs) });
        this.byId.clear();
        for (const c of list) {
          const service = c.Labels?.['com.docker.compose.service'];
          this.byId.set(c.Id, {
            id: c.Id,
            name: (c.Names?.[0] ?? c.Id.slice(0, 12)).replace(/^\//, ''),
            image: c.Image ?? '',
            ...(service ? { service } : {}),
          });
        }
        if (this.notice) this.log('Docker is reachable again.');
        this.notice = undefined;
      } catch (err) {
        const why =
          (err as Error)?.name === 'AbortError' || (err as Error)?.name === 'TimeoutError'
            ? `no answer within ${this.deadlineMs / 1000} s`
            : errorMessage(err);
        const msg = `Docker not reachable (${why}): containers are shown by id.`;
        if (msg !== this.notice) this.log(msg);
        this.notice = msg;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private refreshSoon(): void {
    this.cancelDebounce();
    this.debounce = this.timers.setTimer(() => {
      this.debounce = undefined;
      void this.refresh();
    }, EVENT_DEBOUNCE_MS);
  }

  private cancelDebounce(): void {
    if (this.debounce !== undefined) this.timers.clearTimer(this.debounce);
    this.debounce = undefined;
  }

  dispose(): void {
    this.disposed = true;
    this.cancelDebounce();
    if (this.events) destroy(this.events);
    this.events = undefined;
  }
}

function destroy(stream: NodeJS.ReadableStream): void {
  const s = stream as NodeJS.ReadableStream & { destroy?: () => void };
  if (typeof s.destroy === 'function') s.destroy();
  else s.removeAllListeners();
}
