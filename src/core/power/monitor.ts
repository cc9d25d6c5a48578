import type { PowerSample, PowerStatus, SourceKind, SourceMode } from '../../shared/power';
import { hrClock, MonoClock, secondsBetween } from '../clock';
import { errorMessage } from '../errors';
import { PowerReading, PowerSource, SourceError, SourceErrorCode } from './source';

/** auto's order of preference: measured by Scaphandre, measured locally, estimated. */
export const AUTO_ORDER: readonly SourceKind[] = ['prometheus', 'rapl', 'estimate'];

export const SOURCE_LABEL: Readonly<Record<SourceKind, string>> = {
  prometheus: 'Prometheus',
  rapl: 'RAPL',
  estimate: 'estimate',
};

/**
 * Reads in a row without a value after which the source in use has failed, whatever the source: one that never
 * yields a value must not leave callers waiting for a first sample forever (a source that knows why fails sooner).
 */
export const MAX_EMPTY_READS = 5;

/** `code` is set when the message is about a source that cannot be used (e.g. 'permission': the user can fix it). */
export type LogFn = (level: 'info' | 'warn' | 'error', message: string, code?: SourceErrorCode) => void;

export interface MonitorOptions {
  mode: SourceMode;
  intervalMs: number;
  /** Builds a source from the current settings; `forAuto` asks Prometheus to require Scaphandre data. */
  createSource: (kind: SourceKind, forAuto: boolean) => PowerSource;
  log?: LogFn;
  /** How often auto looks again for a better source than the one in use. */
  reprobeMs?: number;
  /** auto's candidates, best first (default AUTO_ORDER; the exporter leaves Prometheus out). */
  autoOrder?: readonly SourceKind[];
  now?: () => number;
  mono?: MonoClock;
}

/**
 * Samples host power from the chosen source on a timer, integrates energy, and publishes one status object.
 * In auto mode it falls back down AUTO_ORDER when a source fails and climbs back up when a better one appears.
 * Ticks are serialised: a slow source never causes overlapping reads.
 */
export class PowerMonitor {
  private readonly listeners = new Set<(s: PowerStatus) => void>();
  private readonly now: () => number;
  private readonly mono: MonoClock;
  private readonly log: LogFn;
  private current: PowerSource | undefined;
  private status: PowerStatus;
  private timer: NodeJS.Timeout | undefined;
  private generation = 0;
  private chain: Promise<void> = Promise.resolve();
  private lastProbe = 0;
  private lastSampleAt: bigint | undefined;
  private readonly warned = new Map<SourceKind, string>();
  private fastMs: number | undefined;
  /** Reads without a value since the source in use last gave one. */
  private empty = 0;
  /** A better source found by climb() that has only primed so far (see climb). */
  private candidate: PowerSource | undefined;
  private candidateEmpty = 0;

  constructor(private options: MonitorOptions) {
    this.now = options.now ?? Date.now;
    this.mono = options.mono ?? hrClock;
    this.log = options.log ?? (() => undefined);
    this.status = { state: 'starting', mode: options.mode, reason: 'Looking for a power source…', energyJoules: 0, since: this.now() };
  }

  private get autoOrder(): readonly SourceKind[] {
    return this.options.autoOrder ?? AUTO_ORDER;
  }

  get snapshot(): PowerStatus {
    return this.status;
  }

