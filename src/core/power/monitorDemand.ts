/** What MonitorDemand drives: PowerMonitor's start/stop (both idempotent). */
export interface Runnable {
  start(): void;
  stop(): void;
}

/** One holder's claim on the monitor; releasing it twice is harmless. */
export interface DemandHandle {
  readonly reason: string;
  dispose(): void;
}

/**
 * Who needs the power monitor running: the status bar while shown, the power view while open, the details while
 * open, measurements while one runs. The monitor runs while at least one holder exists and stops after the last
 * releases; nothing samples otherwise.
 */
export class MonitorDemand {
  private readonly holders = new Set<DemandHandle>();
  private disposed = false;

  constructor(private readonly monitor: Runnable) {}

  /** Keeps the monitor running until the returned handle is disposed. */
  acquire(reason: string): DemandHandle {
    if (this.disposed) return { reason, dispose: () => undefined };
    const handle: DemandHandle = {
      reason,
      dispose: () => {
        if (!this.holders.delete(handle)) return; // released already, or after dispose()
        if (this.holders.size === 0) this.monitor.stop();
      },
    };
    this.holders.add(handle);
    if (this.holders.size === 1) this.monitor.start();
    return handle;
  }

  /** Whether anyone holds the monitor. */
  get active(): boolean {
    return this.holders.size > 0;
  }

  /** The current holders' reasons, in the order they acquired (for logs and tests). */
  get reasons(): string[] {
    return [...this.holders].map((h) => h.reason);
  }

  /** The extension is going away: stops the monitor; later acquires and releases do nothing. */
  dispose(): void {
    this.disposed = true;
    this.holders.clear();
    this.monitor.stop();
  }
}
