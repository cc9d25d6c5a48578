// The embedded Grafana panel inside a real extension host, against the Grafana stand-in (Grafana itself cannot run
// here): opens the default dashboard, follows the VS Code theme, goes through the token proxy, shows "not running"
// when Grafana stops and recovers when it comes back. The runner checks the workbench DOM at each phase
// (test/harness/dom/grafana*.js).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { GrafanaPanelInfo } from '../../src/client/webviews/grafanaView/grafanaSession';
import { frameSource } from '../../src/core/grafana/csp';
import { GrafanaStandIn } from '../fixtures/grafanaStandIn';
import { api, runnerChecks, setSetting, waitFor } from './util';

const dir = process.env.OPTIVOLT_HOST_DOM_DIR;
const setTheme = (name: string | undefined): Thenable<void> =>
  vscode.workspace.getConfiguration('workbench').update('colorTheme', name, vscode.ConfigurationTarget.Global);
const showMessages = (p: GrafanaPanelInfo): Array<{ src: string; theme: string }> =>
  p.posted.map((m) => JSON.parse(m) as { type: string; src: string; theme: string }).filter((m) => m.type === 'grafana/show');

describe('OptiVolt Grafana panel', () => {
  // The cost dashboard stored as schema v2, as Grafana 12+ serves it (406 on /api, the resource under /apis).
  const standIn = new GrafanaStandIn({ schemaV2: { 'optivolt-cost': 'v2beta1' } });
  // A Grafana without anonymous access: only requests with this service account token get through.
  const lockedToken = `glsa_${randomBytes(16).toString('hex')}_hosttest`;
  const locked = new GrafanaStandIn({ token: lockedToken });

  before(async function () {
    this.timeout(30000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await standIn.start(0);
    await setTheme('Default Dark Modern');
    await setSetting('grafana.url', standIn.url);
  });

  after(async function () {
    this.timeout(30000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('optivolt.setGrafanaToken', '');
    await setSetting('grafana.url', undefined);
    await setTheme(undefined);
    await standIn.stop();
    await locked.stop();
  });

  it("opens the default dashboard from the command's quick pick, embedded through asExternalUri with a matching CSP", async function () {
    this.timeout(60000);
    const a = await api();
    const opening = vscode.commands.executeCommand('optivolt.openGrafanaDashboard');
    // The quick pick lists the stand-in's dashboards (the stack's JSON files) with OptiVolt's first: accept it.
    await waitFor(
      'the Grafana panel',
      () => {
        if (a.grafana.panels().length) return true;
        void vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        return false;
      },
      20000,
      500,
    );
    await opening;
    const p = await waitFor(
      'the panel to show Grafana up',
      () => {
        const x = a.grafana.panels()[0];
        return x?.status === 'up' && showMessages(x).length ? x : undefined;
      },
      20000,
    );
    assert.equal(p.view.uid, 'optivolt-power');
    assert.equal(p.view.title, 'OptiVolt - Power Consumption Monitoring');
    const src = new URL(p.src);
    assert.match(src.pathname, /\/d\/optivolt-power\/optivolt-power-consumption-monitoring$/);
    assert.equal(src.searchParams.get('theme'), 'dark');
    assert.equal(src.searchParams.get('from'), 'now-15m');
    assert.equal(src.searchParams.get('var-cost'), '0.15', 'optivolt.costPerKWh, the one settings variable this dashboard declares');
    assert.equal(src.searchParams.has('var-currency'), false);
    // code-server maps loopback URLs to its own /proxy/<port>/; desktop VS Code keeps them as they are.
    const external = await vscode.env.asExternalUri(vscode.Uri.parse(standIn.url));
    assert.ok(p.src.startsWith(external.toString(true).replace(/\/$/, '')), `${p.src} is not under ${external.toString(true)}`);
    assert.equal(p.frameSrc, frameSource(p.src));
    assert.ok(p.html.includes(`frame-src ${p.frameSrc};`), 'the CSP frames exactly the embedded location');
    assert.match(p.html, /script-src 'nonce-[A-Za-z0-9+/=]+'/);
    assert.ok(!p.html.includes('unsafe-inline'));
  });

  it('lets the runner find the frame and the stand-in page in the workbench DOM', async function () {
    this.timeout(180000);
    if (!dir) return this.skip();
    await runnerChecks(dir, 'grafana');
  });

  it('follows the VS Code theme while open', async function () {
    this.timeout(180000);
    const a = await api();
    await setTheme('Default Light Modern');
    const light = await waitFor(
      'a show message with theme=light',
      () => {
        const info = a.grafana.panels()[0];
        return info && showMessages(info).some((m) => m.theme === 'light' && new URL(m.src).searchParams.get('theme') === 'light')
          ? info
          : undefined;
      },
      20000,
    );
    assert.equal(new URL(light.src).searchParams.get('theme'), 'light');
    if (dir) await runnerChecks(dir, 'grafana-theme');
    await setTheme('Default Dark Modern');
    await waitFor('theme=dark again', () => new URL(a.grafana.panels()[0].src).searchParams.get('theme') === 'dark', 20000);
  });

  it('opens a single panel through /d-solo/', async function () {
    this.timeout(30000);
    const a = await api();
    await vscode.commands.executeCommand('optivolt.openGrafanaPanel', { uid: 'optivolt-power', panelId: 1, title: 'Total Host Power (W)' });
    const solo = await waitFor('a /d-solo/ panel', () => a.grafana.panels().find((x) => x.view.panelId === 1 && x.src), 20000);
    const u = new URL(solo.src);
    assert.match(u.pathname, /\/d-solo\/optivolt-power$/);
    assert.equal(u.searchParams.get('panelId'), '1');
    assert.equal(u.searchParams.has('kiosk'), false);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitFor('the panel to close', () => a.grafana.panels().length === 1);
  });

  it('opens a panel of a schema-v2 dashboard by its numeric id, with the price and carbon settings, applied live', async function () {
    this.timeout(60000);
    const a = await api();
    const opening = vscode.commands.executeCommand('optivolt.openGrafanaPanel', 'optivolt-cost');
    // The quick pick lists the v2 dashboard's panels (read from /apis after the 406): accept the first.
    await waitFor(
      'the v2 panel',
      () => {
        if (a.grafana.panels().some((x) => x.view.uid === 'optivolt-cost')) return true;
        void vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
        return false;
      },
      20000,
      500,
    );
    await opening;
    const solo = await waitFor(
      'the v2 panel shown',
      () => a.grafana.panels().find((x) => x.view.uid === 'optivolt-cost' && x.src.includes('var-carbon')),
      20000,
    );
    const u = new URL(solo.src);
    assert.match(u.pathname, /\/d-solo\/optivolt-cost\/optivolt-energy-cost$/);
    assert.equal(u.searchParams.get('panelId'), String(solo.view.panelId));
    assert.deepEqual(
      ['var-cost', 'var-currency', 'var-carbon'].map((k) => u.searchParams.get(k)),
      ['0.15', 'EUR', '475'],
    );
    try {
      await setSetting('costPerKWh', 0.3125);
      await setSetting('currency', 'CHF');
      const live = await waitFor(
        'the new price in the frame',
        () => {
          const x = a.grafana.panels().find((p) => p.view.uid === 'optivolt-cost');
          return x &&
            showMessages(x).some(
              (m) => new URL(m.src).searchParams.get('var-cost') === '0.3125' && new URL(m.src).searchParams.get('var-currency') === 'CHF',
            )
            ? x
            : undefined;
        },
        20000,
      );
      assert.equal(new URL(live.src).searchParams.get('var-carbon'), '475');
    } finally {
      await setSetting('costPerKWh', undefined);
      await setSetting('currency', undefined);
    }
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    await waitFor('the panel to close', () => a.grafana.panels().length === 1);
  });

  it('serves a Grafana that needs a token through the loopback proxy, without the token reaching the webview or the log', async function () {
    this.timeout(180000);
    const a = await api();
    await locked.start(0);
    await setSetting('grafana.url', locked.url);
    await vscode.commands.executeCommand('optivolt.setGrafanaToken', lockedToken);
    const p = await waitFor(
      'the panel on the proxy, up',
      () => {
        const proxy = a.grafana.proxyUrl();
        const x = a.grafana.panels()[0];
        return proxy && x?.status === 'up' && x.src.includes(`${new URL(proxy).port}`) && showMessages(x).some((m) => m.src === x.src)
          ? { x, proxy }
          : undefined;
      },
      30000,
    );
    const seen = locked.requests.filter((r) => r.headers.authorization === `Bearer ${lockedToken}`);
    assert.ok(
      seen.some((r) => r.url === '/api/health'),
      'health polled with the token',
    );
    for (const [what, text] of [
      ['html', p.x.html],
      ['messages', p.x.posted.join('\n')],
      ['log', a.grafana.logged().join('\n')],
      ['src', p.x.src],
    ] as const) {
      assert.ok(!text.includes(lockedToken), `the token is in the ${what}`);
    }
    assert.ok(p.x.html.includes(`frame-src ${frameSource(p.x.src)};`));
    if (dir) {
      fs.writeFileSync(
        path.join(dir, 'grafana-token.json'),
        JSON.stringify({ token: lockedToken, proxyPort: Number(new URL(p.proxy).port) }),
      );
      await runnerChecks(dir, 'grafana-token');
      // The frame's page requests went through the proxy with the header.
      assert.ok(locked.requests.some((r) => r.url.startsWith('/d/optivolt-power') && r.headers.authorization === `Bearer ${lockedToken}`));
    }
    await vscode.commands.executeCommand('optivolt.setGrafanaToken', '');
    await setSetting('grafana.url', standIn.url);
    await waitFor(
      'the proxy to stop and the panel to use the stand-in again',
      () => !a.grafana.proxyUrl() && a.grafana.panels()[0]?.status === 'up' && new URL(a.grafana.panels()[0].src).pathname.includes('/d/'),
      30000,
    );
    await locked.stop();
  });

  it('says Grafana is not running when it stops, and recovers by itself when it comes back', async function () {
    this.timeout(240000);
    const a = await api();
    await standIn.stop();
    await waitFor('status down', () => a.grafana.panels()[0]?.status === 'down', 40000, 250);
    if (dir) await runnerChecks(dir, 'grafana-down');
    await standIn.start(); // same port
    await waitFor('status up again', () => a.grafana.panels()[0]?.status === 'up', 40000, 250);
    if (dir) await runnerChecks(dir, 'grafana-recover');
  });

  it("opens the embedded dashboard from the Stack view's Grafana action, several panels at once", async function () {
    this.timeout(30000);
    const a = await api();
    // The Stack view's tree node for the running grafana service, as VS Code passes it to the inline actions.
    const node = { status: { service: 'grafana', state: 'running' } };
    await vscode.commands.executeCommand('optivolt.openServiceInBrowser', node);
    await vscode.commands.executeCommand('optivolt.openGrafanaDashboard', node);
    const panels = await waitFor(
      'three panels up',
      () => {
        const ps = a.grafana.panels();
        return ps.length === 3 && ps.every((p) => p.status === 'up' && p.src) ? ps : undefined;
      },
      20000,
    );
    for (const p of panels) assert.equal(p.view.uid, 'optivolt-power');
  });

  it('stops polling and frees the proxy when closed', async function () {
    this.timeout(20000);
    const a = await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('no Grafana panel', () => a.grafana.panels().length === 0);
    assert.equal(a.grafana.proxyUrl(), undefined);
  });
});
