// A Prometheus URL with user:password@ (issue 20): the credentials travel as an Authorization: Basic header to a
// real local HTTP server that requires it, the URL fetched has none, and no output (errors, settings problems, the
// built CLI, the language server's log and status notification) shows the password.
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { SCAPH_HOST_QUERY } from '../../src/core/power/prometheusSource';
import { PrometheusClient, PrometheusError, redactUrl } from '../../src/core/prometheus/client';
import { readSettings } from '../../src/core/settings';
import { startHarness, until } from '../fixtures/lspHarness';

const CLI = path.resolve(__dirname, '../../../dist/cli.js');
const USER = 'alice';
const PASSWORD = 'pa:ss@wörd-7f3c'; // ':' '@' and non-ASCII: percent-encoded in the URL, raw in the header
const ENCODED = encodeURIComponent(PASSWORD);
const T = 1700000000.123;

interface Seen {
  readonly url: string;
  readonly authorization?: string;
}

/** Answers like Prometheus behind a Basic-auth proxy: 401 without the right header, else 42 W for Scaphandre's query. */
async function startAuthServer(): Promise<{ port: number; seen: Seen[]; stop(): Promise<void> }> {
  const seen: Seen[] = [];
  const expected = `Basic ${Buffer.from(`${USER}:${PASSWORD}`, 'utf8').toString('base64')}`;
  const server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="prometheus"', 'Content-Type': 'text/plain' });
      res.end('Unauthorized\n');
      return;
    }
    const q = new URL(req.url ?? '/', 'http://x').searchParams.get('query');
    const result = q === SCAPH_HOST_QUERY ? [{ metric: {}, value: [T, '42'] }] : [];
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'vector', result } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    seen,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => p.kill('SIGKILL'), 15000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const noPassword = (text: string): void => {
  assert.ok(!text.includes(PASSWORD) && !text.includes(ENCODED) && !text.includes('wrong-pw'), `password shown: ${text}`);
};

describe('Prometheus URL with credentials (issue 20)', function () {
  this.timeout(20000);
  let srv: Awaited<ReturnType<typeof startAuthServer>>;
  let good: string;
  let bad: string;

  beforeEach(async () => {
    srv = await startAuthServer();
    good = `http://${USER}:${ENCODED}@127.0.0.1:${srv.port}`;
    bad = `http://${USER}:wrong-pw@127.0.0.1:${srv.port}`;
  });
  afterEach(() => srv.stop());

  it('sends the credentials as Authorization: Basic, fetches a URL without them, shows the URL redacted', async () => {
    const client = new PrometheusClient(good);
    assert.deepEqual(await client.query(SCAPH_HOST_QUERY), [{ metric: {}, value: 42 }]);
    assert.equal(srv.seen.length, 1);
    assert.equal(srv.seen[0].authorization, `Basic ${Buffer.from(`${USER}:${PASSWORD}`, 'utf8').toString('base64')}`);
    assert.equal(client.baseUrl, `http://${USER}:***@127.0.0.1:${srv.port}`);
    noPassword(client.baseUrl);

    // The fetch function sees the URL without credentials (Node's fetch refuses one with them).
    const urls: string[] = [];
    const spy = new PrometheusClient(good, (url, init) => {
      urls.push(url);
      return fetch(url, init);
    });
    await spy.query('up');
    assert.ok(urls.length === 1 && !urls[0].includes('@') && urls[0].startsWith(`http://127.0.0.1:${srv.port}/api/v1/query`), urls[0]);
  });

  it('a wrong password: an error that says so, without the password', async () => {
    const err = await new PrometheusClient(bad).query('up').then(
      () => assert.fail('no error'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof PrometheusError, String(err));
    assert.match(err.message, /HTTP 401/);
    noPassword(err.message);
    assert.ok(err.message.includes(`${USER}:***@`), err.message);
  });

  it('an unreachable or invalid URL and a settings problem never show the password', async () => {
    await srv.stop();
    const err = (await new PrometheusClient(good).query('up').catch((e: unknown) => e)) as Error;
    assert.match(err.message, /unreachable/);
    noPassword(err.message);
    const invalid = [`ftp://${USER}:${ENCODED}@host/`, `http://${USER}:${ENCODED}@host:99999`];
    for (const url of invalid) {
      const e = (() => {
        try {
          new PrometheusClient(url);
        } catch (x) {
          return x as Error;
        }
        return assert.fail(`${url} accepted`);
      })();
      noPassword(e.message);
      const { problems } = readSettings((k) => (k === 'prometheus.url' ? url : undefined));
      assert.equal(problems.length, 1);
      noPassword(problems[0]);
    }
    assert.equal(redactUrl(`see http://u:p@h:1/x and https://v:q@k`), 'see http://u:***@h:1/x and https://v:***@k');
    assert.equal(redactUrl('http://u@h'), 'http://u@h', 'a user without a password is not a secret');
  });

  it('the built CLI reads power through the credentials and prints none of them, also on failure', async function () {
    assert.ok(fs.existsSync(CLI), `${CLI} missing: run node scripts/build.mjs first`);
    const ok = await runCli(['sample', '--source', 'prometheus', '--prometheus-url', good, '--count', '1', '--interval', '500', '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal((JSON.parse(ok.stdout.trim()) as { watts: number }).watts, 42);
    noPassword(ok.stdout + ok.stderr);
    assert.ok(
      srv.seen.every((s) => s.authorization?.startsWith('Basic ')),
      JSON.stringify(srv.seen),
    );

    const denied = await runCli(['sample', '--source', 'prometheus', '--prometheus-url', bad, '--count', '1', '--interval', '500']);
    assert.equal(denied.code, 1, denied.stderr);
    assert.match(denied.stderr, /401/);
    noPassword(denied.stdout + denied.stderr);

    const invalid = await runCli(['sample', '--prometheus-url', `ftp://${USER}:${ENCODED}@127.0.0.1/`, '--count', '1']);
    assert.equal(invalid.code, 2, invalid.stderr);
    noPassword(invalid.stdout + invalid.stderr);
  });

  it("the language server's log and status notification show the URL redacted", async () => {
    const logs: string[] = [];
    const h = await startHarness(bad);
    h.client.onNotification('window/logMessage', (p: { message: string }) => void logs.push(p.message));
    try {
      const status = await until(() => h.statuses.find((s) => s.problem), 5000);
      await until(() => (logs.some((l) => l.includes('401')) ? true : undefined), 5000);
      assert.equal(status.url, `http://${USER}:***@127.0.0.1:${srv.port}`);
      noPassword(JSON.stringify(h.statuses));
      noPassword(logs.join('\n'));
    } finally {
      h.stop();
    }
  });
});
