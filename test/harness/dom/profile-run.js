// DOM checks after a real Profile Energy run (requested by test/host/profileView.test.ts): both functions of the 70/30
// program are in the flame graph's table with the shares the stored profile has, and a screenshot for the README.
const fs = require('fs');
const path = require('path');
const { flameFrame } = require('../webviewFrame');

module.exports = async (page, checks, { outDir, work }) => {
  const expected = JSON.parse(fs.readFileSync(path.join(work, 'profile-run-expected.json'), 'utf8'));
  let frame;
  await checks.check('the profiled run is shown in the flame graph webview', async () => {
    frame = await flameFrame(page, 30000);
    await frame.locator('#functions tbody tr[data-function="burnHot"]').waitFor({ timeout: 20000 });
  });
  if (!frame) return;
  await checks.check('the run shows burnHot and burnWarm with the shares of the stored profile', async () => {
    for (const [name, pct] of expected.rows) {
      const row = frame.locator(`#functions tbody tr[data-function="${name}"]`);
      const p = (await row.locator('td.self-pct').innerText()).trim();
      if (p !== pct) throw new Error(`${name}: ${p}, expected ${pct}`);
      console.log(`    profiled run: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
    }
    const boxes = await frame
      .locator('#flame .frame')
      .filter({ hasText: /^burn(Hot|Warm) · / })
      .count();
    if (boxes < 2) throw new Error(`${boxes} boxes for the two functions`);
  });
  await page.screenshot({ path: path.join(outDir, 'flame-graph.png') });
};
