// Kepler in the power view inside a real extension host: two nodes' Kepler stand-ins scraped by a real Prometheus on
// 127.0.0.1, no node chosen. The view offers both nodes; the runner's DOM set (test/harness/dom/kepler-power-view.js)
// opens node -> namespace -> pod -> container rows and reads their Watts against Kepler's model applied to the
// stand-ins' workload, then picks node-b with "Show", which must set optivolt.kepler.node.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { KeplerNodeConfig, keplerTruth, startKeplerStandIn } from '../fixtures/keplerStandIn';
import { NODE_A, NODE_B } from '../fixtures/keplerTwoNodes';
import { PrometheusClient } from '../../src/core/prometheus/client';
import { PrometheusProcess } from '../stack/prometheusProcess';
import { api, runnerChecks, setSetting, waitFor } from './util';

describe('Kepler in the power view (two stand-in nodes, a real Prometheus)', function () {
  this.timeout(180000);
  const standIns: Array<Awaited<ReturnType<typeof startKeplerStandIn>>> = [];
  let prom: PrometheusProcess | undefined;

  before(async () => {
    process.env.PROMETHEUS_BIN ??= execFileSync('bash', [path.resolve(__dirname, '../../../test/harness/provision-prometheus.sh')], {
      encoding: 'utf8',
    }).trim();
    standIns.push(await startKeplerStandIn(NODE_A), await startKeplerStandIn(NODE_B));
    prom = await PrometheusProcess.start({ kepler: standIns.map((s) => s.hostPort) });
    // Both nodes scraped before the view opens: an engine without Kepler yet is only asked again after 30 s.
    const client = new PrometheusClient(prom.url);
    await waitFor(
      'both stand-ins scraped',
      async () => (await client.query('count(kepler_node_cpu_usage_ratio)'))[0]?.value === 2,
      30000,
      250,
    );
  });

  after(async function () {
    this.timeout(30000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const key of ['prometheus.url', 'kepler.node', 'kepler.zone']) await setSetting(key, undefined);
    await prom?.stop();
    for (const s of standIns) await s.close();
  });

  it('offers both nodes, shows node -> namespace -> pod -> container rows with Watts, and Show picks a node', async function () {
    const dir = process.env.OPTIVOLT_HOST_DOM_DIR;
    if (!dir) return this.skip();
    await api();
    await setSetting('kepler.node', undefined);
    await setSetting('kepler.zone', undefined);
    await setSetting('prometheus.url', prom?.url);
    const a = truthRows(NODE_A);
    const b = truthRows(NODE_B);
    // What the DOM must show (Kepler's model applied to the stand-ins' workload, package zone), for the runner's set.
    fs.writeFileSync(
      path.join(dir, 'kepler-expected.json'),
      JSON.stringify({
        nodes: { 'node-a': 50, 'node-b': 35 },
        path: [
          ['node-a', 50],
          ['shop', a.pod('pod-web') + a.pod('pod-db')],
          ['web-7d9f', a.pod('pod-web')],
          ['nginx', a.container('c-web')],
        ],
        idle: a.idle,
        choose: 'node-b',
        otherNode: b.pod('pod-batch'),
      }),
    );
    await vscode.commands.executeCommand('optivolt.showPower');
    await runnerChecks(dir, 'kepler-power-view');
    // The DOM set clicked "Show" on node-b: the webview asked the host, which set the setting.
    await waitFor(
      'optivolt.kepler.node = node-b',
      () => vscode.workspace.getConfiguration('optivolt').get('kepler.node') === 'node-b',
      20000,
    );
    assert.equal(vscode.workspace.getConfiguration('optivolt').inspect('kepler.node')?.globalValue, 'node-b');
  });
});

function truthRows(c: KeplerNodeConfig): { pod(id: string): number; container(id: string): number; idle: number } {
  const t = keplerTruth(c, 'package');
  return { pod: (id) => t.pod.get(id) ?? NaN, container: (id) => t.container.get(id) ?? NaN, idle: t.idleWatts };
}
