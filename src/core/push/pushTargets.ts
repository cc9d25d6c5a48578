// Sends a result's samples to where the team keeps history: a Pushgateway (text format, one group per result) or a
// Prometheus remote-write receiver (protobuf + snappy).
import { errorMessage } from '../errors';
import { networkCause } from '../fetchError';
import { expositionText, PushSample, writeRequestBody } from './pushFormat';
import type { PushIdentity } from './pushIdentity';

/** The Pushgateway job every OptiVolt result is pushed under, unless the URL names another. */
export const PUSH_JOB = 'optivolt';
const TIMEOUT_MS = 15000;

export interface PushTarget {
  readonly kind: 'pushgateway' | 'remote-write';
  readonly url: URL;
}

/** A bad --push/--push-remote-write URL: said before anything runs. */
export class PushUrlError extends Error {}

function httpUrl(raw: string, flag: string): URL {
  let u: URL;
  try {
    u = new URL(raw.replace(/^pushgateway:\/\//, 'http://'));
  } catch {
    throw new PushUrlError(`${flag} needs an http(s) URL (got "${raw}")`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new PushUrlError(`${flag} needs an http(s) URL (got "${raw}")`);
  if (u.username || u.password)
    throw new PushUrlError(`${flag}: credentials in the URL would be logged; they are not supported (got ${u.host})`);
  return u;
}

/**
 * `--push URL`: a Pushgateway, as http(s)://host:9091 (job "optivolt"), pushgateway://host:9091, or a grouping URL
 * http://host:9091/metrics/job/NAME[/label/value...] whose job and labels are kept. A remote-write path is refused
 * with the flag that takes it, rather than pushed text it would reject.
 */
export function pushgatewayTarget(raw: string): PushTarget {
  const url = httpUrl(raw, '--push');
  const p = url.pathname.replace(/\/+$/, '');
  if (/\/api\/v1\/(write|push)$/.test(p)) {
    throw new PushUrlError(`--push is for a Pushgateway; ${raw} looks like a remote-write receiver: use --push-remote-write`);
  }
  if (p !== '' && !/^\/metrics\/job\/[^/]+(\/[^/]+\/[^/]*)*$/.test(p)) {
    throw new PushUrlError(`--push needs a Pushgateway's address or its /metrics/job/NAME[/LABEL/VALUE...] URL (got "${raw}")`);
  }
  return { kind: 'pushgateway', url };
}

/** `--push-remote-write URL`: Prometheus' /api/v1/write (started with --web.enable-remote-write-receiver), Mimir's /api/v1/push ... */
export function remoteWriteTarget(raw: string): PushTarget {
  const url = httpUrl(raw, '--push-remote-write');
  if (url.pathname === '/' || url.pathname === '') {
    throw new PushUrlError(`--push-remote-write needs the receiver's full path, e.g. ${url.origin}/api/v1/write (got "${raw}")`);
  }
  return { kind: 'remote-write', url };
}

/** A Pushgateway grouping-key segment: values base64url-encoded ("@base64"), so a branch "feature/x" or "" is safe. */
function groupingSegment(name: string, value: string): string {
  const b64 = Buffer.from(value, 'utf8').toString('base64url');
  return `${name}@base64/${b64 === '' ? '=' : b64}`;
}

/** The identity as labels, plus the kind of result (measure, profile, test). */
export function identityLabels(id: PushIdentity, kind: string): Record<string, string> {
  // No host (--push-minimal): runners of one pool share their results' series.
  return {
    kind,
    repository: id.repository,
    branch: id.branch,
    commit: id.commit,
    session: id.session,
    ...(id.host ? { host: id.host } : {}),
  };
}

/**
 * The group's URL: one group per (kind, repository, branch, commit, session, host), so a PUT replaces only this
 * result's previous push (a rerun on the same commit) and leaves every other runner's and commit's alone.
 */
export function groupingUrl(target: URL, labels: Record<string, string>): string {
  const base = target.pathname.replace(/\/+$/, '');
  const path = base === '' ? `/metrics/job/${PUSH_JOB}` : base;
  const segments = Object.entries(labels).map(([k, v]) => groupingSegment(k, v));
  return `${target.origin}${path}/${segments.join('/')}`;
}

async function send(url: string, init: RequestInit, what: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new Error(`cannot push to ${what} ${new URL(url).origin}: ${networkCause(err)}${cause ? ` (${errorMessage(cause)})` : ''}`, {
      cause: err,
    });
  }
  if (!res.ok) {
    const body = (await res.text().catch(() => '')).trim().slice(0, 300);
    throw new Error(`${what} ${new URL(url).origin} refused the push: HTTP ${res.status}${body ? `: ${body}` : ''}`);
  }
}

/**
 * Pushes `samples` labelled with the identity. Pushgateway: PUT of the group (the grouping key carries the identity's
 * labels, so the body must not repeat them). Remote write: POST with the identity's labels and job="optivolt" on each
 * series, so both paths answer the same queries. Returns where it went, for the log line.
 */
export async function pushSamples(
  target: PushTarget,
  id: PushIdentity,
  kind: string,
  samples: readonly PushSample[],
  nowMs = Date.now(),
): Promise<string> {
  const labels = identityLabels(id, kind);
  if (target.kind === 'pushgateway') {
    const url = groupingUrl(target.url, labels);
    await send(
      url,
      { method: 'PUT', headers: { 'Content-Type': 'text/plain; version=0.0.4' }, body: expositionText(samples) },
      'the Pushgateway',
    );
    return url;
  }
  const full = samples.map((s) => ({ ...s, labels: { ...s.labels, ...labels, job: PUSH_JOB } }));
  await send(
    target.url.href,
    {
      method: 'POST',
      // The remote-write 1.0 headers (docs/specs/remote_write_spec.md in prometheus/docs).
      headers: {
        'Content-Type': 'application/x-protobuf',
        'Content-Encoding': 'snappy',
        'X-Prometheus-Remote-Write-Version': '0.1.0',
        'User-Agent': 'optivolt',
      },
      body: writeRequestBody(full, nowMs),
    },
    'the remote-write receiver',
  );
  return target.url.href;
}
