// Issue 18 in a real extension host: the status bar reads Scaphandre's power from a real Prometheus behind a real
// nginx that wants a bearer token; the token is set through "OptiVolt: Set Prometheus Token" (SecretStorage) and
// shows nowhere: not in the settings, the status, nor the reason of the failure before it was set.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { EnginesProxy, TOKEN } from '../stack/enginesProxy';
import { ExporterStandIn, scaphandreBody } from '../stack/exporterStandIn';
import { PrometheusProcess } from '../stack/prometheusProcess';
import { api, setSetting, waitFor } from './util';

describe('A team Prometheus behind a token (real nginx + Prometheus)', function () {
  this.timeout(120000);
  let exporter: ExporterStandIn;
  let prom: PrometheusProcess;
  let proxy: EnginesProxy;

  before(async () => {
    const harness = path.resolve(__dirname, '../../../test/harness');
    process.env.PROMETHEUS_BIN ??= execFileSync('bash', [path.join(harness, 'provision-prometheus.sh')], { encoding: 'utf8' }).trim();
    process.env.NGINX_BIN ??= execFileSync('bash', [path.join(harness, 'provision-nginx.sh')], { encoding: 'utf8' }).trim();
    exporter = await ExporterStandIn.start(scaphandreBody);
    prom = await PrometheusProcess.start({ scaphandre: [exporter.target] });
    proxy = await EnginesProxy.start({ main: prom.url, emptyTenant: prom.url, vmTenant: prom.url });
  });

  after(async function () {
    this.timeout(30000);
    await vscode.commands.executeCommand('optivolt.setPrometheusToken', '');
    for (const key of ['power.source', 'prometheus.url', 'refreshInterval']) await setSetting(key, undefined);
    await proxy?.stop();
    await prom?.stop();
    await exporter?.stop();
  });

  it('says 401 with no credentials, then goes live once the token is set by the command', async () => {
    const a = await api();
    await vscode.commands.executeCommand('optivolt.setPrometheusToken', '');
    await setSetting('refreshInterval', 500);
    await setSetting('prometheus.url', `http://127.0.0.1:${proxy.ports.bearer}`);
    await setSetting('power.source', 'prometheus');
    const refused = await waitFor('the 401 in the status', () => (/HTTP 401/.test(a.status().reason) ? a.status() : undefined), 30000);
    assert.match(refused.reason, /no credentials/);
    await vscode.commands.executeCommand('optivolt.setPrometheusToken', TOKEN);
    const live = await waitFor(
      'live Watts through nginx',
      () => (a.status().state === 'live' && a.status().last?.watts === 42.5 ? a.status() : undefined),
      60000,
    );
    assert.equal(live.source, 'prometheus');
    assert.match(a.statusBarText(), /42\.5 W/);
    const settings = JSON.stringify(vscode.workspace.getConfiguration('optivolt'));
    assert.ok(!settings.includes(TOKEN) && !JSON.stringify(a.status()).includes(TOKEN), 'the token is in no setting or status');
    assert.ok(proxy.requestsTo(proxy.ports.bearer) > 1);
  });
});
