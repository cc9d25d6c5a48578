// A minimal Prometheus HTTP API client over an injected fetch: instant queries, and any /api/v1 endpoint.
import { networkCause } from '../fetchError';
import type { FetchFn } from './fetchFn';
import { credentialSent, DEFAULT_RETRY, fetchWithCa, isRetryable, retryDelayMs, sleep, type PrometheusAccess } from './access';

export interface VectorSample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export class PrometheusError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'http' | 'bad_data' | 'unexpected',
    message: string,
    /** Prometheus' own error text, when it answered with one (e.g. the parser's message for bad_data). */
    readonly prometheusText?: string,
    /** The HTTP status of the last answer, when there was one (401/403: refused; 429/5xx: after the retries). */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

interface ApiEnvelope {
  status?: string;
  errorType?: string;
  error?: string;
  data?: unknown;
}

/**
 * A URL with its password replaced by *** (`http://user:***@host`), safe to print or log. Text that does not parse
 * as a URL is redacted the same way wherever it holds `scheme://user:password@`.
 */
export function redactUrl(url: string): string {
  return url.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/?#@\s:"']*):[^/?#@\s"']*@/gi, '$1:***@');
}

/** Checks that a user-supplied Prometheus URL is http(s) and returns it without a trailing slash. */
export function normalizePrometheusUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PrometheusError('unexpected', `Not a URL: "${redactUrl(url)}".`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new PrometheusError('unexpected', `Prometheus URL must be http or https: "${redactUrl(url)}".`);
  }
  return u.toString().replace(/\/+$/, '');
}

/**
 * Splits `user:pass@` off a normalised URL: Node's fetch refuses a URL with credentials, so they travel as an
 * `Authorization: Basic` header (RFC 7617: user-id ":" password, UTF-8, the URL's percent-encoding undone).
 */
function splitCredentials(normalized: string): { fetchUrl: string; authorization?: string } {
  const u = new URL(normalized);
  if (u.username === '' && u.password === '') return { fetchUrl: normalized };
  const pair = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  u.username = '';
  u.password = '';
  return { fetchUrl: u.toString().replace(/\/+$/, ''), authorization: `Basic ${Buffer.from(pair, 'utf8').toString('base64')}` };
}

/** fetchWithCa, its problem (an unreadable CA file) reported by each request instead of by the constructor. */
function caFetch(caFile: string): FetchFn {
  try {
    return fetchWithCa(caFile);
  } catch (err) {
    const problem = err instanceof Error ? err.message : String(err);
    return () => Promise.reject(new PrometheusError('unexpected', problem));
  }
}

export class PrometheusClient {
  /** The server's URL as shown to people: normalised, its password redacted (every message and log uses this). */
  readonly baseUrl: string;
  private readonly fetchUrl: string;
  private readonly headers: Record<string, string>;
  private readonly fetchFn: FetchFn;
  /** The tenant asked for (X-Scope-OrgID), named when a query finds nothing. */
  readonly tenant?: string;
  /** Requests sent, retries included (tests count them: a failing engine must not be hammered). */
  requests = 0;

  constructor(
    baseUrl: string,
    fetchFn?: FetchFn,
    private readonly timeoutMs = 3000,
    private readonly access: PrometheusAccess = {},
  ) {
    const normalized = normalizePrometheusUrl(baseUrl);
    this.baseUrl = redactUrl(normalized);
    const { fetchUrl, authorization } = splitCredentials(normalized);
    this.fetchUrl = fetchUrl;
    this.fetchFn = fetchFn ?? (access.caFile ? caFetch(access.caFile) : fetch);
    // The token wins over user:password@: one Authorization header, the one the user set last on purpose.
    const auth = access.token ? `Bearer ${access.token}` : authorization;
    this.headers = { ...access.headers, ...(auth ? { authorization: auth } : {}) };
    this.tenant = Object.entries(access.headers ?? {}).find(([k]) => k.toLowerCase() === 'x-scope-orgid')?.[1];
  }

  /** Runs an instant query and returns its vector (a scalar comes back as one sample without labels). */
  async query(expr: string): Promise<VectorSample[]> {
    return parseResult((await this.api('query', { query: expr })) as QueryData | undefined);
  }

