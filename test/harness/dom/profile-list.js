// DOM check requested by test/host/profileView.test.ts after a Profile Energy run: the Energy Profiles view in the
// OptiVolt side bar lists the stored run with its energy.
const path = require('path');

module.exports = async (page, checks, { outDir }) => {
  await checks.check('the Energy Profiles view lists the profiled run with its energy', async () => {
    const row = page
      .locator('.pane')
      .filter({ hasText: 'Energy Profiles' })
      .locator('.monaco-list-row')
      .filter({ hasText: 'burnSplit.js' })
      .first();
    await row.waitFor({ state: 'visible', timeout: 20000 });
    const text = await row.innerText();
    if (!/\d+(\.\d+)? (J|Wh) in \d+\.\d s/.test(text)) throw new Error(`row without energy: ${text}`);
    console.log(`    profiles row: ${text.replace(/\s+/g, ' ')}`);
    await page.screenshot({ path: path.join(outDir, 'energy-profiles-view.png') });
  });
};
