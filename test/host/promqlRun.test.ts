// "OptiVolt: Run PromQL Query" inside a real extension host, against a real Prometheus (Debian's binary, started
// here on a free 127.0.0.1 port and scraping itself): Run CodeLenses, the result panel, errors.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { eventually, freePort, type PrometheusProcess } from '../stack/prometheusProcess';
import { api, setSetting, startHostPrometheus, waitFor } from './util';

const RUN = 'optivolt.runPromqlQuery';

const promqlTabs = (): vscode.Tab[] =>
  vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('optivolt.queryView'));

/** Runs the command over a selection of a plain-text (not PromQL) document. */
async function runSelection(content: string, from: number, to: number): Promise<void> {
  const doc = await vscode.workspace.openTextDocument({ language: 'plaintext', content });
  const editor = await vscode.window.showTextDocument(doc, vscode.ViewColumn.One);
  editor.selection = new vscode.Selection(0, from, 0, to);
  await vscode.commands.executeCommand(RUN);
}

describe('OptiVolt PromQL Run', () => {
  let prom: PrometheusProcess | undefined;
  let dir = '';
  let url = '';
  let docUri: vscode.Uri;
  const queries = ['# Is Prometheus up?\nup', 'sum by (handler) (prometheus_http_requests_total)'];

  before(async function () {
    this.timeout(120000);
    prom = await startHostPrometheus();
    url = prom.url;
    dir = fs.mkdtempSync(path.join(process.env.OPTIVOLT_HOST_TMP ?? os.tmpdir(), 'optivolt-promql-'));
    await eventually('Prometheus to scrape itself', async () => {
      const body = (await (await fetch(`${url}/api/v1/query?query=up`)).json()) as { data?: { result?: unknown[] } };
      return (body.data?.result?.length ?? 0) > 0;
    });
    await setSetting('prometheus.url', url);
    const a = await api();
    await waitFor('optivolt.prometheus.url applied', () => a.settings()['prometheus.url'] === url);
    const file = path.join(dir, 'power.promql');
    fs.writeFileSync(file, `${queries.join('\n\n')}\n`);
    docUri = vscode.Uri.file(file);
  });

  after(async () => {
    await prom?.stop();
    await setSetting('prometheus.url', undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens .promql files as PromQL with a Run CodeLens above each query', async function () {
    this.timeout(30000);
    const doc = await vscode.workspace.openTextDocument(docUri);
    assert.equal(doc.languageId, 'promql');
    await vscode.window.showTextDocument(doc);
    const lenses = await eventually('two Run lenses', async () => {
      const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', docUri);
      const runs = all.filter((l) => l.command?.command === RUN);
      return runs.length === 2 ? runs : undefined;
    });
    lenses.sort((a, b) => a.range.start.line - b.range.start.line);
    assert.deepEqual(
      lenses.map((l) => l.range.start.line),
      [1, 3],
      'on the first non-comment line of each paragraph',
    );
    assert.ok(lenses.every((l) => /Run/.test(l.command?.title ?? '')));
    assert.deepEqual(lenses[1].command?.arguments, [docUri.toString(), 3]);
  });

  it('runs the query of a CodeLens and shows its result beside the editor', async function () {
    this.timeout(60000);
    const a = await api();
    await vscode.commands.executeCommand(RUN, docUri.toString(), 1);
    const state = await waitFor(
      'a result for up',
      () => {
        const s = a.promqlResult();
        return s.outcome?.query === queries[0] && s.ready > 0 ? s : undefined;
      },
      30000,
    );
    assert.equal(state.title, 'PromQL: up');
    const rows = state.outcome!.instant.rows;
    assert.equal(rows.length, 1);
    assert.equal(rows[0].labels.job, 'prometheus');
    assert.equal(rows[0].value, '1');
    const range = state.outcome!.range!;
    assert.ok(range.times.length >= 200 && range.times.length <= 300, `${range.times.length} points`);
    assert.ok(range.series[0].values.some((v) => v === 1));
    const tabs = promqlTabs();
    assert.equal(tabs.length, 1);
    assert.notEqual(tabs[0].group.viewColumn, vscode.window.activeTextEditor?.viewColumn, 'beside the editor');
  });

  it('runs the query under the cursor without arguments, in the same panel', async function () {
    this.timeout(60000);
    const a = await api();
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(docUri), vscode.ViewColumn.One);
    editor.selection = new vscode.Selection(3, 5, 3, 5);
    await vscode.commands.executeCommand(RUN);
    const state = await waitFor(
      'a result for the second query',
      () => {
        const s = a.promqlResult();
        return s.outcome?.query === queries[1] ? s : undefined;
      },
      30000,
    );
    assert.match(state.title ?? '', /^PromQL: sum by \(handler\)/);
    assert.ok(state.outcome!.instant.rows.length >= 2, `${state.outcome!.instant.rows.length} handlers`);
    // Prometheus 3 registers the counter of every handler at 0 from the start: some rows are 0, none lacks its handler.
    assert.ok(state.outcome!.instant.rows.every((r) => r.labels.handler && Number(r.value) >= 0));
    assert.ok(state.outcome!.instant.rows.some((r) => Number(r.value) > 0));
    assert.equal(promqlTabs().length, 1, 'one result panel');
  });

  it('lets the runner check the result table and chart in the webview', async function () {
    this.timeout(180000);
    const domDir = process.env.OPTIVOLT_HOST_DOM_DIR;
    if (!domDir) return this.skip();
    const outcome = (await api()).promqlResult().outcome!;
    // What the DOM must show, from the same run.
    fs.writeFileSync(
      path.join(domDir, 'promql-expected.json'),
      JSON.stringify({
        rows: outcome.instant.rows.length,
        handlers: outcome.instant.rows.map((r) => r.labels.handler),
        series: outcome.range?.series.length ?? 0,
      }),
    );
    fs.writeFileSync(path.join(domDir, 'dom-request-promql'), String(Date.now()));
    await waitFor('the runner to check the result table', () => fs.existsSync(path.join(domDir, 'promql-table-checked')), 150000, 250);
    // Then the same panel with a parse error in mid-query, for the runner's error checks.
    await runSelection('look: sum(up) by job here', 6, 20);
    const a = await api();
    await waitFor('the parse error', () => a.promqlResult().error?.kind === 'bad_data');
    fs.writeFileSync(path.join(domDir, 'promql-error-ready'), 'ready');
    await waitFor("the runner's promql DOM checks", () => fs.existsSync(path.join(domDir, 'dom-done-promql')), 150000, 250);
  });

  it("shows Prometheus' parse error with its position, for a selection in a non-PromQL file", async function () {
    this.timeout(60000);
    const a = await api();
    await runSelection('look: sum(rate(up[5m]) here', 6, 22);
    const state = await waitFor(
      'a parse error',
      () => {
        const s = a.promqlResult();
        return s.error && s.query === 'sum(rate(up[5m])' ? s : undefined;
      },
      30000,
    );
    assert.equal(state.error!.kind, 'bad_data');
    assert.match(state.error!.prometheusText ?? '', /1:17: parse error/);
    assert.deepEqual(state.error!.position, { line: 1, column: 17 });
    assert.equal(promqlTabs().length, 1);
  });

  it('names optivolt.prometheus.url when Prometheus is unreachable', async function () {
    this.timeout(60000);
    const a = await api();
    const dead = `http://127.0.0.1:${await freePort()}`;
    await setSetting('prometheus.url', dead);
    await waitFor('the new URL', () => a.settings()['prometheus.url'] === dead);
    await vscode.commands.executeCommand(RUN, docUri.toString(), 1);
    const state = await waitFor(
      'an unreachable error',
      () => {
        const s = a.promqlResult();
        return s.error?.kind === 'unreachable' ? s : undefined;
      },
      30000,
    );
    assert.match(state.error!.message, /optivolt\.prometheus\.url/);
    assert.equal(state.error!.url, dead);
  });
});
