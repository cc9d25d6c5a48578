// Polls Grafana's /api/health while a panel shows it: quickly at first, backing off while Grafana is down (the
// stack may take a minute to start), slowly while it is up. Paused while the panel is hidden; stopped on dispose.
import type { GrafanaStatus } from '../../shared/grafana';
import { errorMessage } from '../errors';

export interface HealthPollerOptions {
  /** Resolves when Grafana is up; rejects (with a message for the user) when it is not. */
  readonly check: () => Promise<void>;
  readonly onChange: (status: GrafanaStatus, message?: string) => void;
  /** First retry after a failure; doubles up to maxDownMs. */
  readonly minDownMs?: number;
  readonly maxDownMs?: number;
  /** Interval while up (to notice Grafana going away). */
  readonly upMs?: number;
  readonly setTimer?: (fn: () => void, ms: number) => unknown;
  readonly clearTimer?: (handle: unknown) => void;
}

export class HealthPoller {
  private timer: unknown;
  private running = false;
  private inFlight = false;
  private failures = 0;
  private current: GrafanaStatus = 'checking';
  private lastMessage: string | undefined;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(private readonly opts: HealthPollerOptions) {
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
  }

  get status(): GrafanaStatus {
    return this.current;
  }

  get message(): string | undefined {
    return this.lastMessage;
  }

  get active(): boolean {
    return this.running;
  }

  /** Starts (or resumes) polling with an immediate check. */
  start(): void {
    if (this.running) return;
    this.running = true;
    void this.poll();
  }

  /** Stops polling (panel hidden or closed); start() resumes. */
  stop(): void {
    this.running = false;
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** Checks at once (a user action, a changed URL) and restarts the backoff. */
  checkNow(): void {
    this.failures = 0;
    if (this.timer !== undefined) this.clearTimer(this.timer);
    this.timer = undefined;
    if (this.running) void this.poll();
  }

  /** The delay before the next check, from the number of failures in a row. */
  nextDelay(): number {
    if (this.current === 'up') return this.opts.upMs ?? 15000;
    const min = this.opts.minDownMs ?? 1000;
    return Math.min(this.opts.maxDownMs ?? 15000, min * 2 ** Math.max(0, this.failures - 1));
  }

  private async poll(): Promise<void> {
    if (this.inFlight) return;
    this.inFlight = true;
    let status: GrafanaStatus;
    let message: string | undefined;
    try {
      await this.opts.check();
      status = 'up';
      this.failures = 0;
    } catch (err) {
      status = 'down';
      message = errorMessage(err);
      this.failures++;
    } finally {
      this.inFlight = false;
    }
    if (!this.running) return;
    if (status !== this.current || message !== this.lastMessage) {
      this.current = status;
      this.lastMessage = message;
      this.opts.onChange(status, message);
    }
    this.timer = this.setTimer(() => {
      this.timer = undefined;
      void this.poll();
    }, this.nextDelay());
  }
}
