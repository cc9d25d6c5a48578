// Grafana URL composition, the panel's CSP and HTML, the protocol guards and the /api/health poller.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { frameSource, grafanaCsp } from '../../src/core/grafana/csp';
import { HealthPoller } from '../../src/core/grafana/health';
import { grafanaHtml } from '../../src/core/grafana/html';
import { makeNonce } from '../../src/core/webviewPage';
import { grafanaBaseUrl, grafanaSlug, grafanaUrl, normalizeGrafanaUrl, settingsVariables } from '../../src/core/grafana/url';
import { DEFAULT_SETTINGS, readSettings } from '../../src/core/settings';
import {
  DEFAULT_VIEW_STATE,
  parseGrafanaFromWebview,
  parseGrafanaToWebview,
  parseViewState,
} from '../../src/shared/webviews/grafanaViewProtocol';
import { stackDashboards } from '../fixtures/grafanaStandIn';

const q = (url: string): URLSearchParams => new URL(url).searchParams;

describe('grafana: URLs', () => {
  it("defaults to the stack's Grafana on its bind address and port", () => {
    assert.equal(grafanaBaseUrl(DEFAULT_SETTINGS), 'http://127.0.0.1:3000');
    assert.equal(grafanaBaseUrl({ ...DEFAULT_SETTINGS, 'stack.ports': { grafana: 3001 } }), 'http://127.0.0.1:3001');
    assert.equal(grafanaBaseUrl({ ...DEFAULT_SETTINGS, 'stack.bind': '0.0.0.0' }), 'http://127.0.0.1:3000');
    assert.equal(grafanaBaseUrl({ ...DEFAULT_SETTINGS, 'stack.bind': '::1' }), 'http://[::1]:3000');
    assert.equal(
      grafanaBaseUrl({ ...DEFAULT_SETTINGS, 'grafana.url': ' https://grafana.example.org/sub/ ' }),
      'https://grafana.example.org/sub',
    );
  });

  it('rejects URLs that are not plain http(s) bases', () => {
    assert.throws(() => normalizeGrafanaUrl('ftp://x'), /http or https/);
    assert.throws(() => normalizeGrafanaUrl('http://admin:pw@x:3000'), /user name or password/);
    assert.throws(() => normalizeGrafanaUrl('http://x:3000/?orgId=1'), /query/);
    assert.throws(() => normalizeGrafanaUrl('grafana'), /not a URL/);
  });

  it('composes a kiosk dashboard URL with uid, slug, time range, refresh, theme and orgId', () => {
    const url = grafanaUrl({
      base: 'http://127.0.0.1:3000',
      uid: 'optivolt-power',
      slug: 'optivolt-power-consumption-monitoring',
      range: '1h',
      refresh: '30s',
      theme: 'light',
      orgId: 2,
    });
    const u = new URL(url);
    assert.equal(u.origin, 'http://127.0.0.1:3000');
    assert.equal(u.pathname, '/d/optivolt-power/optivolt-power-consumption-monitoring');
    assert.equal(q(url).get('from'), 'now-1h');
    assert.equal(q(url).get('to'), 'now');
    assert.equal(q(url).get('refresh'), '30s');
    assert.equal(q(url).get('theme'), 'light');
    assert.equal(q(url).get('orgId'), '2');
    assert.equal(q(url).get('panelId'), null);
    assert.match(url, /[?&]kiosk$/, 'a bare kiosk parameter (full kiosk mode)');
  });

  it('composes a single panel URL through /d-solo/ without kiosk, and leaves out refresh=off', () => {
    const url = grafanaUrl({ base: 'http://h:1/grafana/', uid: 'optivolt-power', panelId: 7, range: '5m', refresh: 'off', theme: 'dark' });
    const u = new URL(url);
    assert.equal(u.pathname, '/grafana/d-solo/optivolt-power');
    assert.equal(q(url).get('panelId'), '7');
    assert.equal(q(url).get('orgId'), '1');
    assert.equal(q(url).get('from'), 'now-5m');
    assert.equal(q(url).get('theme'), 'dark');
    assert.equal(q(url).has('refresh'), false);
    assert.equal(q(url).has('kiosk'), false);
  });

  it('escapes odd uids and slugs into one path segment each', () => {
    const u = new URL(
      grafanaUrl({ base: 'http://h:1', uid: 'a/b?c', slug: 'x y', range: '15m', refresh: '10s', theme: 'dark', kiosk: false }),
    );
    assert.equal(u.pathname, '/d/a%2Fb%3Fc/x%20y');
    assert.equal(u.searchParams.has('kiosk'), false);
  });

  it('slugs every stack dashboard title the way Grafana does', () => {
    const dashboards = stackDashboards();
    assert.ok(dashboards.length >= 3);
    assert.equal(grafanaSlug('OptiVolt - Power Consumption Monitoring'), 'optivolt-power-consumption-monitoring');
    for (const d of dashboards) assert.equal(grafanaSlug(d.title), d.slug, d.title);
  });

  it('validates optivolt.grafana.url in the settings', () => {
    assert.equal(
      readSettings((k) => (k === 'grafana.url' ? 'http://10.0.0.5:3000' : undefined)).settings['grafana.url'],
      'http://10.0.0.5:3000',
    );
    const bad = readSettings((k) => (k === 'grafana.url' ? 'file:///etc/passwd' : undefined));
    assert.equal(bad.settings['grafana.url'], '');
    assert.match(bad.problems[0], /optivolt\.grafana\.url/);
  });
});

