// Grafana panel, recovery phase: the stand-in is back on the same port; the panel shows it again by itself.
const path = require('path');
const { findGrafana, assertVisible } = require('./grafana');

module.exports = async (page, checks, { outDir }) => {
  await checks.check('Grafana panel: recovers by itself when Grafana answers again', async () => {
    const found = await findGrafana(page, { timeout: 45000 });
    await assertVisible(found);
    for (const f of page.frames()) {
      const down = await f.$('#down').catch(() => null);
      if (down && (await down.isVisible())) throw new Error('"not running" still shown');
    }
  });
  await page.screenshot({ path: path.join(outDir, 'grafana-recovered.png') });
};
