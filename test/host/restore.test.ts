// Webview panels after a window reload: VS Code recreates each panel and hands it to the extension's serializer
// with the state its webview saved. A real reload would end this test run, so the extension's replayRestore()
// does the same on a fresh panel; each view must come back alive with that state (its webview loads and talks).
import { strict as assert } from 'node:assert';
import * as vscode from 'vscode';
import { GrafanaStandIn } from '../fixtures/grafanaStandIn';
import { freePort } from '../stack/prometheusProcess';
import { api, setSetting, waitFor } from './util';

describe('OptiVolt webview panels restored after a reload', function () {
  this.timeout(60000);
  const standIn = new GrafanaStandIn();

  before(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setSetting('grafana.url', undefined);
    await setSetting('prometheus.url', undefined);
    await standIn.stop();
  });

  it('the power view comes back and streams samples again', async () => {
    const a = await api();
    // The state media/powerView.ts saves with setState.
    const prefs = { windowMinutes: 60, paused: false, topN: 10, unit: 'mW', groupByName: true };
    await a.replayRestore('optivolt.powerView', { prefs, filter: '', processSort: { column: 'watts', dir: 'desc' }, containerSort: { column: 'watts', dir: 'desc' } });
    // posted >= 2: the full state (sent only when the restored webview says ready) and a sample.
    await waitFor('the restored power view to stream', () => a.powerView().open && a.powerView().posted >= 2, 30000);
    assert.deepEqual(a.powerView().prefs, prefs);
  });

  it('the PromQL result comes back and runs its query again', async () => {
    const a = await api();
    const dead = `http://127.0.0.1:${await freePort()}`;
    await setSetting('prometheus.url', dead);
    await waitFor('the new URL', () => a.settings()['prometheus.url'] === dead);
    await a.replayRestore('optivolt.queryView', { query: 'sum(scaph_host_power_microwatts) / 1e6' });
    const state = await waitFor('the restored query to run', () => {
      const s = a.queryView();
      return s.open && s.ready >= 1 && s.error ? s : undefined;
    }, 30000);
    assert.equal(state.query, 'sum(scaph_host_power_microwatts) / 1e6');
    assert.equal(state.error?.kind, 'unreachable');
  });

  it('a Grafana panel comes back with its dashboard, panel, range and refresh', async () => {
    const a = await api();
    await standIn.start(0);
    await setSetting('grafana.url', standIn.url);
    await a.replayRestore('optivolt.grafanaView', { view: { uid: 'optivolt-power', panelId: 3, range: '1h', refresh: '30s' } });
    const panel = await waitFor('the restored Grafana panel to show', () => a.grafana.panels().find((p) => p.view.panelId === 3 && p.status === 'up' && p.src), 30000);
    const src = new URL(panel.src, 'http://base.invalid');
    assert.match(src.pathname, /\/d-solo\/optivolt-power(\/|$)/, panel.src);
    assert.equal(src.searchParams.get('panelId'), '3');
    assert.equal(src.searchParams.get('from'), 'now-1h');
    assert.equal(src.searchParams.get('refresh'), '30s');
  });
});
