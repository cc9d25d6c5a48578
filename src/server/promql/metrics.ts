// What the server knows of metrics: the curated catalogue, merged with what the live Prometheus says
// (/api/v1/label/__name__/values and /api/v1/metadata), plus per-metric labels and label values for
// completion and the current value for hover. Every live call is cached with a TTL, shared while in flight,
// and degrades quietly: when Prometheus is unreachable the catalogue alone answers, and the failure is
// reported once (not per keystroke) through onProblem.
import { PrometheusClient } from '../../core/prometheus/client';
import type { FetchFn } from '../../core/prometheus/fetchFn';
import type { PrometheusAccess } from '../../core/prometheus/access';
import { CATALOGUE, CURATED_PREFIXES } from './catalogue';
import type { MetricInfo, MetricLookup, MetricType } from './types';
import { errorMessage } from '../../core/errors';

export interface MetricStoreOptions {
  readonly fetch?: FetchFn;
  /** How long live answers are kept, in ms. */
  readonly ttlMs?: number;
  /** Per-request timeout, in ms: completion must not hang on a slow server. */
  readonly timeoutMs?: number;
  readonly now?: () => number;
  /** Called once per change of reachability (error text, or undefined when it answers again). */
  readonly onProblem?: (message: string | undefined) => void;
}

interface Cached<T> {
  at: number;
  value: Promise<T>;
}

const METRIC_TYPES = new Set<MetricType>(['counter', 'gauge', 'histogram', 'gaugehistogram', 'summary', 'info', 'stateset', 'unknown']);

export interface SeriesValue {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export class MetricStore implements MetricLookup {
  private client: PrometheusClient | undefined;
  private configured: string | undefined;
  private liveNames: ReadonlySet<string> | undefined;
  private liveMeta = new Map<string, MetricInfo>();
  private readonly cache = new Map<string, Cached<unknown>>();
  private lastProblem: string | undefined;
  /** Whether the current URL's reachability was reported yet: the first outcome is always told. */
  private reported = false;
  private merged:
    { names: ReadonlySet<string> | undefined; meta: ReadonlyMap<string, MetricInfo>; list: readonly MetricInfo[] } | undefined;
  private readonly ttlMs: number;
  private changes = 0;
  private readonly loadedFrom: { names?: unknown; meta?: unknown } = {};
  private readonly now: () => number;

  constructor(private readonly options: MetricStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.now = options.now ?? Date.now;
  }

  /** Changes whenever the live names or metadata do: results computed from what the store knew are stale then. */
  get generation(): number {
    return this.changes;
  }

  /** Points the store at a Prometheus (or at none: catalogue only), with its credentials. Clears everything live. */
  setUrl(url: string | undefined, access: PrometheusAccess = {}): void {
    this.changes++;
    this.configured = url;
    this.cache.clear();
    this.liveNames = undefined;
    this.liveMeta = new Map();
    this.loadedFrom.names = this.loadedFrom.meta = undefined;
    this.lastProblem = undefined;
    this.reported = false;
    this.client = undefined;
    if (!url) return;
    try {
      // No retries here: completion must answer now, and the next keystroke asks again anyway.
      this.client = new PrometheusClient(url, this.options.fetch, this.options.timeoutMs ?? 1500, {
        ...access,
        retry: { retries: 0, baseMs: 0, maxDelayMs: 0 },
      });
    } catch (err) {
      this.report(errorMessage(err));
    }
  }

  /** The Prometheus URL for display: credentials redacted (PrometheusClient.baseUrl). */
  get url(): string | undefined {
    return this.client?.baseUrl;
  }

  /** The configured server's API (its auth and redaction), for target detection; undefined: none configured. */
  get api(): PrometheusClient | undefined {
    return this.client;
  }

  /** The URL as configured, credentials included: what a new configuration is compared with. */
  get configuredUrl(): string | undefined {
    return this.configured;
  }

  get(name: string): MetricInfo | undefined {
    const live = this.liveMeta.get(name);
    const cat = CATALOGUE.get(name);
    // The catalogue's curated type and help win; the live server may add a unit the catalogue leaves out.
    if (cat && live) return live.unit && !cat.unit ? { ...cat, unit: live.unit } : cat;
    return cat ?? live ?? (this.liveNames?.has(name) ? { name, type: 'unknown', help: '', source: 'live' } : undefined);
  }

  isUnknown(name: string): boolean {
    if (CATALOGUE.has(name) || this.liveMeta.has(name)) return false;
    if (this.liveNames) return !this.liveNames.has(name);
    return CURATED_PREFIXES.some((p) => name.startsWith(p));
  }