describe('grafana: CSP and HTML', () => {
  const nonce = makeNonce((n) => randomBytes(n));

  it("frames only the embedded location (origin, plus code-server's proxy path)", () => {
    assert.equal(frameSource('http://127.0.0.1:3000/d/optivolt-power?orgId=1'), 'http://127.0.0.1:3000');
    assert.equal(frameSource('https://cs.example.org/proxy/3000/d/optivolt-power?x=1'), 'https://cs.example.org/proxy/3000/');
    assert.equal(frameSource('http://127.0.0.1:8080/absproxy/41234/d/x'), 'http://127.0.0.1:8080/absproxy/41234/');
  });

  it('allows scripts by nonce only, no inline styles, nothing by default, frames from one source', () => {
    const csp = grafanaCsp({ cspSource: 'https://webview.example', nonce, frameSrc: 'http://127.0.0.1:3000' });
    const dirs = new Map(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([k, ...v]) => [k, v]),
    );
    assert.deepEqual(dirs.get('default-src'), ["'none'"]);
    assert.deepEqual(dirs.get('frame-src'), ['http://127.0.0.1:3000']);
    assert.deepEqual(dirs.get('script-src'), [`'nonce-${nonce}'`]);
    assert.deepEqual(dirs.get('style-src'), ['https://webview.example']);
    assert.ok(!csp.includes('unsafe'), csp);
    assert.match(grafanaCsp({ cspSource: 'x', nonce }), /frame-src 'none'/);
    assert.throws(() => grafanaCsp({ cspSource: 'x', nonce, frameSrc: "http://a; script-src 'unsafe-inline'" }), /CSP source/);
    assert.throws(() => grafanaCsp({ cspSource: 'x', nonce: 'short' }), /nonce/);
  });

  it('puts the CSP and the nonce in the page, and no frame URL', () => {
    const html = grafanaHtml({
      cspSource: 'https://w',
      nonce,
      scriptUri: 'https://w/g.js',
      styleUri: 'https://w/g.css',
      frameSrc: 'http://127.0.0.1:3000',
      title: 'A <b> "title"',
    });
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; frame-src http:\/\/127\.0\.0\.1:3000;/);
    assert.ok(html.includes(`<script nonce="${nonce}" src="https://w/g.js">`));
    assert.ok(!html.includes('<b>'), 'the title is escaped');
    assert.ok(!html.includes('<iframe'), 'the script builds the frame once the host sends its URL');
  });
});