  /**
   * Calls /api/v1/<path> with GET parameters (an array repeats the parameter, e.g. match[]) and returns the
   * envelope's `data`. Prometheus' own error text is kept: a `bad_data` error carries the parser's message.
   */
  async api(path: string, params: Readonly<Record<string, string | readonly string[]>> = {}, signal?: AbortSignal): Promise<unknown> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of typeof v === 'string' ? [v] : v) qs.append(k, one);
    const query = qs.toString();
    const url = `${this.fetchUrl}/api/v1/${path}${query ? `?${query}` : ''}`;
    const res = await this.send(url, signal);
    let body: ApiEnvelope;
    try {
      body = (await res.json()) as ApiEnvelope;
    } catch {
      throw new PrometheusError(
        'http',
        `${this.baseUrl} answered HTTP ${res.status} without Prometheus JSON (is it Prometheus?).`,
        undefined,
        res.status,
      );
    }
    if (body.status !== 'success') {
      const kind = body.errorType === 'bad_data' ? 'bad_data' : 'http';
      throw new PrometheusError(
        kind,
        `Prometheus error (${body.errorType ?? res.status}): ${body.error ?? 'no message'}`,
        body.error,
        res.status,
      );
    }
    return body.data;
  }

  /** One GET with retries for 429/5xx (exponential backoff with jitter, Retry-After honoured, bounded). */
  private async send(url: string, signal: AbortSignal | undefined): Promise<Awaited<ReturnType<FetchFn>>> {
    const policy = this.access.retry ?? DEFAULT_RETRY;
    for (let attempt = 0; ; attempt++) {
      let res: Awaited<ReturnType<FetchFn>>;
      try {
        this.requests++;
        res = await this.fetchFn(url, { signal: signal ?? AbortSignal.timeout(this.timeoutMs), headers: this.headers });
      } catch (err) {
        if (err instanceof PrometheusError) throw err;
        const cause = networkCause(err);
        throw new PrometheusError('unreachable', `Prometheus unreachable at ${this.baseUrl} (${cause}).`);
      }
      // Prometheus has no auth of its own: a 401/403 comes from a proxy in front of it, whatever its body.
      if (res.status === 401 || res.status === 403) {
        throw new PrometheusError(
          'http',
          `${this.baseUrl} refused the request: HTTP ${res.status} ${res.status === 401 ? '(not authenticated)' : '(forbidden)'}; OptiVolt sent ${credentialSent(this.headers)}.`,
          undefined,
          res.status,
        );
      }
      if (!isRetryable(res.status)) return res;
      const wait = attempt < policy.retries ? retryDelayMs(policy, attempt, res.headers?.get('retry-after') ?? null) : undefined;
      if (wait === undefined) {
        const after = res.headers?.get('retry-after');
        const why = res.status === 429 ? 'rate-limited' : 'unavailable';
        // The engine's own words when it gave some (Prometheus' 503 "unavailable", a Mimir limit), else a proxy's page.
        const said = await res.json().then(
          (b) => (b as ApiEnvelope | undefined)?.error,
          () => undefined,
        );
        throw new PrometheusError(
          'http',
          `${this.baseUrl} is ${why}: HTTP ${res.status} after ${attempt + 1} attempt${attempt ? 's' : ''}${after ? ` (Retry-After: ${after})` : ''}; try again later.${said ? ` It said: ${said}` : ''}`,
          said,
          res.status,
        );
      }
      try {
        await sleep(wait, signal);
      } catch {
        throw new PrometheusError('unreachable', `Prometheus at ${this.baseUrl}: gave up waiting to retry HTTP ${res.status}.`);
      }
    }
  }
}

interface QueryData {
  resultType?: string;
  result?: unknown;
}

function parseResult(data: QueryData | undefined): VectorSample[] {
  const result = data?.result;
  if (data?.resultType === 'scalar' && Array.isArray(result)) return [{ metric: {}, value: sampleValue(result[1]) }];
  if (data?.resultType !== 'vector' || !Array.isArray(result)) {
    throw new PrometheusError('unexpected', `Expected an instant vector, got ${data?.resultType ?? 'nothing'}.`);
  }
  // NaN and ±Inf are kept: a series that says NaN is not a missing series, and its reader must be able to say so.
  return (result as Array<{ metric?: Record<string, string>; value?: [number, string] }>).map((r) => ({
    metric: r.metric ?? {},
    value: sampleValue(r.value?.[1]),
  }));
}

/** Prometheus' sample values are strings, with NaN and ±Inf spelled its way (Number('+Inf') is NaN). */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

const sampleValue = (v: unknown): number => (typeof v === 'string' ? parseSampleValue(v) : NaN);
