// PromQL editing inside a real extension host: opening a .promql file starts the language server (IPC, its own
// bundle); completion at `scaph_` through VS Code's own provider command offers every scaph_ metric of the
// catalogue; a bad query gets a diagnostic; hover and signature help answer; each query has a Run CodeLens.
// Prometheus is left unreachable on purpose here: the server must work offline from the catalogue.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CATALOGUE } from '../../src/server/promql/catalogue';
import { eventually } from '../stack/prometheusProcess';
import { api, runnerChecks, setSetting, startHostPrometheus, waitFor } from './util';

describe('PromQL language (language server in the extension host)', function () {
  this.timeout(60000);
  let doc: vscode.TextDocument;

  before(async () => {
    // A closed loopback port: the server must fall back to the catalogue, quietly.
    await setSetting('prometheus.url', 'http://127.0.0.1:9');
    const dir = fs.mkdtempSync(path.join(process.env.OPTIVOLT_HOST_TMP ?? '/tmp', 'promql-'));
    const file = path.join(dir, 'power.promql');
    fs.writeFileSync(
      file,
      '# Host power in Watts\nscaph_host_power_microwatts / 1e6\n\nsum(rate(scaph_host_energy_microjoules[5m])\n\nscaph_\n',
    );
    doc = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(doc);
  });
  after(async () => {
    await setSetting('prometheus.url', undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('gives .promql files the promql language and starts the language server', async () => {
    assert.equal(doc.languageId, 'promql');
    const a = await api();
    const client = await waitFor('the PromQL language client', () => a.promql(), 20000);
    await client.started;
    assert.ok(client.running);
  });

  it('completion at "scaph_" offers every scaph_ metric of the catalogue', async () => {
    const pos = new vscode.Position(5, 6);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos);
    const labels = new Set(list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label)));
    const scaph = [...CATALOGUE.keys()].filter((k) => k.startsWith('scaph_'));
    assert.ok(scaph.length >= 20, `catalogue has ${scaph.length} scaph_ metrics`);
    for (const name of scaph) assert.ok(labels.has(name), `completion lacks ${name}`);
  });

  it('a bad query shows an error diagnostic on its line, the good one none', async () => {
    const diags = await waitFor('diagnostics for power.promql', () => {
      const d = vscode.languages.getDiagnostics(doc.uri);
      return d.length ? d : undefined;
    });
    const errors = diags.filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    assert.ok(
      errors.some((d) => d.range.start.line === 3),
      `an error on line 4: ${JSON.stringify(diags.map((d) => [d.range.start.line, d.message]))}`,
    );
    assert.ok(!diags.some((d) => d.range.start.line === 1), 'no diagnostic on the good query');
  });

  it('hover documents the metric under the cursor', async () => {
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(1, 4));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, /scaph_host_power_microwatts\*\* · gauge · microwatts/);
  });

  it('signature help names the active argument', async () => {
    const help = await vscode.commands.executeCommand<vscode.SignatureHelp>(
      'vscode.executeSignatureHelpProvider',
      doc.uri,
      new vscode.Position(3, 9),
    );
    assert.match(help.signatures[0].label, /^rate\(v matrix\)/);
  });

  it('puts a Run CodeLens above each query', async () => {
    const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
    const runs = all.filter((l) => l.command?.command === 'optivolt.runPromqlQuery');
    assert.deepEqual(
      runs.map((l) => l.range.start.line).sort((a, b) => a - b),
      [1, 3, 5],
    );
  });

  it('shows the completion list and the diagnostic in the workbench', async () => {
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(5, 6, 5, 6);
    await vscode.commands.executeCommand('editor.action.triggerSuggest');
    await runnerChecks(process.env.OPTIVOLT_HOST_DOM_DIR!, 'promql-editor');
  });

  it("follows optivolt.prometheus.url live: a real Prometheus's names, metadata and values, without a restart", async function () {
    this.timeout(90000);
    const prom = await startHostPrometheus();
    try {
      await eventually('Prometheus to scrape itself', async () => {
        const body = (await (await fetch(`${prom.url}/api/v1/metadata?metric=prometheus_http_requests_total`)).json()) as { data?: object };
        return Object.keys(body.data ?? {}).length > 0 || undefined;
      });
      await setSetting('prometheus.url', prom.url);
      const live = await vscode.workspace.openTextDocument({ language: 'promql', content: 'up\n\nprometheus_http_requests_' });
      await vscode.window.showTextDocument(live);
      const item = await eventually('a live metric in completion', async () => {
        const list = await vscode.commands.executeCommand<vscode.CompletionList>(
          'vscode.executeCompletionItemProvider',
          live.uri,
          new vscode.Position(2, 25),
        );
        return list.items.find((i) => (typeof i.label === 'string' ? i.label : i.label.label) === 'prometheus_http_requests_total');
      });
      assert.equal(item.detail, 'counter', 'type from the live /api/v1/metadata');
      const hover = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        live.uri,
        new vscode.Position(0, 1),
      );
      const text = hover.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
      assert.match(text, new RegExp(`Now \\(${prom.url.replace(/\./g, '\\.')}\\)`));
      assert.match(text, /\*\*1\*\*/, 'up is 1');
      assert.equal((await api()).promql()?.lastStatus?.problem, undefined);
    } finally {
      await prom.stop();
    }
  });
  it('a language status item says which PromQL the checks follow; optivolt.promql.version forces it live', async () => {
    const client = (await api()).promql()!;
    // No Prometheus answers here (the URL's server is stopped): the version the monitoring stack pins, and why.
    await setSetting('prometheus.url', 'http://127.0.0.1:9');
    // The previous test's Prometheus was detected: wait for the detail (the reason), the text alone could be its.
    await waitFor('the offline target', () => (/does not answer/.test(client.targetItem.detail ?? '') ? true : undefined), 20000);
    assert.match(
      client.targetItem.detail ?? '',
      /^http:\/\/127\.0\.0\.1:9 does not answer: checking against Prometheus 3\.5\.\d+, the version the monitoring stack pins/,
    );
    assert.match(client.targetItem.text, /^PromQL: Prometheus 3\.5\.\d+$/);
    await setSetting('promql.version', '2.42');
    await setSetting('promql.features', ['promql-experimental-functions']);
    try {
      await waitFor(
        'the forced target',
        () => (client.targetItem.text === 'PromQL: Prometheus 2.42.0 (experimental functions)' ? true : undefined),
        20000,
      );
      assert.match(client.targetItem.detail ?? '', /^optivolt\.promql\.version is 2\.42/);
      // Diagnostics are checked again against it, and say so in their source (shown on hover and in Problems).
      await waitFor('diagnostics against 2.42', () =>
        vscode.languages.getDiagnostics(doc.uri).some((d) => d.source === 'promql 2.42.0') ? true : undefined,
      );
    } finally {
      await setSetting('promql.features', undefined);
      await setSetting('promql.version', undefined);
    }
    // Both settings cleared: what the server (here: none answers) says, without forced features.
    await waitFor(
      'detection again',
      () =>
        /^PromQL: Prometheus 3\.5\.\d+$/.test(client.targetItem.text) &&
        /^http:\/\/127\.0\.0\.1:9 does not answer/.test(client.targetItem.detail ?? '')
          ? true
          : undefined,
      20000,
    );
  });
});
