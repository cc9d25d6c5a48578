// Waits for an unreachable Prometheus to answer again, so a view that showed "not reachable" (the PromQL result,
// restored after a reload before the stack was up) recovers by itself (issue 19). Probes with a growing delay,
// as a started stack takes seconds and a stopped one may stay down for hours; the owner starts it only while
// the view is visible and stops it when hidden or closed. Timers are injected so tests control time.

export interface RecoveryWatchOptions {
  /** Delay before the first probe, ms. */
  readonly firstDelayMs?: number;
  /** The delay doubles after each failed probe up to this, ms. */
  readonly maxDelayMs?: number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

/** Resolves true once Prometheus answers (a probe that throws counts as false); aborted when the watch stops. */
export type ReachabilityProbe = (signal: AbortSignal) => Promise<boolean>;

export class RecoveryWatch {
  private readonly firstDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;
  private timer: unknown;
  private probing: AbortController | undefined;
  private delayMs: number;
  private running = false;

  constructor(
    private readonly probe: ReachabilityProbe,
    /** Called once per watch, when a probe succeeds (the watch has stopped by then). */
    private readonly onUp: () => void,
    options: RecoveryWatchOptions = {},
  ) {
    this.firstDelayMs = options.firstDelayMs ?? 1000;
    this.maxDelayMs = options.maxDelayMs ?? 30000;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
    this.delayMs = this.firstDelayMs;
  }

  get active(): boolean {
    return this.running;
  }

  /** Starts probing from the first delay; a watch already running keeps its schedule. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.delayMs = this.firstDelayMs;
    this.schedule();
  }

  /** Stops probing: the pending timer is cleared and a probe in flight is aborted (its answer ignored). */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
    this.probing?.abort();
    this.probing = undefined;
  }

  dispose(): void {
    this.stop();
  }

  private schedule(): void {
    this.timer = this.setTimer(() => void this.tick(), this.delayMs);
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const abort = new AbortController();
    this.probing = abort;
    const up = await this.probe(abort.signal).catch(() => false);
    if (abort.signal.aborted || !this.running) return;
    this.probing = undefined;
    if (up) {
      this.running = false;
      this.onUp();
      return;
    }
    this.delayMs = Math.min(this.maxDelayMs, this.delayMs * 2);
    this.schedule();
  }
}
