// The client side of any Prometheus-API engine (issue 18): what is sent (token, headers, basic auth), what is
// refused (Authorization in headers, a token on the command line), the retry policy against a real local HTTP
// server that counts requests (429/503, Retry-After in seconds and as a date), and the CLI's flags end to end.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { SCAPH_HOST_QUERY } from '../../src/core/power/prometheusSource';
import { headersProblem, parseHeaderLine, retryDelayMs, type RetryPolicy } from '../../src/core/prometheus/access';
import { PrometheusClient, PrometheusError } from '../../src/core/prometheus/client';
import { readSettings } from '../../src/core/settings';
import { PROMETHEUS_ACCESS } from '../../src/shared/lspProtocol';
import { startHarness, until } from '../fixtures/lspHarness';
import { runCli } from '../fixtures/engineCli';

const T = 1700000000.5;

interface Seen {
  readonly at: number;
  readonly headers: http.IncomingHttpHeaders;
}

/** Answers from a queue of statuses (with optional Retry-After), then like Prometheus: 42 W for Scaphandre's query. */
async function startEngine(
  plan: Array<{ status: number; retryAfter?: string }> = [],
  accept: (h: http.IncomingHttpHeaders) => boolean = () => true,
): Promise<{ url: string; seen: Seen[]; stop(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    seen.push({ at: Date.now(), headers: req.headers });
    const next = accept(req.headers) ? plan.shift() : { status: 401 };
    if (next) {
      res.writeHead(next.status, { 'Content-Type': 'text/plain', ...(next.retryAfter ? { 'Retry-After': next.retryAfter } : {}) });
      res.end('busy\n');
      return;
    }
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(
      JSON.stringify({
        status: 'success',
        data: { resultType: 'vector', result: q === SCAPH_HOST_QUERY ? [{ metric: {}, value: [T, '42'] }] : [] },
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const FAST: RetryPolicy = { retries: 3, baseMs: 20, maxDelayMs: 1500 };

describe('Prometheus-API engines: credentials, headers and retries (issue 18)', function () {
  this.timeout(20000);

  it('sends the token as Bearer (over user:password@), the extra headers, and says which credential a 401 answered', async () => {
    const srv = await startEngine([{ status: 401 }, { status: 403 }]);
    try {
      const url = srv.url.replace('://', '://u:p@');
      const c = new PrometheusClient(url, undefined, 2000, { token: 'tok-1', headers: { 'X-Scope-OrgID': 'team-a' } });
      await assert.rejects(c.query('up'), /HTTP 401 \(not authenticated\); OptiVolt sent the bearer token/);
      assert.equal(srv.seen[0].headers.authorization, 'Bearer tok-1');
      assert.equal(srv.seen[0].headers['x-scope-orgid'], 'team-a');
      await assert.rejects(new PrometheusClient(url).query('up'), (e: unknown) => {
        assert.ok(e instanceof PrometheusError && e.status === 403);
        assert.match(e.message, /HTTP 403 \(forbidden\); OptiVolt sent the user and password/);
        assert.ok(!e.message.includes('tok-1') && !e.message.includes(':p@'));
        return true;
      });
      assert.equal(srv.seen.length, 2, '401/403 are not retried');
    } finally {
      await srv.stop();
    }
  });

  it('retries 503 with growing jittered backoff, bounded, and succeeds when the engine recovers', async () => {
    const srv = await startEngine([{ status: 503 }, { status: 502 }, { status: 429 }]);
    try {
      const c = new PrometheusClient(srv.url, undefined, 2000, { retry: FAST });
      assert.deepEqual(await c.query(SCAPH_HOST_QUERY), [{ metric: {}, value: 42 }]);
      assert.equal(srv.seen.length, 4);
      assert.equal(c.requests, 4);
    } finally {
      await srv.stop();
    }
  });

  it('gives up after the retries, saying the status and the attempts (not hammered: exactly 1 + retries requests)', async () => {
    const srv = await startEngine(Array.from({ length: 10 }, () => ({ status: 503 })));
    try {
      const c = new PrometheusClient(srv.url, undefined, 2000, { retry: { retries: 2, baseMs: 10, maxDelayMs: 100 } });
      await assert.rejects(c.query('up'), /unavailable: HTTP 503 after 3 attempts/);
      assert.equal(srv.seen.length, 3);
    } finally {
      await srv.stop();
    }
  });

  it("keeps the engine's own words when it gives up (a JSON error body)", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(503, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'error', errorType: 'unavailable', error: 'TSDB not ready' }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const c = new PrometheusClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, undefined, 2000, {
        retry: { retries: 1, baseMs: 10, maxDelayMs: 100 },
      });
      await assert.rejects(
        c.query('up'),
        (e: unknown) =>
          e instanceof PrometheusError &&
          e.prometheusText === 'TSDB not ready' &&
          /after 2 attempts; try again later\. It said: TSDB not ready/.test(e.message),
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('honours Retry-After as an HTTP date, and refuses to wait longer than the bound', async () => {
    const srv = await startEngine([
      { status: 429, retryAfter: new Date(Date.now() + 1000).toUTCString() },
      { status: 429, retryAfter: '3600' },
    ]);
    try {
      const c = new PrometheusClient(srv.url, undefined, 2000, { retry: FAST });
      await assert.rejects(c.query('up'), /rate-limited: HTTP 429 after 2 attempts \(Retry-After: 3600\)/);
      assert.equal(srv.seen.length, 2);
      // An HTTP date has 1 s resolution: the wait is what is left of that second, but not nothing.
      const gap = srv.seen[1].at - srv.seen[0].at;
      assert.ok(gap >= 1 && gap <= 1500, `waited ${gap} ms`);
    } finally {
      await srv.stop();
    }
  });

  it('retryDelayMs: full jitter under base x 2^n, capped; Retry-After seconds and dates', () => {
    const p: RetryPolicy = { retries: 5, baseMs: 100, maxDelayMs: 1000 };
    assert.equal(
      retryDelayMs(p, 0, null, 0, () => 0.999),
      100,
    );
    assert.equal(
      retryDelayMs(p, 3, null, 0, () => 0.5),
      400,
    );
    assert.equal(
      retryDelayMs(p, 8, null, 0, () => 0.999),
      999,
    );
    assert.equal(retryDelayMs(p, 0, '0', 0), 0);
    assert.equal(retryDelayMs(p, 0, '1', 0), 1000);
    assert.equal(retryDelayMs(p, 0, '2', 0), undefined);
    assert.equal(retryDelayMs(p, 0, new Date(10_000).toUTCString(), 9_500), 500);
    assert.equal(
      retryDelayMs(p, 0, 'soon', 0, () => 0.5),
      50,
      'an unreadable Retry-After falls back to backoff',
    );
  });

  it('an aborted wait ends at once (a closed view does not keep retrying)', async () => {
    const srv = await startEngine([{ status: 503, retryAfter: '1' }]);
    try {
      const c = new PrometheusClient(srv.url, undefined, 2000, { retry: FAST });
      const abort = new AbortController();
      const t0 = Date.now();
      setTimeout(() => abort.abort(), 100);
      await assert.rejects(c.api('query', { query: 'up' }, abort.signal), /gave up waiting to retry HTTP 503/);
      assert.ok(Date.now() - t0 < 800);
      assert.equal(srv.seen.length, 1);
    } finally {
      await srv.stop();
    }
  });

  it('settings: headers must not hold Authorization (use the token), names must be tokens, values one line', () => {
    assert.match(String(headersProblem({ authorization: 'Bearer x' })), /must not set Authorization: .*Set Prometheus Token/);
    assert.match(String(headersProblem({ 'bad name': 'x' })), /"bad name" is not a header name/);
    assert.match(String(headersProblem({ 'X-A': 'a\r\nInjected: 1' })), /one-line string/);
    assert.match(String(headersProblem(['X-A'])), /object/);
    assert.equal(headersProblem({ 'X-Scope-OrgID': 'team-a' }), undefined);
    const { settings, problems } = readSettings((k) => ({ 'prometheus.headers': { Authorization: 'Bearer secret-x' } })[k as string]);
    assert.deepEqual(settings['prometheus.headers'], {});
    assert.equal(problems.length, 1);
    assert.match(problems[0], /optivolt\.prometheus\.headers must not set Authorization/);
    assert.ok(!problems[0].includes('secret-x'), problems[0]);
    assert.deepEqual(parseHeaderLine('X-Scope-OrgID:  team-a '), ['X-Scope-OrgID', 'team-a']);
    assert.throws(() => parseHeaderLine('no colon'), /"Name: value"/);
  });

  it('a server that accepts but never answers: unreachable (TimeoutError), one request, no retry', async () => {
    const silent = http.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const c = new PrometheusClient(`http://127.0.0.1:${(silent.address() as AddressInfo).port}`, undefined, 300, { retry: FAST });
      await assert.rejects(
        c.query('up'),
        (e: unknown) => e instanceof PrometheusError && e.kind === 'unreachable' && /TimeoutError/.test(e.message),
      );
      assert.equal(c.requests, 1);
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  it('an unreadable CA file is said by the request, not thrown by the constructor', async () => {
    const c = new PrometheusClient('https://127.0.0.1:1', undefined, 1000, { caFile: '/nonexistent/ca.pem' });
    await assert.rejects(
      c.query('up'),
      (e: unknown) => e instanceof PrometheusError && e.kind === 'unexpected' && /ca\.pem\): ENOENT/.test(e.message),
    );
  });
});

describe('PromQL language server: the engine credentials (issue 18)', function () {
  this.timeout(20000);

  it('takes them in initializationOptions and again by notification, and never says the token', async () => {
    const srv = await startEngine([], (hd) => hd.authorization === 'Bearer new-tok');
    const logs: string[] = [];
    const h = await startHarness(srv.url, { prometheusAccess: { token: 'old-tok', headers: { 'X-Scope-OrgID': 'team-a' } } });
    h.client.onNotification('window/logMessage', (p: { message: string }) => void logs.push(p.message));
    try {
      const refused = await until(() => h.statuses.find((x) => x.problem), 5000);
      assert.match(String(refused.problem), /HTTP 401 .*bearer token/);
      assert.equal(srv.seen[0].headers.authorization, 'Bearer old-tok');
      assert.equal(srv.seen[0].headers['x-scope-orgid'], 'team-a');
      await h.client.sendNotification(PROMETHEUS_ACCESS, { token: 'new-tok' });
      await until(() => (h.statuses[h.statuses.length - 1]?.problem === undefined ? true : undefined), 5000);
      assert.ok(srv.seen.some((x) => x.headers.authorization === 'Bearer new-tok'));
      const said = JSON.stringify([h.statuses, logs]);
      assert.ok(!said.includes('old-tok') && !said.includes('new-tok'), said);
    } finally {
      h.stop();
      await srv.stop();
    }
  });
});

describe('CLI: the engine flags (issue 18)', function () {
  this.timeout(30000);
  let srv: Awaited<ReturnType<typeof startEngine>>;
  let dir: string;
  beforeEach(async () => {
    srv = await startEngine();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-engines-'));
  });
  afterEach(async () => {
    await srv.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const sample = (extra: string[], env: Record<string, string> = {}) =>
    runCli(['sample', '--source', 'prometheus', '--count', '1', '--json', '--prometheus-url', srv.url, ...extra], env);

  it('token from OPTIVOLT_PROMETHEUS_TOKEN, repeated --prometheus-header', async () => {
    const r = await sample(['--prometheus-header', 'X-Scope-OrgID: team-a', '--prometheus-header', 'X-Extra: 1'], {
      OPTIVOLT_PROMETHEUS_TOKEN: 'env-tok',
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { watts: number }).watts, 42);
    assert.equal(srv.seen[0].headers.authorization, 'Bearer env-tok');
    assert.equal(srv.seen[0].headers['x-scope-orgid'], 'team-a');
    assert.equal(srv.seen[0].headers['x-extra'], '1');
  });

  it('--prometheus-token-file wins over the environment; an empty or missing file is a usage error', async () => {
    const file = path.join(dir, 'token');
    fs.writeFileSync(file, 'file-tok\nignored\n');
    const r = await sample(['--prometheus-token-file', file], { OPTIVOLT_PROMETHEUS_TOKEN: 'env-tok' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(srv.seen[0].headers.authorization, 'Bearer file-tok');
    fs.writeFileSync(file, '\n');
    const empty = await sample(['--prometheus-token-file', file]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--prometheus-token-file: .* is empty/);
    const missing = await sample(['--prometheus-token-file', path.join(dir, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read .*ENOENT/);
  });

  it('refuses a token as an argument and Authorization as a header, without echoing the secret', async () => {
    const flag = await sample(['--prometheus-token', 'secret-arg']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Unknown option '--prometheus-token'/);
    assert.ok(!flag.stderr.includes('secret-arg'));
    const header = await sample(['--prometheus-header', 'Authorization: Bearer secret-hdr']);
    assert.equal(header.code, 2);
    assert.match(header.stderr, /--prometheus-header must not set Authorization: .*OPTIVOLT_PROMETHEUS_TOKEN/);
    assert.ok(!header.stderr.includes('secret-hdr'), header.stderr);
    assert.equal(srv.seen.length, 0, 'nothing was sent');
  });
});