  /**
   * All metric names: the catalogue's and the live server's. Refreshes the live ones when stale. The merged
   * list is rebuilt only when the live answer changed, and is the same array until then (callers cache on it).
   */
  async names(): Promise<readonly MetricInfo[]> {
    await this.refresh();
    if (this.merged && this.merged.names === this.liveNames && this.merged.meta === this.liveMeta) return this.merged.list;
    const out = new Map<string, MetricInfo>(CATALOGUE);
    for (const n of this.liveNames ?? [])
      if (!out.has(n)) out.set(n, this.get(n) ?? { name: n, type: 'unknown', help: '', source: 'live' });
    for (const [n, m] of this.liveMeta) if (!out.has(n)) out.set(n, m);
    this.merged = { names: this.liveNames, meta: this.liveMeta, list: [...out.values()] };
    return this.merged.list;
  }

  /** Loads live names and metadata when stale; never throws. */
  async refresh(): Promise<void> {
    if (!this.client) return;
    const [names, meta] = await Promise.all([
      this.cached('names', () => this.call('label/__name__/values')),
      this.cached('metadata', () => this.call('metadata')),
    ]);
    // The cached answers are the same arrays until the TTL runs out: rebuild only on a new answer.
    if (Array.isArray(names) && names !== this.loadedFrom.names) {
      this.loadedFrom.names = names;
      this.changes++;
      this.liveNames = new Set(names.filter((n): n is string => typeof n === 'string'));
    }
    if (meta && typeof meta === 'object' && meta !== this.loadedFrom.meta) {
      this.loadedFrom.meta = meta;
      this.changes++;
      const m = new Map<string, MetricInfo>();
      for (const [name, entries] of Object.entries(meta as Record<string, Array<{ type?: string; help?: string; unit?: string }>>)) {
        const e = Array.isArray(entries) ? entries[0] : undefined;
        if (!e) continue;
        const type = METRIC_TYPES.has(e.type as MetricType) ? (e.type as MetricType) : 'unknown';
        m.set(name, { name, type, help: e.help ?? '', source: 'live', ...(e.unit ? { unit: e.unit } : {}) });
      }
      this.liveMeta = m;
    }
  }

  /** Label names of a metric's series (live), else the catalogue's. */
  async labelNames(metric: string | undefined): Promise<string[]> {
    const params: Record<string, string | string[]> = { ...recent(this.now()), ...(metric ? { 'match[]': [metric] } : {}) };
    const live = await this.cached(`labels:${metric ?? ''}`, () => this.call('labels', params));
    const out = new Set<string>(Array.isArray(live) ? live.filter((l): l is string => typeof l === 'string' && l !== '__name__') : []);
    for (const l of (metric ? CATALOGUE.get(metric)?.labels : undefined) ?? []) out.add(l);
    return [...out].sort();
  }

  /** Values of a label, for a metric's series when given (live only: the catalogue has no values). */
  async labelValues(label: string, metric: string | undefined): Promise<string[]> {
    const params: Record<string, string | string[]> = { ...recent(this.now()), ...(metric ? { 'match[]': [metric] } : {}) };
    const live = await this.cached(`values:${label}:${metric ?? ''}`, () => this.call(`label/${encodeURIComponent(label)}/values`, params));
    return Array.isArray(live) ? live.filter((v): v is string => typeof v === 'string') : [];
  }

  /** The current value of a selector (at most `limit` series, the total count beside), for hover. */
  async currentValues(selector: string, limit = 5): Promise<{ series: SeriesValue[]; total: number } | undefined> {
    if (!this.client) return undefined;
    const data = await this.call('query', { query: selector });
    const result = (data as { resultType?: string; result?: unknown } | undefined)?.result;
    if (!Array.isArray(result)) return undefined;
    const series = (result as Array<{ metric?: Record<string, string>; value?: [number, string] }>).map((r) => ({
      labels: r.metric ?? {},
      value: Number(r.value?.[1]),
    }));
    return { series: series.slice(0, limit), total: series.length };
  }

  private async call(path: string, params: Record<string, string | string[]> = {}): Promise<unknown> {
    if (!this.client) return undefined;
    try {
      const data = await this.client.api(path, params);
      this.report(undefined);
      return data;
    } catch (err) {
      this.report(errorMessage(err));
      return undefined;
    }
  }

  private cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cache.get(key) as Cached<T> | undefined;
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = load();
    this.cache.set(key, { at: this.now(), value });
    // A failed load (undefined) is kept for a short while only, so a server that comes back is seen soon.
    void value.then((v) => {
      if (v === undefined && this.cache.get(key)?.value === value) this.cache.set(key, { at: this.now() - this.ttlMs + 5000, value });
    });
    return value;
  }

  private report(message: string | undefined): void {
    if (this.reported && message === this.lastProblem) return;
    this.reported = true;
    this.lastProblem = message;
    this.options.onProblem?.(message);
  }
}

/** Label lookups over the last hour only: cheap on big servers, and what the user is looking at. */
function recent(now: number): Record<string, string> {
  return { start: String(Math.floor(now / 1000) - 3600), end: String(Math.ceil(now / 1000)) };
}
