// Grafana panel, second phase: after the host test switched VS Code to a light theme.
const path = require('path');
const { findGrafana, assertVisible, params } = require('./grafana');

module.exports = async (page, checks, { outDir }) => {
  await checks.check('Grafana panel: switching VS Code to a light theme reloads the frame with theme=light', async () => {
    const found = await findGrafana(page, {
      timeout: 30000,
      want: (src, theme) => params(src).get('theme') === 'light' && theme === 'light',
    });
    await assertVisible(found);
    const bg = await found.inner.$eval('body', (b) => b.ownerDocument.defaultView.getComputedStyle(b).backgroundColor);
    if (bg !== 'rgb(244, 245, 245)') throw new Error(`stand-in background ${bg}, not its light one`);
  });
  await page.screenshot({ path: path.join(outDir, 'grafana-light.png') });
};
