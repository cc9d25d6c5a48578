// DOM checks of the "Energy History" webview (requested by test/host/energyHistory.test.ts once the pushed history is
// shown): the heavy test's table has one row per commit with its runs, its chart is drawn, the verdict is a
// regression; screenshot for the README (docs/images/energy-history.png).
const path = require('path');
const { webviewFrame } = require('../webviewFrame');

module.exports = async (page, checks, { outDir }) => {
  let frame;
  await checks.check('Energy History view is open in a webview with its charts', async () => {
    frame = await webviewFrame(page, '#charts .chart', 30000);
  });
  if (!frame) return;
  await checks.check("Energy History shows the heavy test's commits, runs and the regression verdict", async () => {
    const chart = frame.locator('.chart[data-test="suite > heavy"]');
    await chart.waitFor({ state: 'visible', timeout: 20000 });
    const rows = (await chart.locator('table.points tbody tr').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    if (rows.length !== 2) throw new Error(`${rows.length} commit rows: ${rows.join(' | ')}`);
    if (!/^1111111aaaa .*2 1\.995 2\.010, 1\.980$/.test(rows[0])) throw new Error(`first commit row: ${rows[0]}`);
    if (!/^2222222bbbb .*2 4\.010 4\.050, 3\.970$/.test(rows[1])) throw new Error(`second commit row: ${rows[1]}`);
    const verdict = (await chart.locator('.verdict').innerText()).trim();
    if (!/^regression: 1111111aaaa → 2222222bbbb \+2\.015 J \(\+101\.0%\)/.test(verdict)) throw new Error(`verdict: ${verdict}`);
    const canvas = chart.locator('.plot canvas').first();
    await canvas.waitFor({ state: 'visible', timeout: 10000 });
    const box = await canvas.boundingBox();
    if (!box || box.width < 200 || box.height < 100) throw new Error(`canvas ${JSON.stringify(box)}`);
    const title = await frame.locator('#repository').innerText();
    if (!title.includes('repository="github.com/team/history-app"')) throw new Error(`title: ${title}`);
    console.log(`    energy history: ${rows.join(' | ')}; ${verdict}`);
  });
  await page.screenshot({ path: path.join(outDir, 'energy-history.png') });
};
