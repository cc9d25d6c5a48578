// Grafana panel, down phase: the stand-in is stopped; the panel says Grafana is not running and offers Start Monitoring.
const path = require('path');

module.exports = async (page, checks, { outDir }) => {
  await checks.check('Grafana panel: with Grafana down it shows "not running" and a Start Monitoring button, no frame', async () => {
    const deadline = Date.now() + 45000;
    let last = 'no frame holds #down';
    for (;;) {
      for (const f of page.frames()) {
        const down = await f.$('#down').catch(() => null);
        if (!down) continue;
        if (!(await down.isVisible())) {
          last = '#down is hidden';
          continue;
        }
        const text = await down.innerText();
        if (!/Grafana is not running/.test(text) || !/does not answer/.test(text)) {
          last = `#down says: ${text}`;
          continue;
        }
        if (!(await f.locator('#start-monitoring').isVisible())) throw new Error('no Start Monitoring button');
        if (await f.$('#grafana-frame')) throw new Error('the Grafana frame is still there');
        console.log(`    down state: ${text.replace(/\s+/g, ' ')}`);
        await page.screenshot({ path: path.join(outDir, 'grafana-down.png') });
        return;
      }
      if (Date.now() > deadline) throw new Error(last);
      await page.waitForTimeout(250);
    }
  });
};
