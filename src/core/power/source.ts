import type { SourceKind } from '../../shared/power';

/** What a source returns for one interval. */
export interface PowerReading {
  readonly watts: number;
  readonly zones: Readonly<Record<string, number>>;
  readonly detail: string;
  /** Host power at 0% CPU, when the source knows it. */
  readonly idleWatts?: number;
  /** Overrides the source's `estimated` for this reading (Prometheus relaying an estimate). */
  readonly estimated?: boolean;
}

/**
 * One way of knowing host power. Counter-based sources (RAPL, the /proc/stat estimate) need two reads:
 * their first read primes the counters and returns undefined. A source that cannot work here throws a
 * SourceError whose message tells the user what is wrong and how to fix it.
 */
export interface PowerSource {
  readonly kind: SourceKind;
  readonly estimated: boolean;
  /** Where it reads from, for messages (a folder, a URL). */
  readonly origin: string;
  read(): Promise<PowerReading | undefined>;
}

export type SourceErrorCode = 'missing' | 'permission' | 'unreachable' | 'no-data' | 'invalid';

export class SourceError extends Error {
  constructor(
    readonly code: SourceErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SourceError';
  }
}
