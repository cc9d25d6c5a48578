// How OptiVolt reaches a team's Prometheus-API engine (Prometheus, Thanos, Mimir, VictoriaMetrics) behind its
// proxy: a bearer token (from SecretStorage or the environment, never from settings), extra headers such as Mimir's
// X-Scope-OrgID, a custom CA for https, and bounded retries for 429/5xx that honour Retry-After.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as tls from 'node:tls';
import type { FetchFn } from './fetchFn';

/** The credentials and transport options that come with `optivolt.prometheus.url`. */
export interface PrometheusAccess {
  /** Sent as `Authorization: Bearer <token>`; wins over user:password@ in the URL. */
  readonly token?: string;
  /** Extra request headers, e.g. `{ 'X-Scope-OrgID': 'team-a' }` (checked by headersProblem). */
  readonly headers?: Readonly<Record<string, string>>;
  /** PEM file of the CA that signed the engine's (or its proxy's) https certificate. */
  readonly caFile?: string;
  readonly retry?: RetryPolicy;
}

export interface RetryPolicy {
  /** Retries after the first attempt (0 = none). */
  readonly retries: number;
  /** First backoff, ms; doubled per retry, with full jitter. */
  readonly baseMs: number;
  /** No single wait is longer; a Retry-After asking for more ends the retries instead of stalling a reader. */
  readonly maxDelayMs: number;
}

/** The access options from the settings (headers, CA file) and a token kept elsewhere. */
export function accessFromSettings(
  s: { readonly 'prometheus.headers': Readonly<Record<string, string>>; readonly 'prometheus.caFile': string },
  token?: string,
): PrometheusAccess {
  return {
    ...(token ? { token } : {}),
    ...(Object.keys(s['prometheus.headers']).length ? { headers: s['prometheus.headers'] } : {}),
    ...(s['prometheus.caFile'] ? { caFile: s['prometheus.caFile'] } : {}),
  };
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 3, baseMs: 200, maxDelayMs: 5000 };

/** RFC 9110 token characters: what a header name may hold. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Why `optivolt.prometheus.headers` is invalid (undefined: valid). Authorization is refused: a credential in
 * settings would be synced and shown; the token goes through "OptiVolt: Set Prometheus Token" instead.
 */
export function headersProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'must be an object of header names to values';
  for (const [name, value] of Object.entries(v as Record<string, unknown>)) {
    if (name.toLowerCase() === 'authorization') {
      return 'must not set Authorization: keep the token in SecretStorage with "OptiVolt: Set Prometheus Token" (CLI: OPTIVOLT_PROMETHEUS_TOKEN or --prometheus-token-file)';
    }
    if (!HEADER_NAME.test(name))
      return `must name headers with letters, digits and -_.!#$%&'*+^\`|~ (${JSON.stringify(name)} is not a header name)`;
    if (typeof value !== 'string' || /[\r\n\0]/.test(value)) return `must give header ${name} a one-line string value`;
  }
  return undefined;
}

/** A headers value fit to show: an Authorization header's value (which is refused, but was typed) masked. */
export function showableHeaders(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, k.toLowerCase() === 'authorization' ? '***' : x]),
  );
}

/** `K: V` (curl's form, as the CLI takes it) to a name and value; throws on anything else. */
export function parseHeaderLine(line: string): [string, string] {
  const i = line.indexOf(':');
  const name = i > 0 ? line.slice(0, i).trim() : '';
  if (!name) throw new Error(`--prometheus-header wants "Name: value", got ${JSON.stringify(line)}`);
  return [name, line.slice(i + 1).trim()];
}

/** Which credential a request carried, in the words a 401/403 message uses. */
export function credentialSent(headers: Readonly<Record<string, string>>): string {
  const auth = Object.entries(headers).find(([k]) => k.toLowerCase() === 'authorization')?.[1] ?? '';
  if (auth.startsWith('Bearer ')) return 'the bearer token (OptiVolt: Set Prometheus Token, or OPTIVOLT_PROMETHEUS_TOKEN)';
  if (auth.startsWith('Basic ')) return 'the user and password of optivolt.prometheus.url (basic auth)';
  return 'no credentials (set a token with "OptiVolt: Set Prometheus Token", or user:password@ in the URL)';
}

/**
 * How long to wait before retry number `retry` (0-based): Retry-After when the server gave one (seconds or an
 * HTTP date, RFC 9110 §10.2.3), else exponential backoff with full jitter. undefined: the server asks for longer
 * than the policy allows, so retrying would only stall the reader.
 */
export function retryDelayMs(
  policy: RetryPolicy,
  retry: number,
  retryAfter: string | null,
  now = Date.now(),
  random = Math.random,
): number | undefined {
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const text = retryAfter.trim();
    const ms = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text) - now;
    if (Number.isFinite(ms)) return ms > policy.maxDelayMs ? undefined : Math.max(0, ms);
  }
  return Math.round(random() * Math.min(policy.maxDelayMs, policy.baseMs * 2 ** retry));
}

/** Statuses worth a retry: the engine is rate-limiting or briefly unavailable, not refusing the query. */
export const isRetryable = (status: number): boolean => status === 429 || (status >= 500 && status !== 501 && status !== 505);

/** Waits `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A FetchFn over node:http/https that trusts the CA in `caFile` (besides the system's). Node's global fetch has no
 * per-request CA without undici's dispatcher, which Node does not export; node:https takes `ca` directly.
 */
export function fetchWithCa(caFile: string): FetchFn {
  let ca: string;
  try {
    ca = fs.readFileSync(caFile, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new Error(`Cannot read the CA file of optivolt.prometheus.caFile (${caFile}): ${code}`, { cause: err });
  }
  if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw new Error(`The CA file ${caFile} holds no PEM certificate.`);
  // Node's root store plus the file: a CA file adds trust, it does not take the public CAs away.
  const cas = [...tls.rootCertificates, ca];
  return (url, init) =>
    new Promise((resolve, reject) => {
      const u = new URL(url);
      const mod = u.protocol === 'https:' ? https : http;
      const req = mod.request(
        u,
        { method: 'GET', headers: init?.headers, ...(u.protocol === 'https:' ? { ca: cas } : {}), signal: init?.signal },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            resolve({
              ok: status >= 200 && status < 300,
              status,
              headers: { get: (name: string) => headerValue(res.headers[name.toLowerCase()]) },
              json: () => Promise.resolve().then(() => JSON.parse(text) as unknown),
            });
          });
        },
      );
      // Same shape as fetch's failure, so networkCause() reads the code (ECONNREFUSED, CERT_..., ...) alike.
      req.on('error', (err) => reject(Object.assign(new TypeError('fetch failed'), { cause: err })));
      req.end();
    });
}

const headerValue = (v: string | string[] | undefined): string | null => (v === undefined ? null : Array.isArray(v) ? v.join(', ') : v);