describe('grafana: protocol guards', () => {
  it("accepts the webview's messages and rejects malformed ones", () => {
    assert.deepEqual(parseGrafanaFromWebview({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseGrafanaFromWebview({ type: 'grafana/setView', range: '6h' }), { type: 'grafana/setView', range: '6h' });
    assert.equal(parseGrafanaFromWebview({ type: 'grafana/setView', range: '7h' }), undefined);
    assert.equal(parseGrafanaFromWebview({ type: 'grafana/setView', refresh: 1 }), undefined);
    assert.equal(parseGrafanaFromWebview({ type: 'nope' }), undefined);
    assert.equal(parseGrafanaFromWebview('ready'), undefined);
  });

  it('restores saved view states over the defaults and refuses bad uids', () => {
    assert.deepEqual(parseViewState({}), DEFAULT_VIEW_STATE);
    assert.deepEqual(parseViewState({ uid: 'optivolt-cost', panelId: 3, range: '24h', refresh: 'off' }), {
      uid: 'optivolt-cost',
      panelId: 3,
      range: '24h',
      refresh: 'off',
    });
    assert.equal(parseViewState({ uid: '../../api/admin' }), undefined);
    assert.equal(parseViewState({ uid: 'x', panelId: -1 })?.panelId, undefined);
    assert.equal(parseViewState(null), undefined);
  });

  it('checks host messages on the webview side', () => {
    const show = { type: 'grafana/show', src: 'http://127.0.0.1:3000/d/x', view: DEFAULT_VIEW_STATE, theme: 'dark', status: 'up' };
    assert.deepEqual(parseGrafanaToWebview(show), show);
    assert.equal(parseGrafanaToWebview({ ...show, theme: 'blue' }), undefined);
    assert.deepEqual(parseGrafanaToWebview({ type: 'grafana/status', status: 'down', message: 'm' }), {
      type: 'grafana/status',
      status: 'down',
      message: 'm',
    });
  });
});

describe('grafana: health poller', () => {
  /** Manual timers: the test decides when the next poll runs. */
  function fakeTimers() {
    const pending: Array<{ fn: () => void; ms: number; id: number }> = [];
    let id = 0;
    return {
      pending,
      setTimer: (fn: () => void, ms: number) => {
        pending.push({ fn, ms, id: ++id });
        return id;
      },
      clearTimer: (h: unknown) => {
        const i = pending.findIndex((p) => p.id === h);
        if (i >= 0) pending.splice(i, 1);
      },
      fire: async () => {
        const p = pending.shift();
        assert.ok(p, 'a poll is scheduled');
        p.fn();
        await new Promise((r) => setImmediate(r));
        return p.ms;
      },
    };
  }

  it('backs off while Grafana is down, reports recovery once, and stops when told', async () => {
    const t = fakeTimers();
    let up = false;
    const changes: string[] = [];
    const poller = new HealthPoller({
      check: async () => {
        if (!up) throw new Error('no answer');
      },
      onChange: (s, m) => changes.push(m ? `${s}: ${m}` : s),
      minDownMs: 100,
      maxDownMs: 400,
      upMs: 5000,
      setTimer: t.setTimer,
      clearTimer: t.clearTimer,
    });
    poller.start();
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(changes, ['down: no answer']);
    assert.equal(t.pending[0].ms, 100);
    const delays = [await t.fire(), await t.fire(), await t.fire()];
    assert.deepEqual(delays, [100, 200, 400]);
    assert.equal(t.pending[0].ms, 400, 'capped');
    assert.equal(changes.length, 1, 'no repeated notification while still down');
    up = true;
    await t.fire();
    assert.deepEqual(changes, ['down: no answer', 'up']);
    assert.equal(t.pending[0].ms, 5000);
    poller.stop();
    assert.equal(t.pending.length, 0, 'no timer left after stop');
    assert.equal(poller.active, false);
  });
});

describe("grafana: the user's price and carbon settings as dashboard variables", () => {
  const declared = (...names: string[]): Array<{ name: string; type: string }> => names.map((name) => ({ name, type: 'textbox' }));
  const mine = { ...DEFAULT_SETTINGS, costPerKWh: 0.2516, currency: 'CHF', carbonIntensity: 38 };

  it('sets var-cost, var-currency and var-carbon from the settings, on dashboard and panel URLs', () => {
    const vars = settingsVariables(mine, declared('cost', 'currency', 'carbon'));
    for (const panelId of [undefined, 4]) {
      const url = grafanaUrl({
        base: 'http://h:1',
        uid: 'optivolt-cost',
        slug: 's',
        panelId,
        range: '24h',
        refresh: '1m',
        theme: 'dark',
        vars,
      });
      assert.equal(q(url).get('var-cost'), '0.2516');
      assert.equal(q(url).get('var-currency'), 'CHF');
      assert.equal(q(url).get('var-carbon'), '38');
      assert.equal(q(url).get('panelId'), panelId === undefined ? null : '4');
    }
  });

  it('sets only the variables a dashboard declares as textboxes, each stack dashboard as it declares them', () => {
    const byUid = new Map(
      stackDashboards().map((d) => [
        d.uid,
        ((d.json.templating as { list: Array<{ name: string; type: string }> }).list ?? []).map((v) => ({ name: v.name, type: v.type })),
      ]),
    );
    assert.deepEqual(settingsVariables(mine, byUid.get('optivolt-cost')), { cost: '0.2516', currency: 'CHF', carbon: '38' });
    assert.deepEqual(settingsVariables(mine, byUid.get('optivolt-power')), { cost: '0.2516' });
    assert.deepEqual(settingsVariables(mine, byUid.get('optivolt-environments')), {});
    // A foreign dashboard's own `cost` (a query variable) is left alone; unknown variables give no parameter at all.
    assert.deepEqual(
      settingsVariables(mine, [
        { name: 'cost', type: 'query' },
        { name: 'carbon', type: 'custom' },
      ]),
      {},
    );
    assert.deepEqual(settingsVariables(mine, undefined), {});
    const url = grafanaUrl({ base: 'http://h:1', uid: 'x', range: '1h', refresh: 'off', theme: 'light', vars: {} });
    assert.ok(![...q(url).keys()].some((k) => k.startsWith('var-')));
  });

  it('encodes values as URL parameters and keeps the bare kiosk last', () => {
    const url = grafanaUrl({
      base: 'http://h:1',
      uid: 'optivolt-cost',
      range: '1h',
      refresh: '10s',
      theme: 'dark',
      vars: { currency: 'A&B', cost: '1e-7' },
    });
    assert.equal(q(url).get('var-currency'), 'A&B');
    assert.equal(q(url).get('var-cost'), '1e-7');
    assert.match(url, /&kiosk$/);
  });
});
