// Kepler in the power view: with no node chosen the tree lists both stand-in nodes; expanding node -> namespace -> pod
// shows the container's row, each with the Watts Kepler's model gives (kepler-expected.json, written by the host
// test), and the node's idle row; the screenshot is the README's; then "Show" on node-b picks that node.
const fs = require('fs');
const path = require('path');
const { webviewFrame } = require('../webviewFrame');

module.exports = async (page, checks, { outDir, work }) => {
  const expected = JSON.parse(fs.readFileSync(path.join(work, 'kepler-expected.json'), 'utf8'));
  let frame;
  const rowOf = (level, name) =>
    frame.locator(`#kepler tr.kepler-${level}`).filter({ has: frame.locator('span', { hasText: new RegExp(`^${name}$`) }) });
  const watts = async (row) => Number((await row.locator('td').nth(1).innerText()).trim());
  const near = (got, want, what) => {
    if (!(Math.abs(got - want) < 0.006)) throw new Error(`${what}: ${got} shown, ${want.toFixed(3)} expected`);
  };

  await checks.check('the Kepler tree lists every node with its Watts when no node is chosen', async () => {
    frame = await webviewFrame(page, '#kepler tr.kepler-node', 40000);
    const names = await frame.locator('#kepler tr.kepler-node td.kepler-name span:not(.kepler-kind)').allInnerTexts();
    if (names.join(',') !== Object.keys(expected.nodes).join(',')) throw new Error(`nodes: ${names.join(', ')}`);
    for (const [name, w] of Object.entries(expected.nodes)) near(await watts(rowOf('node', name)), w, name);
    const about = await frame.locator('#kepler-about').innerText();
    if (!/Zone package/.test(about) || !/idle power is not attributed/.test(about) || !/No node chosen/.test(about))
      throw new Error(`model/zone text: ${about}`);
  });

  await checks.check('expanding node -> namespace -> pod shows the container, with Watts per level and idle apart', async () => {
    const levels = ['node', 'namespace', 'pod', 'container'];
    for (let i = 0; i < expected.path.length; i++) {
      const [name, w] = expected.path[i];
      const row = rowOf(levels[i], name);
      await row.waitFor({ state: 'visible', timeout: 10000 });
      near(await watts(row), w, `${levels[i]} ${name}`);
      if (i < expected.path.length - 1) {
        const toggle = row.locator('button.kepler-toggle');
        if ((await row.getAttribute('aria-expanded')) !== 'true') await toggle.click();
        await frame
          .locator(`#kepler tr[aria-level="${i + 2}"]`)
          .first()
          .waitFor({ state: 'visible', timeout: 10000 });
        if ((await rowOf(levels[i], name).getAttribute('aria-expanded')) !== 'true') throw new Error(`${name} did not expand`);
      }
    }
    near(await watts(frame.locator('#kepler tr.kepler-idle').first()), expected.idle, 'idle row');
    const label = await frame.locator('#kepler tr.kepler-node button.kepler-toggle').first().getAttribute('aria-label');
    if (label !== 'Collapse node node-a') throw new Error(`toggle label: ${label}`);
    await frame.locator('#kepler').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(outDir, 'kepler-power-view.png') });
  });

  await checks.check('"Show" on another node picks it (the host sets optivolt.kepler.node)', async () => {
    await rowOf('node', expected.choose).locator('button', { hasText: 'Show' }).click();
    await frame
      .locator('#kepler-about', { hasText: `Node ${expected.choose} is the status bar's` })
      .waitFor({ state: 'visible', timeout: 15000 });
  });
};
