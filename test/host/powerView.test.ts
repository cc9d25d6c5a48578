// The power view inside a real extension host: opens, talks the protocol with its webview, shows rows.
import { strict as assert } from 'node:assert';
import Docker from 'dockerode';
import * as vscode from 'vscode';
import { api, runnerChecks, setSetting, waitFor } from './util';

describe('OptiVolt power view', () => {
  // With the test command's Docker engine, a container burns CPU so the container table has a real row
  // (local image imported from Debian's busybox-static; never pulled).
  let burner: Docker.Container | undefined;
  before(async function () {
    this.timeout(30000);
    if (!process.env.OPTIVOLT_DOCKER) return;
    const docker = new Docker();
    await docker
      .getContainer('optivolt-host-burner')
      .remove({ force: true })
      .catch(() => undefined);
    burner = await docker.createContainer({
      Image: 'local/busybox:optivolt',
      name: 'optivolt-host-burner',
      Cmd: ['sh', '-c', 'while :; do :; done'],
      Labels: { 'com.docker.compose.service': 'burner' },
    });
    await burner.start();
  });

  after(async () => {
    await burner?.remove({ force: true });
    await setSetting('attribution.model', undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('opens from the command, receives ready from its webview and streams attributed samples', async function () {
    this.timeout(60000);
    const a = await api();
    await vscode.commands.executeCommand('optivolt.showPower');
    const v = await waitFor(
      'an attributed sample posted to the webview',
      () => {
        const pv = a.powerView();
        // posted >= 2: the full state (only sent in answer to the webview's `ready`) and at least one sample.
        return pv.open && pv.snapshot && pv.posted >= 2 ? pv : undefined;
      },
      30000,
    );
    const snap = v.snapshot!;
    assert.equal(snap.rowsFrom, 'procfs');
    assert.ok(snap.processCount > 5, `saw ${snap.processCount} processes`);
    assert.ok(snap.processes.length > 0);
    const sum = snap.processes.reduce((s, p) => s + p.watts, 0) + snap.idleWatts + snap.exitedWatts;
    assert.ok(sum <= snap.hostWatts * 1.01 + 1e-9, `rows never exceed host power: ${sum} > ${snap.hostWatts}`);
    if (burner) {
      const c = await waitFor('the burner in the container rows', () =>
        a.powerView().snapshot?.containers.find((r) => r.name === 'optivolt-host-burner'),
      );
      assert.equal(c.service, 'burner');
      assert.ok(c.share > 0.1, `a busy loop takes a visible share, got ${c.share}`);
    }
  });

  it('lets the runner check the webview DOM (chart, process rows, sorting)', async function () {
    this.timeout(180000);
    const dir = process.env.OPTIVOLT_HOST_DOM_DIR;
    if (!dir) return this.skip();
    await runnerChecks(dir, 'powerview');
  });

  it('applies the attribution model setting live', async function () {
    this.timeout(30000);
    const a = await api();
    await setSetting('attribution.model', 'active-only');
    const snap = await waitFor('an active-only snapshot', () => {
      const s = a.powerView().snapshot;
      return s?.model === 'active-only' ? s : undefined;
    });
    assert.ok(snap.idleWatts > 0, 'the estimate knows its idle power: an idle row');
  });

  it('frees its sampler when closed', async () => {
    const a = await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('the view to close', () => !a.powerView().open);
  });
});
