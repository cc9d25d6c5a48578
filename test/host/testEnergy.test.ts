// Energy per Test in a real extension host: Measure Test Energy runs a real mocha suite through the core, the view
// lists the heavy test first, the report is kept beside the Energy Sessions history, CodeLens shows the Joules on the
// test's line, and a second run shows the change against the first.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TestEnergyReport } from '../../src/core/testEnergy/testReport';
import { api, runnerChecks, setSetting, waitFor } from './util';

const SUITES = path.resolve(__dirname, '../../../test/fixtures/testEnergy');
const MOCHA = path.resolve(__dirname, '../../../node_modules/mocha/bin/mocha.js');

describe('Energy per Test view', function () {
  this.timeout(120000);
  const command = `"${process.execPath}" "${MOCHA}" "${path.join(SUITES, 'mocha/suite.test.cjs')}"`;

  it('Measure Test Energy: the heavy test on top, the report kept beside the Energy Sessions', async () => {
    const a = await api();
    const report = await vscode.commands.executeCommand<TestEnergyReport | undefined>('optivolt.measureTestEnergy', command);
    assert.ok(report, 'the command returned a report');
    const rows = a.testEnergyRows();
    assert.equal(rows[0].suite, 'mocha fixture');
    const seen = JSON.stringify({
      source: report.source,
      tests: report.tests.map((t) => [t.name, t.joules, t.cpuSeconds, t.durationSeconds]),
      limits: report.limits,
    });
    assert.equal(rows[0].tests[0].name, 'heavy', seen);
    assert.equal(rows[0].tests.length, 4);
    const file = path.join(path.dirname(a.sessionsFile()), 'test-energy.json');
    const kept = JSON.parse(fs.readFileSync(file, 'utf8')) as { reports: { tests: unknown[] }[] };
    assert.ok(kept.reports.length >= 1 && kept.reports[kept.reports.length - 1].tests.length === 4);
  });

  it("CodeLens on the test's line; a second run shows the change against the first", async () => {
    const a = await api();
    await vscode.commands.executeCommand('optivolt.measureTestEnergy', command);
    const heavy = a.testEnergyRows()[0].tests[0];
    assert.equal(heavy.name, 'heavy');
    const doc = await vscode.workspace.openTextDocument(path.join(SUITES, 'mocha/suite.test.cjs'));
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
    const onHeavy = lenses.find((l) => l.range.start.line === (heavy.line ?? 0) - 1);
    assert.ok(onHeavy?.command, `a lens on line ${heavy.line}: ${lenses.map((l) => l.command?.title).join(' | ')}`);
    assert.match(onHeavy.command.title, /^≈ [\d.]+ J · Δ [+−]\d+% \(single runs\)$/);
    const item = a.testEnergyView().getTreeItem({ kind: 'test', test: heavy });
    assert.match(String(item.description), /J · [\d.]+% · Δ/);
    assert.equal(item.command?.command, 'vscode.open');
  });

  it("with optivolt.testEnergy.repeat 2, the change against the previous run has Welch's p", async () => {
    const a = await api();
    await setSetting('testEnergy.repeat', 2);
    try {
      await waitFor('the setting', () => a.settings()['testEnergy.repeat'] === 2);
      await vscode.commands.executeCommand('optivolt.measureTestEnergy', command);
      await vscode.commands.executeCommand('optivolt.measureTestEnergy', command);
      const heavy = a.testEnergyRows()[0].tests[0];
      assert.equal(heavy.joulesPerRun.length, 2);
      const item = a.testEnergyView().getTreeItem({ kind: 'test', test: heavy });
      assert.match(String(item.description), /Δ [+−]\d+% \((significant|within noise), p \d\.\d{3}\)/);
    } finally {
      await setSetting('testEnergy.repeat', undefined);
    }
  });

  it("the view's rows in the workbench DOM: the heavy test first (the runner's check, screenshot)", async function () {
    const dir = process.env.OPTIVOLT_HOST_DOM_DIR;
    if (!dir) return this.skip();
    await vscode.commands.executeCommand('optivolt.testEnergy.focus');
    await runnerChecks(dir, 'testEnergy');
  });
});
