// Grafana panel, token phase: the stand-in now requires a service account token; the frame loads through
// OptiVolt's loopback proxy, and the page renders only because the proxy added the Authorization header.
const path = require('path');
const { findGrafana, assertVisible } = require('./grafana');

module.exports = async (page, checks, { outDir, work }) => {
  const fs = require('fs');
  const expect = JSON.parse(fs.readFileSync(path.join(work, 'grafana-token.json'), 'utf8'));
  await checks.check('Grafana panel: with a token, the frame loads through the proxy and the locked stand-in renders', async () => {
    const found = await findGrafana(page, {
      timeout: 30000,
      want: (src) => src.includes(`/${expect.proxyPort}/`) || new URL(src).port === String(expect.proxyPort),
    });
    await assertVisible(found);
    const dom = await found.webview.content();
    if (dom.includes(expect.token)) throw new Error('the token is in the webview DOM');
    const inner = await found.inner.content();
    if (inner.includes(expect.token)) throw new Error('the token is in the Grafana page');
  });
  await page.screenshot({ path: path.join(outDir, 'grafana-token.png') });
};
