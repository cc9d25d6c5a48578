// A minimal Prometheus HTTP API client over an injected fetch: instant queries, and any /api/v1 endpoint.
import { networkCause } from '../fetchError';

export type FetchFn = (
  url: string,
  init?: { signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; json(): Promise<unknown> }>;

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

/** Checks that a user-supplied Prometheus URL is http(s) and returns it without a trailing slash. */
export function normalizePrometheusUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new PrometheusError('unexpected', `Not a URL: "${url}".`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw new PrometheusError('unexpected', `Prometheus URL must be http or https: "${url}".`);
  }
  return u.toString().replace(/\/+$/, '');
}

export class PrometheusClient {
  readonly baseUrl: string;

  constructor(
    baseUrl: string,
    private readonly fetchFn: FetchFn = fetch,
    private readonly timeoutMs = 3000,
  ) {
    this.baseUrl = normalizePrometheusUrl(baseUrl);
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
    const url = `${this.baseUrl}/api/v1/${path}${query ? `?${query}` : ''}`;
    let res: Awaited<ReturnType<FetchFn>>;
    try {
      res = await this.fetchFn(url, { signal: signal ?? AbortSignal.timeout(this.timeoutMs) });
    } catch (err) {
      const cause = networkCause(err);
      throw new PrometheusError('unreachable', `Prometheus unreachable at ${this.baseUrl} (${cause}).`);
    }
    let body: ApiEnvelope;
    try {
      body = (await res.json()) as ApiEnvelope;
    } catch {
      throw new PrometheusError('http', `${this.baseUrl} answered HTTP ${res.status} without Prometheus JSON (is it Prometheus?).`);
    }
    if (body.status !== 'success') {
      const kind = body.errorType === 'bad_data' ? 'bad_data' : 'http';
      throw new PrometheusError(kind, `Prometheus error (${body.errorType ?? res.status}): ${body.error ?? 'no message'}`, body.error);
    }
    return body.data;
  }
}

interface QueryData {
  resultType?: string;
  result?: unknown;
}

function parseResult(data: QueryData | undefined): VectorSample[] {
  const result = data?.result;
  if (data?.resultType === 'scalar' && Array.isArray(result)) return [{ metric: {}, value: Number(result[1]) }];
  if (data?.resultType !== 'vector' || !Array.isArray(result)) {
    throw new PrometheusError('unexpected', `Expected an instant vector, got ${data?.resultType ?? 'nothing'}.`);
  }
  return (result as Array<{ metric?: Record<string, string>; value?: [number, string] }>).flatMap((r) => {
    const v = Number(r.value?.[1]);
    return Number.isFinite(v) ? [{ metric: r.metric ?? {}, value: v }] : [];
  });
}
