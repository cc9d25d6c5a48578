// Webview panels after a window reload: VS Code recreates each panel and hands it to the extension's serializer
// with the state its webview saved. A real reload would end this test run, so the extension's replayRestore()
// does the same on a fresh panel; each view must come back alive with that state (its webview loads and talks).
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { GrafanaStandIn } from '../fixtures/grafanaStandIn';
import { freePort, PrometheusProcess } from '../stack/prometheusProcess';
import { api, setSetting, startHostPrometheus, waitFor } from './util';

describe('OptiVolt webview panels restored after a reload', function () {
  this.timeout(60000);
  const standIn = new GrafanaStandIn();
  let prom: PrometheusProcess | undefined;

  before(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setSetting('grafana.url', undefined);
    await setSetting('prometheus.url', undefined);
    await standIn.stop();
    await prom?.stop();
  });

  it('the power view comes back and streams samples again', async () => {
    const a = await api();
    // The state media/powerView/powerView.ts saves with setState.
    const prefs = { windowMinutes: 60, paused: false, topN: 10, unit: 'mW', groupByName: true };
    await a.replayRestore('optivolt.powerView', {
      prefs,
      filter: '',
      processSort: { column: 'watts', dir: 'desc' },
      containerSort: { column: 'watts', dir: 'desc' },
    });
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
    const state = await waitFor(
      'the restored query to run',
      () => {
        const s = a.promqlResult();
        return s.open && s.ready >= 1 && s.error ? s : undefined;
      },
      30000,
    );
    assert.equal(state.query, 'sum(scaph_host_power_microwatts) / 1e6');
    assert.equal(state.error?.kind, 'unreachable');
  });

  describe('a restored PromQL result that says "not reachable" recovers once Prometheus answers (issue 19)', () => {
    let url = '';
    const query = 'vector(42)';
    /** A Prometheus on the URL the view was told about (the same port each time), with nothing to scrape. */
    const startOnUrl = async (): Promise<void> => {
      const dir = fs.mkdtempSync(path.join(process.env.OPTIVOLT_HOST_TMP ?? os.tmpdir(), 'optivolt-prom-'));
      prom = await PrometheusProcess.startWithConfig(
        { global: { scrape_interval: '1s' }, scrape_configs: [] },
        dir,
        true,
        Number(new URL(url).port),
      );
    };
    const restoreWhileDown = async (): Promise<void> => {
      const a = await api();
      await a.replayRestore('optivolt.queryView', { query });
      await waitFor(
        'the restored query to fail, the view waiting for Prometheus',
        () => {
          const s = a.promqlResult();
          return s.open && s.query === query && s.error?.kind === 'unreachable' && s.recovering;
        },
        30000,
      );
    };

    before(async function () {
      this.timeout(120000);
      // A real Prometheus, stopped: its URL is dead until one starts again on the same port.
      const first = await startHostPrometheus();
      url = first.url;
      await first.stop();
      await setSetting('prometheus.url', url);
      const a = await api();
      await waitFor('the URL', () => a.settings()['prometheus.url'] === url);
    });
    afterEach(async () => {
      await prom?.stop();
      prom = undefined;
    });

    it('runs the query again by itself while the panel is visible', async function () {
      this.timeout(120000);
      const a = await api();
      await restoreWhileDown();
      await startOnUrl();
      // The probe's delay doubles from 1 s (at most 30 s): within a minute of Prometheus answering.
      const state = await waitFor(
        'the result once Prometheus answers',
        () => {
          const s = a.promqlResult();
          return s.outcome?.query === query ? s : undefined;
        },
        60000,
      );
      assert.equal(state.error, undefined);
      assert.equal(state.outcome!.instant.rows[0]?.value, '42');
      assert.equal(state.recovering, false);
    });

    it('stops probing while hidden and checks again when shown', async function () {
      this.timeout(120000);
      const a = await api();
      await restoreWhileDown();
      // An editor over the panel, in its group: the panel is hidden.
      const doc = await vscode.workspace.openTextDocument({ content: 'over the result' });
      await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Active, preview: false });
      await waitFor('probing to stop while hidden', () => !a.promqlResult().recovering);
      await startOnUrl();
      assert.equal(a.promqlResult().error?.kind, 'unreachable', 'nothing ran while hidden');
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      const state = await waitFor(
        'the result once the panel is shown again',
        () => {
          const s = a.promqlResult();
          return s.outcome?.query === query ? s : undefined;
        },
        30000,
      );
      assert.equal(state.outcome!.instant.rows[0]?.value, '42');
    });
  });

  it('a Grafana panel comes back with its dashboard, panel, range and refresh', async () => {
    const a = await api();
    await standIn.start(0);
    await setSetting('grafana.url', standIn.url);
    await a.replayRestore('optivolt.grafanaView', { view: { uid: 'optivolt-power', panelId: 3, range: '1h', refresh: '30s' } });
    const panel = await waitFor(
      'the restored Grafana panel to show',
      () => a.grafana.panels().find((p) => p.view.panelId === 3 && p.status === 'up' && p.src),
      30000,
    );
    const src = new URL(panel.src, 'http://base.invalid');
    assert.match(src.pathname, /\/d-solo\/optivolt-power(\/|$)/, panel.src);
    assert.equal(src.searchParams.get('panelId'), '3');
    assert.equal(src.searchParams.get('from'), 'now-1h');
    assert.equal(src.searchParams.get('refresh'), '30s');
  });
});
