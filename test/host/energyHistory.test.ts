// "OptiVolt: Show Energy History" inside a real extension host, against a real Prometheus started here with its
// remote-write receiver: CI results are pushed by remote write (the CLI's own push helpers), labelled with the
// repository a git folder's remote names; the view shows each test's commits and the verdict (the runner's DOM checks,
// screenshot docs/images/energy-history.png), then the empty and unreachable states.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { pushIdentity } from '../../src/core/push/pushIdentity';
import { testSamples } from '../../src/core/push/pushResults';
import { pushSamples, remoteWriteTarget } from '../../src/core/push/pushTargets';
import { freePort, PrometheusProcess } from '../stack/prometheusProcess';
import { api, runnerChecks, setSetting, waitFor } from './util';

const SHOW = 'optivolt.showEnergyHistory';
const REPO = 'github.com/team/history-app';

describe('OptiVolt Energy History (real Prometheus, pushed by remote write)', function () {
  this.timeout(120000);
  let prom: PrometheusProcess | undefined;
  let dir = '';
  let folder = '';

  before(async () => {
    process.env.PROMETHEUS_BIN ??= execFileSync('bash', [path.resolve(__dirname, '../../../test/harness/provision-prometheus.sh')], {
      encoding: 'utf8',
    }).trim();
    dir = fs.mkdtempSync(path.join(process.env.OPTIVOLT_HOST_TMP ?? os.tmpdir(), 'optivolt-history-'));
    fs.mkdirSync(path.join(dir, 'prom'));
    prom = await PrometheusProcess.startWithConfig(
      { global: { scrape_interval: '15s' } },
      path.join(dir, 'prom'),
      false,
      undefined,
      undefined,
      ['--web.enable-remote-write-receiver'],
    );
    // The workspace's repository: a git folder whose origin is an scp-style remote.
    folder = path.join(dir, 'app');
    fs.mkdirSync(folder);
    execFileSync('git', ['init', '-q'], { cwd: folder });
    execFileSync('git', ['remote', 'add', 'origin', 'git@github.com:team/history-app.git'], { cwd: folder });
    const target = remoteWriteTarget(`${prom.url}/api/v1/write`);
    // Two runs per commit; the heavy test doubles on the second commit, the light one stays.
    const runs: Array<[string, number, number]> = [
      ['1111111aaaa', 2.01, 0.5],
      ['1111111aaaa', 1.98, 0.52],
      ['2222222bbbb', 4.05, 0.49],
      ['2222222bbbb', 3.97, 0.51],
    ];
    const t0 = Date.now() - 60000;
    for (const [i, [commit, heavy, light]] of runs.entries()) {
      const id = { ...pushIdentity('unit tests', folder, {}), commit };
      const tests = [
        { suite: 'suite', name: 'heavy', joules: heavy },
        { suite: 'suite', name: 'light', joules: light },
      ];
      const f = { energyJoules: heavy + light + 1, durationSeconds: 2, source: 'rapl', estimated: false, exitCode: 0, runs: 1 };
      await pushSamples(target, id, 'test', testSamples(f, tests, 10, t0 + i * 1000), t0 + i * 1000);
    }
    await setSetting('prometheus.url', prom.url);
    const a = await api();
    await waitFor('optivolt.prometheus.url applied', () => a.settings()['prometheus.url'] === prom?.url);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setSetting('prometheus.url', undefined);
    await prom?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("shows the folder's repository: a chart per test across commits with the verdict", async () => {
    const a = await api();
    await vscode.commands.executeCommand(SHOW, folder);
    const last = await waitFor('the history read', () =>
      a.energyHistory().last?.type === 'history/result' ? a.energyHistory().last : undefined,
    );
    assert.ok(last?.type === 'history/result');
    assert.equal(last.repository, REPO);
    const heavy = last.charts.find((c) => c.test === 'suite > heavy');
    assert.ok(heavy, JSON.stringify(last.charts.map((c) => c.test ?? c.session)));
    assert.deepEqual(
      heavy.points.map((p) => [p.commit, p.runs]),
      [
        ['1111111aaaa', [2.01, 1.98]],
        ['2222222bbbb', [4.05, 3.97]],
      ],
    );
    assert.equal(heavy.verdict, 'regression');
    assert.equal(last.charts.find((c) => c.test === 'suite > light')?.verdict, 'no detectable change');
    assert.ok(
      last.charts.some((c) => c.kind === 'test' && c.session === 'unit tests'),
      'the session total has its chart',
    );
    const domDir = process.env.OPTIVOLT_HOST_DOM_DIR;
    if (domDir) await runnerChecks(domDir, 'energyHistory');
  });

  it('says which repository label it looked for when the engine has none, and the engine error when unreachable', async () => {
    const a = await api();
    const other = path.join(dir, 'other');
    fs.mkdirSync(other);
    execFileSync('git', ['init', '-q'], { cwd: other });
    execFileSync('git', ['remote', 'add', 'origin', 'https://user:secret@example.org/team/nothing.git'], { cwd: other });
    await vscode.commands.executeCommand(SHOW, other);
    const empty = await waitFor('the empty history', () => {
      const l = a.energyHistory().last;
      return l?.type === 'history/result' && l.repository === 'example.org/team/nothing' ? l : undefined;
    });
    assert.equal(empty.type === 'history/result' && empty.charts.length, 0);
    const closed = `http://127.0.0.1:${await freePort()}`;
    await setSetting('prometheus.url', closed);
    await waitFor('the closed URL applied', () => a.settings()['prometheus.url'] === closed);
    await vscode.commands.executeCommand(SHOW, folder);
    const failed = await waitFor(
      'the unreachable error',
      () => (a.energyHistory().last?.type === 'history/error' ? a.energyHistory().last : undefined),
      60000,
    );
    assert.ok(failed?.type === 'history/error');
    assert.equal(failed.repository, REPO);
    assert.match(failed.message, /127\.0\.0\.1/);
    console.log(`      unreachable: ${failed.message}`);
  });
});
