// DOM checks of the energy comparison (requested by test/host/profileView.test.ts after comparing two stored
// profiles): the moved function's row with its ΔJ and verdict, the noise rule stated, differential colours.
const fs = require('fs');
const path = require('path');
const { flameFrame } = require('../webviewFrame');

module.exports = async (page, checks, { outDir, work }) => {
  const expected = JSON.parse(fs.readFileSync(path.join(work, 'profile-compare-expected.json'), 'utf8'));
  let frame;
  await checks.check('the comparison is open in the flame graph webview', async () => {
    frame = await flameFrame(page, 30000);
    await frame.locator('#rule').filter({ hasText: 'Noise rule' }).waitFor({ timeout: 20000 });
  });
  if (!frame) return;
  await checks.check('compare view shows the moved function with its ΔJ and the verdict "real"', async () => {
    const row = frame.locator(`#functions tbody tr[data-function="${expected.moved}"]`);
    await row.waitFor({ state: 'visible', timeout: 10000 });
    const delta = (await row.locator('td.delta').innerText()).trim();
    const verdict = (await row.locator('td.verdict').innerText()).trim();
    if (delta !== expected.delta || verdict !== expected.verdict) throw new Error(`row: ${await row.innerText()}`);
    console.log(`    compare row: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
    const quiet = frame.locator(`#functions tbody tr[data-function="${expected.quiet}"] td.verdict`);
    if ((await quiet.count()) && (await quiet.innerText()).trim() === 'real') throw new Error(`${expected.quiet} was called real`);
  });
  await checks.check('compare view states the noise rule (>= 3 runs, beyond the spread)', async () => {
    const rule = await frame.locator('#rule').innerText();
    if (!/at least 3 runs/.test(rule) || !/spread/.test(rule)) throw new Error(`rule: ${rule}`);
  });
  await checks.check('the differential flame graph colours the shrunk function green', async () => {
    const box = frame
      .locator('#flame .frame')
      .filter({ hasText: new RegExp(`^${expected.moved} · `) })
      .first();
    const style = await box.getAttribute('style');
    if (!/charts-green/.test(style)) throw new Error(`style: ${style}`);
    const aria = await box.getAttribute('aria-label');
    if (!/before .* after .* Δ -/.test(aria)) throw new Error(`aria-label: ${aria}`);
  });
  await page.screenshot({ path: path.join(outDir, 'flame-graph-compare.png') });
};
