// Energy per Test view: after Measure Test Energy ran the mocha fixture, the view's rows in the workbench DOM list the
// heavy test first under its suite, with its Joules; screenshot for the README.
const path = require('path');

module.exports = async (page, checks, { outDir }) => {
  await checks.check('the Energy per Test view lists the heavy test first, with Joules', async () => {
    const pane = page.locator('.pane').filter({ hasText: 'Energy per Test' });
    const rows = pane.locator('.monaco-list-row');
    await rows.filter({ hasText: 'heavy' }).first().waitFor({ state: 'visible', timeout: 20000 });
    const texts = (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    const suite = texts.findIndex((t) => t.startsWith('mocha fixture'));
    if (suite < 0) throw new Error(`no suite row: ${texts.join(' | ')}`);
    const first = texts[suite + 1] ?? '';
    if (!/^heavy\s*[\d.]+ J/.test(first)) throw new Error(`first test row: ${first} (rows: ${texts.join(' | ')})`);
    console.log(`    energy per test: ${texts.slice(suite, suite + 5).join(' | ')}`);
    await page.screenshot({ path: path.join(outDir, 'energy-per-test.png') });
  });
};
