// DOM checks of the energy flame graph (requested by test/host/profileView.test.ts once a profile file is open): the
// top-functions table and the boxes show both functions with their Joules and %, zoom, search and the orientation
// toggle work, and the table's link jumps to the source (the host test then checks the editor's line).
const fs = require('fs');
const path = require('path');
const { flameFrame } = require('../webviewFrame');

module.exports = async (page, checks, { outDir, work }) => {
  const expected = JSON.parse(fs.readFileSync(path.join(work, 'profile-expected.json'), 'utf8'));
  let frame;
  await checks.check('energy flame graph is open in a webview', async () => {
    frame = await flameFrame(page, 30000);
  });
  if (!frame) return;
  await checks.check('flame graph table lists both hot functions with their Joules and %', async () => {
    for (const [name, joules, pct] of expected.rows) {
      const row = frame.locator(`#functions tbody tr[data-function="${name}"]`);
      await row.waitFor({ state: 'visible', timeout: 10000 });
      const j = (await row.locator('td.self-j').innerText()).trim();
      const p = (await row.locator('td.self-pct').innerText()).trim();
      if (j !== joules || p !== pct) throw new Error(`${name}: ${j}, ${p}; expected ${joules}, ${pct}`);
      console.log(`    flame table: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
    }
  });
  await checks.check('flame graph boxes name each function with its Joules and % (text and accessible name)', async () => {
    for (const [name, , pct] of expected.rows) {
      const box = frame
        .locator('#flame .frame')
        .filter({ hasText: new RegExp(`^${name} · `) })
        .first();
      const text = await box.innerText();
      const aria = await box.getAttribute('aria-label');
      if (!text.includes(' J · ') || !/%$/.test(text)) throw new Error(`box text: ${text}`);
      if (!aria.includes(`self`) || !aria.includes(pct)) throw new Error(`${name} aria-label: ${aria}`);
    }
  });
  await page.screenshot({ path: path.join(outDir, 'flame-graph-file.png') });
  await checks.check('clicking a box zooms to it and shows its figures and a Go to source button', async () => {
    const hot = frame
      .locator('#flame .frame')
      .filter({ hasText: /^hot · / })
      .first();
    await hot.click();
    await frame
      .locator('#flame .frame.selected')
      .filter({ hasText: /^hot · / })
      .waitFor({ timeout: 5000 });
    const box = await frame.locator('#flame .frame.selected').boundingBox();
    const all = await frame.locator('#flame').boundingBox();
    if (!box || !all || box.width < all.width * 0.95) throw new Error(`the zoomed box is ${box && box.width} of ${all && all.width} px`);
    const details = await frame.locator('#details').innerText();
    if (!/hot\s+total 7\.50 J \(75\.0%\)/.test(details) || !/Go to app\.js:5/.test(details)) throw new Error(`details: ${details}`);
    await frame.locator('#reset-zoom').click();
  });
  await checks.check('search highlights the matching frames and sums their share', async () => {
    await frame.locator('#search').fill('warm');
    await frame.locator('#flame .frame.match').first().waitFor({ timeout: 5000 });
    const note = await frame.locator('#chart-note').innerText();
    if (!/1 matching frame: 2\.00 J, 20\.0% of the run/.test(note)) throw new Error(`note: ${note}`);
    await frame.locator('#search').fill('');
  });
  await checks.check('the orientation toggle turns the icicle into a flame (callers at the bottom)', async () => {
    const top = async () =>
      (
        await frame
          .locator('#flame .frame')
          .filter({ hasText: /^all · / })
          .boundingBox()
      ).y;
    const icicle = await top();
    await frame.locator('#orientation').click();
    await frame.locator('#orientation').filter({ hasText: 'flame (bottom-up)' }).waitFor({ timeout: 5000 });
    const flame = await top();
    if (!(flame > icicle)) throw new Error(`root at y=${icicle} (icicle) and y=${flame} (flame)`);
    await frame.locator('#orientation').click();
  });
  await checks.check('the function table links to the source', async () => {
    await frame.locator(`#functions tbody tr[data-function="${expected.jump}"] a.source-link`).click();
  });
};