  onStatus(listener: (s: PowerStatus) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  start(): void {
    if (!this.running) this.schedule(0);
  }

  stop(): void {
    this.generation++;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Applies new settings live. A new mode, or new source settings (`sourcesChanged`), drops the source in use
   * and selects again at once; a new interval only reschedules. Energy keeps accumulating.
   */
  reconfigure(change: { mode?: SourceMode; intervalMs?: number; sourcesChanged?: boolean }): void {
    const reselect = (change.mode !== undefined && change.mode !== this.options.mode) || change.sourcesChanged === true;
    this.options = {
      ...this.options,
      mode: change.mode ?? this.options.mode,
      intervalMs: change.intervalMs ?? this.options.intervalMs,
    };
    if (reselect) {
      this.current = undefined;
      this.candidate = undefined;
      this.warned.clear();
      this.publish({ ...this.status, mode: this.options.mode, state: 'starting', reason: 'Settings changed: looking for a power source…' });
    }
    if (this.running) this.schedule(reselect ? 0 : this.intervalMs);
  }

  /** The interval in use: the configured one, or shorter while someone needs fine-grained samples. */
  get intervalMs(): number {
    return Math.min(this.options.intervalMs, this.fastMs ?? Infinity);
  }

  /**
   * Samples at most every `ms` until called with undefined (energy measurements of short programs need finer
   * intervals than a status bar). Applies at the next tick.
   */
  setFastInterval(ms: number | undefined): void {
    this.fastMs = ms;
    if (this.running) this.schedule(Math.min(this.intervalMs, 250));
  }

  /** One sampling step (the timer calls it; tests may too). Never throws. */
  tick(): Promise<void> {
    this.chain = this.chain.then(() => this.step()).catch((err) => this.log('error', `Sampling failed: ${errorMessage(err)}`));
    return this.chain;
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    const gen = ++this.generation;
    // tick() never rejects (it logs what failed), so the timer keeps no promise it would have to handle.
    this.timer = setTimeout(() => {
      void this.tick().then(() => {
        if (gen !== this.generation) return;
        // A counter source that only primed gets a quick second read so the first figure shows soon.
        const primed = this.status.state === 'starting' && this.current !== undefined;
        this.schedule(primed ? Math.min(this.intervalMs, 1000) : this.intervalMs);
      });
    }, delayMs);
  }

  private async step(): Promise<void> {
    const src = this.current;
    if (!src) return this.select();
    let reading: PowerReading | undefined;
    try {
      reading = await src.read();
    } catch (err) {
      return this.onSourceFailure(src, err);
    }
    if (reading) {
      this.empty = 0;
      this.accept(src, reading, this.status.reason);
    } else if (++this.empty >= MAX_EMPTY_READS) {
      return this.onSourceFailure(src, new SourceError('no-data', `no value in ${this.empty} reads in a row from ${src.origin}.`));
    }
    if (this.options.mode !== 'auto') return;
    if (this.candidate) await this.tryCandidate(this.candidate);
    else if (this.now() - this.lastProbe >= (this.options.reprobeMs ?? 30000)) await this.climb(src.kind);
  }

  private async onSourceFailure(src: PowerSource, err: unknown): Promise<void> {
    const msg = labelled(src.kind, err);
    if (this.options.mode === 'auto') {
      this.log('warn', `${msg} Looking for another source.`);
      this.current = undefined;
      // A new instance of the kind that just failed would only prime again: prefer the others.
      return this.select(src.kind, msg);
    }
    this.log('warn', msg);
    this.publish({ ...this.status, state: this.status.last ? 'stale' : 'error', source: src.kind, reason: msg });
  }

  /** Tries each candidate in order and keeps the first that reads. */
  private async select(skip?: SourceKind, skipReason?: string): Promise<void> {
    const auto = this.options.mode === 'auto';
    const preferred = auto ? this.autoOrder : [this.options.mode as SourceKind];
    // The kind that just failed goes last: tried again only when nothing else works.
    const order = skip ? [...preferred.filter((k) => k !== skip), skip] : preferred;
    const failures: string[] = skipReason ? [skipReason] : [];
    for (const kind of order) {
      const src = this.options.createSource(kind, auto);
      let reading: PowerReading | undefined;
      try {
        reading = await src.read();
      } catch (err) {
        failures.push(labelled(kind, err));
        this.warnOnce(kind, err);
        continue;
      }
      const reason = auto
        ? `auto: ${failures.length ? `${failures.join(' ')} ` : ''}Using ${describe(src)}.`
        : `Set by optivolt.power.source: ${describe(src)}.`;
      this.use(src, reason);
      this.empty = reading ? 0 : 1;
      if (reading) this.accept(src, reading, reason);
      else this.publish({ ...this.status, mode: this.options.mode, source: kind, reason });
      return;
    }
    const reason = failures.join(' ');
    // Selection runs again every interval: say it once per distinct reason, not every interval (the exporter's log).
    if (this.status.reason !== reason || this.status.state === 'live') this.log('error', `No power source works: ${reason}`);
    this.publish({ ...this.status, mode: this.options.mode, state: this.status.last ? 'stale' : 'error', source: undefined, reason });
  }

  /**
   * In auto mode, looks for a source above the one in use. One that gives a value is used at once; one that only
   * primes (a counter) becomes the candidate, read again at the next ticks and used once it gives a value, so a
   * source that never does (a RAPL counter only going backwards) is not switched to every reprobe.
   */
  private async climb(currentKind: SourceKind): Promise<void> {
    this.lastProbe = this.now();
    for (const kind of this.autoOrder.slice(0, this.autoOrder.indexOf(currentKind))) {
      const src = this.options.createSource(kind, true);
      let reading: PowerReading | undefined;
      try {
        reading = await src.read();
      } catch {
        continue;
      }
      if (reading) return this.switchTo(src, reading);
      this.candidate = src;
      this.candidateEmpty = 1;
      return;
    }
  }

  private async tryCandidate(src: PowerSource): Promise<void> {
    let reading: PowerReading | undefined;
    try {
      reading = await src.read();
    } catch {
      this.candidate = undefined;
      return;
    }
    if (reading) this.switchTo(src, reading);
    else if (++this.candidateEmpty >= MAX_EMPTY_READS) this.candidate = undefined;
  }

  private switchTo(src: PowerSource, reading: PowerReading): void {
    const reason = `auto: ${describe(src)} became available.`;
    this.use(src, reason);
    this.empty = 0;
    this.accept(src, reading, reason);
  }

  private use(src: PowerSource, reason: string): void {
    if (this.current?.kind !== src.kind || this.status.source !== src.kind) {
      this.log('info', `Power source: ${SOURCE_LABEL[src.kind]} — ${reason}`);
    }
    this.current = src;
    this.candidate = undefined;
    this.lastProbe = this.now();
    this.warned.delete(src.kind);
  }

  private warnOnce(kind: SourceKind, err: unknown): void {
    const msg = errorMessage(err);
    if (this.warned.get(kind) === msg) return;
    this.warned.set(kind, msg);
    // A permission problem is the user's to fix, so it is a warning; so is a source giving nonsense that auto passes
    // over (a chosen one ends in an 'error' status with the same words); a missing source is just information.
    const code = err instanceof SourceError ? err.code : undefined;
    const warn = code === 'permission' || (code === 'invalid' && this.options.mode === 'auto');
    this.log(warn ? 'warn' : 'info', `${SOURCE_LABEL[kind]} not used: ${msg}`, code);
  }

  private accept(src: PowerSource, r: PowerReading, reason: string): void {
    const at = this.mono();
    const watts = safeWatts(r.watts);
    let energy = this.status.energyJoules;
    // Integrate over the time since the previous sample, unless there was a gap (stale source, suspend).
    if (this.lastSampleAt !== undefined) {
      const dt = secondsBetween(this.lastSampleAt, at);
      if (dt > 0 && dt <= (5 * Math.max(this.options.intervalMs, this.intervalMs)) / 1000) energy += watts * dt;
    }
    this.lastSampleAt = at;
    const sample: PowerSample = {
      time: this.now(),
      watts,
      source: src.kind,
      estimated: r.estimated ?? src.estimated,
      zones: Object.fromEntries(Object.entries(r.zones).map(([k, v]) => [k, safeWatts(v)])),
      detail: r.detail,
      ...(r.idleWatts !== undefined ? { idleWatts: r.idleWatts } : {}),
    };
    this.publish({ ...this.status, state: 'live', mode: this.options.mode, source: src.kind, reason, last: sample, energyJoules: energy });
  }

  private publish(s: PowerStatus): void {
    this.status = s;
    for (const l of this.listeners) l(s);
  }
}

/** An error message that names its source once: "RAPL: No powercap tree…", "Prometheus unreachable at …". */
function labelled(kind: SourceKind, err: unknown): string {
  const msg = errorMessage(err);
  return msg.startsWith(SOURCE_LABEL[kind]) ? msg : `${SOURCE_LABEL[kind]}: ${msg}`;
}

function describe(src: PowerSource): string {
  return src.kind === 'estimate' ? `the CPU-load estimate (${src.origin})` : `${SOURCE_LABEL[src.kind]} (${src.origin})`;
}

/** The last line of defence against NaN or negative Watts reaching a user. */
function safeWatts(w: number): number {
  return Number.isFinite(w) && w > 0 ? w : 0;
}
