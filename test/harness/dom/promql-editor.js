// DOM checks for PromQL editing (requested by test/host/promqlLanguage.test.ts): the suggest widget lists
// scaph_ metrics with their details, and the bad query is underlined as an error. Screenshot for the README.
const path = require('path');

module.exports = async function promqlEditorChecks(page, checks, { outDir }) {
  await checks.check('the suggest widget lists scaph_ metrics from the language server', async () => {
    const rows = page.locator('.suggest-widget .monaco-list-row');
    await rows.first().waitFor({ state: 'visible', timeout: 20000 });
    const text = await page.locator('.suggest-widget').innerText();
    if (!/scaph_host_power_microwatts/.test(text)) throw new Error(`suggest widget: ${text.slice(0, 300)}`);
    console.log(`    suggest widget: ${await rows.count()} rows, first: ${(await rows.first().innerText()).replace(/\s+/g, ' ')}`);
    await page.screenshot({ path: path.join(outDir, 'promql-completion.png') });
  });
  await checks.check('the bad query is underlined as an error in the editor', async () => {
    await page.locator('.monaco-editor .squiggly-error').first().waitFor({ state: 'attached', timeout: 20000 });
  });
  await page.keyboard.press('Escape');
};
