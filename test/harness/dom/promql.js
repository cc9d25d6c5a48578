// DOM checks of the "PromQL Result" webview (requested by test/host/promqlRun.test.ts once a query with several
// series has run): the table rows match the run the host test saw, the chart is drawn, and a screenshot is kept.
const fs = require('fs');
const path = require('path');
const { webviewFrame } = require('../webviewFrame');

module.exports = async (page, checks, { outDir, work }) => {
  const expected = JSON.parse(fs.readFileSync(path.join(work, 'promql-expected.json'), 'utf8'));
  let frame;
  await checks.check('PromQL result view is open in a webview', async () => {
    frame = await webviewFrame(page, '#result', 30000);
  });
  if (!frame) return;
  await checks.check('PromQL result table shows one row per series of the run', async () => {
    const rows = frame.locator('#result tbody tr');
    await rows.first().waitFor({ state: 'visible', timeout: 30000 });
    const n = await rows.count();
    if (n !== expected.rows) throw new Error(`${n} rows, the run had ${expected.rows} series`);
    const text = await frame.locator('#result tbody').innerText();
    for (const h of expected.handlers) if (!text.includes(h)) throw new Error(`no row for handler ${h}: ${text}`);
    const value = (await rows.first().locator('td.num').first().innerText()).trim();
    if (!/^\d+(\.\d+)?$/.test(value)) throw new Error(`first value is not a number: ${value}`);
    console.log(`    promql: ${n} rows; first: ${(await rows.first().innerText()).replace(/\s+/g, ' ')}`);
  });
  await checks.check('PromQL result view draws the 15-minute chart (uPlot canvas, a legend entry per series)', async () => {
    const canvas = frame.locator('#chart canvas').first();
    await canvas.waitFor({ state: 'visible', timeout: 30000 });
    const box = await canvas.boundingBox();
    if (!box || box.width < 150 || box.height < 100) throw new Error(`canvas ${JSON.stringify(box)}`);
    const legend = await frame.locator('#chart .u-legend .u-series').count();
    if (legend !== expected.series + 1) throw new Error(`${legend} legend entries for ${expected.series} series (+ time)`);
    const note = await frame.locator('#chart-note').innerText();
    if (!/Step [\d.]+ s, \d+ points/.test(note)) throw new Error(`chart note: ${note}`);
  });
  await checks.check('PromQL result view header shows the query and its status', async () => {
    const q = await frame.locator('#query').innerText();
    if (!/sum by \(handler\)/.test(q)) throw new Error(`header query: ${q}`);
    const s = await frame.locator('#status').innerText();
    if (!/^Done in \d+ ms$/.test(s)) throw new Error(`status: ${s}`);
  });
  await page.screenshot({ path: path.join(outDir, 'promql-result.png') });

  // The host test now runs a query with a syntax error into the same panel.
  fs.writeFileSync(path.join(work, 'promql-table-checked'), 'done');
  await checks.check("PromQL result view shows Prometheus' parse error with its position and a caret", async () => {
    const deadline = Date.now() + 60000;
    while (!fs.existsSync(path.join(work, 'promql-error-ready'))) {
      if (Date.now() > deadline) throw new Error('the host test did not run the failing query');
      await new Promise((r) => setTimeout(r, 200));
    }
    const error = frame.locator('#error .prom-error');
    await error.waitFor({ state: 'visible', timeout: 30000 });
    const text = await error.innerText();
    if (!/1:12: parse error/.test(text)) throw new Error(`error text: ${text}`);
    const caret = (await frame.locator('#error .caret').innerText()).split('\n');
    if (caret[caret.length - 1] !== `${' '.repeat(11)}^`) throw new Error(`caret line: ${JSON.stringify(caret)}`);
    if (!(await frame.locator('#table-section').isHidden())) throw new Error('the old table is still shown');
    console.log(`    promql error: ${text}`);
  });
  await page.screenshot({ path: path.join(outDir, 'promql-error.png') });
  await checks.check('PromQL error position button puts the cursor on the error in the editor', async () => {
    await frame.locator('#reveal-error').click();
    // The query was selected from column 7 of line 1 (`look: sum(up) by job here`); the error is at its column 12.
    await page
      .locator('.statusbar-item')
      .filter({ hasText: /^\s*Ln 1, Col 18\s*$/ })
      .first()
      .waitFor({ timeout: 10000 });
  });
};
