// Start Monitoring hands the status bar to Prometheus once the engine has power (stackActions.ts switchStatusBar):
// through a real local server that enforces a bearer token like the team's proxy, the hand-over must use the
// credentialled client, and a token stored while it waits must apply to the next try.
import { strict as assert } from 'node:assert';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitForPrometheusPower } from '../../src/client/stack/statusBarSwitch';
import { SCAPH_HOST_QUERY } from '../../src/core/power/prometheusSource';
import { PrometheusClient } from '../../src/core/prometheus/client';

const TOKEN = 'tok-5e1f-secret';
const T = 1700000000.5;

async function startTokenServer(): Promise<{ url: string; seen: (string | undefined)[]; stop(): Promise<void> }> {
  const seen: (string | undefined)[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.authorization);
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'WWW-Authenticate': 'Bearer', 'Content-Type': 'text/plain' });
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
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('Start Monitoring switches the status bar through the credentialled engine', function () {
  this.timeout(10000);
  let server: Awaited<ReturnType<typeof startTokenServer>>;
  beforeEach(async () => (server = await startTokenServer()));
  afterEach(() => server.stop());

  it('switches at once when the client carries the token, and every request carried it', async () => {
    let switched = 0;
    const ok = await waitForPrometheusPower(
      () => new PrometheusClient(server.url, undefined, 2000, { token: TOKEN }),
      () => switched++,
      3000,
      50,
    );
    assert.equal(ok, true);
    assert.equal(switched, 1);
    assert.ok(server.seen.length >= 1);
    assert.deepEqual(new Set(server.seen), new Set([`Bearer ${TOKEN}`]));
  });

  it('never switches with the bare URL: the engine refuses it (401) until the deadline', async () => {
    let switched = 0;
    const t0 = Date.now();
    const ok = await waitForPrometheusPower(
      () => new PrometheusClient(server.url, undefined, 2000),
      () => switched++,
      600,
      50,
    );
    assert.equal(ok, false);
    assert.equal(switched, 0);
    assert.ok(Date.now() - t0 >= 600);
    assert.ok(server.seen.length >= 2, `tried again (${server.seen.length} requests)`);
    assert.ok(server.seen.every((a) => a === undefined));
  });

  it('a token stored while waiting applies to the next try (a fresh client each time)', async () => {
    let token: string | undefined;
    let switched = 0;
    setTimeout(() => (token = TOKEN), 300);
    const ok = await waitForPrometheusPower(
      () => new PrometheusClient(server.url, undefined, 2000, token ? { token } : {}),
      () => switched++,
      5000,
      50,
    );
    assert.equal(ok, true);
    assert.equal(switched, 1);
    assert.equal(server.seen[0], undefined);
    assert.equal(server.seen.at(-1), `Bearer ${TOKEN}`);
  });
});
