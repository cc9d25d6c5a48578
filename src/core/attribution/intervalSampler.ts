import type { PowerSample } from '../../shared/power';
import type { AttributionModel } from '../../shared/attribution';
import { hrClock, MonoClock, secondsBetween } from '../clock';
import { attribute, Attribution } from './attribute';
import { IdleLevel } from './idleLevel';
import { ProcScanner, Scan } from './procScanner';

/** One sampling interval: the scans at its ends, the host power over it, and how it was shared out. */
export interface Interval {
  readonly prev: Scan;
  readonly scan: Scan;
  readonly host: PowerSample;
  readonly seconds: number;
  readonly attribution: Attribution;
  /** The idle level (W) the attribution used: another model can be applied to the same scans with it. */
  readonly idleWatts: number;
  /** The monotonic clock (hrClock, CLOCK_MONOTONIC on Linux) at the interval's two scans, ns: profiles place samples by it. */
  readonly startNs?: bigint;
  readonly endNs?: bigint;
}

/** Scans /proc at each host sample and attributes the interval since the previous one. */
export class IntervalSampler {
  readonly scanner: ProcScanner;
  private prev: { scan: Scan; at: bigint } | undefined;
  private readonly idle = new IdleLevel();

  constructor(
    procRoot = '/proc',
    private readonly mono: MonoClock = hrClock,
  ) {
    this.scanner = new ProcScanner(procRoot);
  }

  /** The interval ending now; undefined on the first call (it only primes). */
  next(host: PowerSample, model: AttributionModel): Interval | undefined {
    const scan = this.scanner.scan();
    const at = this.mono();
    const prev = this.prev;
    this.prev = { scan, at };
    this.idle.observe(host.watts, host.idleWatts, host.time);
    if (!prev) return undefined;
    const seconds = secondsBetween(prev.at, at);
    const idleWatts = this.idle.watts;
    const attribution = attribute(prev.scan, scan, host.watts, seconds, { model, idleWatts });
    return { prev: prev.scan, scan, host, seconds, attribution, idleWatts, startNs: prev.at, endNs: at };
  }

  /** Drops the baseline (after a pause): the next call only primes. */
  restart(): void {
    this.prev = undefined;
  }

  dispose(): void {
    this.scanner.dispose();
  }
}
