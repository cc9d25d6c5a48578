// The Grafana API client and the token proxy, against the Grafana stand-in (test/fixtures/grafanaStandIn.ts) on
// 127.0.0.1. The token must reach Grafana in the Authorization header and nowhere the webview can see.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { GrafanaClient } from '../../src/core/grafana/api';
import { frameSource } from '../../src/core/grafana/csp';
import { grafanaHtml } from '../../src/core/grafana/html';
import { makeNonce } from '../../src/core/webviewPage';
import { GrafanaProxy, withoutFrameAncestors } from '../../src/core/grafana/proxy';
import { grafanaUrl } from '../../src/core/grafana/url';
import { DEFAULT_VIEW_STATE, GrafanaToWebview } from '../../src/shared/webviews/grafanaViewProtocol';
import { GrafanaStandIn } from '../fixtures/grafanaStandIn';

const TOKEN = `glsa_${randomBytes(16).toString('hex')}_test`;

describe('grafana: API client (against the stand-in)', () => {
  const standIn = new GrafanaStandIn();
  before(() => standIn.start(0));
  after(() => standIn.stop());

  it("reads health, searches the stack's dashboards and lists a dashboard's panels", async () => {
    const c = new GrafanaClient(standIn.url);
    assert.equal((await c.health()).ok, true);
    const hits = await c.search();
    assert.deepEqual(hits.map((h) => h.uid).sort(), standIn.dashboards.map((d) => d.uid).sort());
    const power = hits.find((h) => h.uid === 'optivolt-power');
    assert.equal(power?.title, 'OptiVolt - Power Consumption Monitoring');
    assert.deepEqual(
      (await c.search('cost')).map((h) => h.uid),
      ['optivolt-cost'],
    );
    const d = await c.dashboard('optivolt-power');
    assert.equal(d.slug, 'optivolt-power-consumption-monitoring');
    // Panel 8 is a row: not shown alone; ids 1..12 otherwise, in layout order.
    assert.deepEqual(
      d.panels.map((p) => p.id),
      [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12],
    );
    assert.equal(d.panels[0].title, 'Total Host Power (W)');
  });

  it('says what is wrong, without the token, when Grafana refuses or is gone', async () => {
    const locked = new GrafanaStandIn({ token: 'right' });
    await locked.start(0);
    try {
      await assert.rejects(new GrafanaClient(locked.url, { token: TOKEN }).search(), (err: Error) => {
        assert.match(err.message, /401.*Set Grafana Token/);
        assert.ok(!err.message.includes(TOKEN));
        return true;
      });
      assert.equal((await new GrafanaClient(locked.url, { token: 'right' }).search()).length, locked.dashboards.length);
    } finally {
      await locked.stop();
    }
    await assert.rejects(new GrafanaClient(locked.url, { timeoutMs: 2000 }).health(), /does not answer \(/);
  });
});

describe('grafana: token proxy (against the stand-in)', () => {
  const standIn = new GrafanaStandIn({ token: TOKEN, denyFraming: true });
  const logs: string[] = [];
  let proxy: GrafanaProxy;
  before(async () => {
    await standIn.start(0);
    proxy = new GrafanaProxy({ target: standIn.url, token: TOKEN, log: (m) => logs.push(m) });
    await proxy.start();
  });
  after(async () => {
    await proxy.dispose();
    await standIn.stop();
  });

  it('adds the Authorization header, streams the page and leaves the token out of everything the webview gets', async () => {
    standIn.requests.length = 0;
    // What the panel composes: the frame URL on the proxy, the CSP's frame-src, the HTML and the show message.
    const src = grafanaUrl({
      base: proxy.url,
      uid: 'optivolt-power',
      slug: 'optivolt-power-consumption-monitoring',
      range: '15m',
      refresh: '10s',
      theme: 'dark',
    });
    const html = grafanaHtml({
      cspSource: 'https://w',
      nonce: makeNonce((n) => randomBytes(n)),
      scriptUri: 'https://w/g.js',
      styleUri: 'https://w/g.css',
      frameSrc: frameSource(src),
      title: 'Grafana',
    });
    const message: GrafanaToWebview = { type: 'grafana/show', src, view: DEFAULT_VIEW_STATE, theme: 'dark', status: 'up' };
    assert.ok(html.includes(`frame-src ${proxy.url};`), 'frames only the proxy');
    for (const [what, text] of [
      ['url', src],
      ['html', html],
      ['message', JSON.stringify(message)],
    ])
      assert.ok(!text.includes(TOKEN), `token in the ${what}`);

    const res = await fetch(src, { headers: { Authorization: 'Bearer from-the-webview', Cookie: 'grafana_session=x' } });
    assert.equal(res.status, 200);
    const body = await res.text();
    assert.match(body, /<h1 id="standin-title">OptiVolt - Power Consumption Monitoring<\/h1>/);
    assert.ok(!body.includes(TOKEN));
    assert.equal(res.headers.get('x-frame-options'), null, 'X-Frame-Options dropped for embedding');
    assert.equal(res.headers.get('content-security-policy'), "object-src 'none'", 'only frame-ancestors removed');
    for (const h of res.headers.keys())
      assert.ok(![...res.headers.values()].some((v) => v.includes(TOKEN)), `token in response header ${h}`);

    const seen = standIn.requests.find((r) => r.url.startsWith('/d/optivolt-power'));
    assert.ok(seen, 'the stand-in got the page request');
    assert.equal(seen.headers.authorization, `Bearer ${TOKEN}`, "the proxy's token replaces the incoming header");
    assert.equal(seen.headers.cookie, undefined);
    assert.equal(seen.headers.host, new URL(standIn.url).host);
    assert.ok(!logs.join('\n').includes(TOKEN), "token in the proxy's log");
  });

  it('proxies the API, which the stand-in locks without the token', async () => {
    const res = await fetch(`${proxy.url}/api/search?query=cost`);
    assert.equal(res.status, 200);
    assert.deepEqual(
      ((await res.json()) as Array<{ uid: string }>).map((h) => h.uid),
      ['optivolt-cost'],
    );
    const direct = await fetch(`${standIn.url}/api/search`);
    assert.equal(direct.status, 401, 'the stand-in really requires the token');
    await direct.body?.cancel();
  });

  it('refuses requests for another host name (DNS rebinding)', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const s = net.connect(proxy.port, '127.0.0.1', () =>
        s.write('GET /api/search HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n'),
      );
      let data = '';
      s.on('data', (d) => (data += d.toString()));
      s.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d+)/.exec(data)?.[1])));
      s.on('error', reject);
    });
    assert.equal(status, 421);
  });

  it("proxies Grafana Live's WebSocket upgrade with the token", async () => {
    standIn.requests.length = 0;
    const echoed = await new Promise<string>((resolve, reject) => {
      const s = net.connect(proxy.port, '127.0.0.1', () =>
        s.write(
          `GET /api/live/ws HTTP/1.1\r\nHost: 127.0.0.1:${proxy.port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
        ),
      );
      let data = '';
      s.on('data', (d) => {
        data += d.toString();
        if (/\r\n\r\n/.test(data) && !data.includes('ping')) s.write('ping');
        if (data.includes('ping')) {
          s.destroy();
          resolve(data);
        }
      });
      s.on('error', reject);
      setTimeout(() => reject(new Error(`no echo: ${data}`)), 3000);
    });
    assert.match(echoed, /^HTTP\/1\.1 101/);
    const seen = standIn.requests.find((r) => r.url === '/api/live/ws');
    assert.equal(seen?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal(seen?.headers.upgrade, 'websocket');
  });

  it('answers 502 (without the token) once Grafana is gone, and stops on dispose', async () => {
    const target = new GrafanaStandIn();
    await target.start(0);
    const p = new GrafanaProxy({ target: target.url, token: TOKEN });
    await p.start();
    await target.stop();
    const res = await fetch(`${p.url}/api/health`);
    assert.equal(res.status, 502);
    assert.ok(!(await res.text()).includes(TOKEN));
    await p.dispose();
    await assert.rejects(fetch(`${p.url}/api/health`));
  });

  it('drops only the frame-ancestors directive of a CSP header', () => {
    assert.equal(withoutFrameAncestors("default-src 'self'; frame-ancestors 'none'; img-src *"), "default-src 'self'; img-src *");
    assert.equal(withoutFrameAncestors("frame-ancestors 'self'"), '');
  });
});
