// "OptiVolt: Start Monitoring" in a real extension host against the test command's real Docker engine:
// Prometheus from the image built from Debian's binary (never pulled), OptiVolt's exporter on the host in place
// of Scaphandre (no RAPL here), and the status bar's auto source moving to Prometheus.
import { strict as assert } from 'node:assert';
import Docker from 'dockerode';
import * as vscode from 'vscode';
import { freePort } from '../stack/prometheusProcess';
import { api, runnerChecks, setSetting, waitFor } from './util';

const KEYS = ['stack.services', 'stack.images', 'stack.pull', 'stack.powerExporter', 'stack.exporterPort', 'stack.ports', 'prometheus.url'];

describe('Start and Stop Monitoring (real Docker engine)', function () {
  this.timeout(180000);

  before(async function () {
    if (!process.env.OPTIVOLT_DOCKER) return this.skip();
    const prom = await freePort();
    await setSetting('stack.services', ['prometheus']);
    await setSetting('stack.images', { prometheus: 'local/prometheus:optivolt' });
    await setSetting('stack.pull', 'never');
    await setSetting('stack.powerExporter', 'optivolt');
    await setSetting('stack.exporterPort', await freePort());
    await setSetting('stack.ports', { prometheus: prom });
    await setSetting('prometheus.url', `http://127.0.0.1:${prom}`);
  });

  after(async () => {
    if (!process.env.OPTIVOLT_DOCKER) return;
    await vscode.commands.executeCommand('optivolt.stopMonitoring');
    const docker = new Docker();
    const vols = await docker.listVolumes({ filters: JSON.stringify({ label: ['com.optivolt.project=optivolt'] }) });
    for (const v of vols.Volumes ?? [])
      await docker
        .getVolume(v.Name)
        .remove()
        .catch(() => undefined);
    for (const k of KEYS) await setSetting(k, undefined);
  });

  it('Restart Service and Show Service Logs with nothing running say so (was: an empty picker, waiting forever)', async () => {
    // A deadline only to turn a hang (the old empty picker) into a failure with a reason.
    const within = <T>(p: Thenable<T>, what: string): Promise<T> =>
      Promise.race([
        Promise.resolve(p),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`${what} still waiting after 20 s (a picker open?)`)), 20000).unref(),
        ),
      ]);
    const said = await within(vscode.commands.executeCommand<string | undefined>('optivolt.showServiceLogs'), 'Show Service Logs');
    assert.match(said ?? '', /the monitoring stack is not running/);
    await within(vscode.commands.executeCommand('optivolt.restartService'), 'Restart Service');
  });

  it("starts the stack, and the status bar switches to Prometheus fed by OptiVolt's exporter", async () => {
    const a = await api();
    const result = (await vscode.commands.executeCommand('optivolt.startMonitoring')) as
      { statuses: Array<{ service: string; state: string }>; powerExporter: string } | undefined;
    assert.ok(result, 'Start Monitoring succeeded (see the OptiVolt log otherwise)');
    assert.equal(result.powerExporter, 'optivolt');
    assert.deepEqual(
      result.statuses.map((s) => [s.service, s.state]),
      [['prometheus', 'running']],
    );
    const s = await waitFor(
      'the Prometheus source',
      () => (a.status().source === 'prometheus' && a.status().state === 'live' ? a.status() : undefined),
      90000,
      500,
    );
    assert.equal(s.last?.estimated, true, 'no RAPL here: the exporter\'s value_source="estimate" keeps the ≈ label through Prometheus');
    assert.match(a.statusBarText(), /≈/);
  });

  it('lists the services in the Stack view (checked by the runner in the DOM)', async function () {
    const dir = process.env.OPTIVOLT_HOST_DOM_DIR;
    if (!dir) return this.skip();
    await vscode.commands.executeCommand('optivolt.stack.focus');
    await vscode.commands.executeCommand('optivolt.refreshStack');
    await runnerChecks(dir, 'stack');
  });

  it('stops the stack and the status bar falls back', async () => {
    const a = await api();
    const removed = await vscode.commands.executeCommand('optivolt.stopMonitoring');
    assert.equal(removed, 1);
    await waitFor('the estimate again', () => a.status().source === 'estimate' && a.status().state === 'live', 60000, 500);
  });
});
