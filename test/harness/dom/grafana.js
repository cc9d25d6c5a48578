// DOM checks of the embedded Grafana panel (requested by test/host/grafana.test.ts), first phase: the default
// dashboard, dark theme. The workbench holds the webview's iframe, which holds our page (#active-frame), which
// holds the Grafana frame (#grafana-frame) showing the Grafana stand-in's page (test/fixtures/grafanaStandIn.ts).
// Also exports the helpers the other grafana-*.js phases use.
const path = require('path');

/** Finds our page's #grafana-frame and the page rendered inside it; `want(src, theme)` filters (e.g. the theme). */
async function findGrafana(page, { timeout = 30000, want } = {}) {
  const deadline = Date.now() + timeout;
  let last = 'no frame holds #grafana-frame';
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      const el = await f.$('#grafana-frame').catch(() => null);
      if (!el) continue;
      const src = await el.getAttribute('src');
      const inner = await el.contentFrame();
      if (!inner) {
        last = `#grafana-frame (${src}) has no document`;
        continue;
      }
      const title = await inner.$eval('#standin-title', (e) => e.textContent).catch(() => null);
      if (!title) {
        last = `the stand-in's page is not rendered in #grafana-frame (${src})`;
        continue;
      }
      const theme = await inner.$eval('body', (b) => b.dataset.theme);
      if (want && !want(src, theme)) {
        last = `#grafana-frame src ${src}, page theme ${theme}`;
        continue;
      }
      return { webview: f, el, src, inner, title, theme };
    }
    await page.waitForTimeout(250);
  }
  throw new Error(last);
}

/** The frame is really on screen: a sizeable box inside the viewport, and the stand-in's title visible in it. */
async function assertVisible(found) {
  const box = await found.el.boundingBox();
  if (!box || box.width < 300 || box.height < 200) throw new Error(`#grafana-frame box ${JSON.stringify(box)}`);
  if (!(await found.inner.locator('#standin-title').isVisible())) throw new Error('the stand-in title is not visible');
}

function params(src) {
  return new URL(src).searchParams;
}

async function grafana(page, checks, { outDir }) {
  let found;
  await checks.check('Grafana panel: the webview embeds the default dashboard and the stand-in page renders in it', async () => {
    found = await findGrafana(page, { timeout: 45000 });
    await assertVisible(found);
    if (found.title !== 'OptiVolt - Power Consumption Monitoring') throw new Error(`title ${found.title}`);
    console.log(`    grafana frame src: ${found.src}`);
  });
  await checks.check('Grafana panel: the frame src names the uid, slug, time range, refresh, orgId, kiosk and the dark theme', async () => {
    if (!found) throw new Error('no frame');
    const u = new URL(found.src);
    if (!/\/d\/optivolt-power(\/optivolt-power-consumption-monitoring)?$/.test(u.pathname)) throw new Error(`path ${u.pathname}`);
    const p = params(found.src);
    const want = { orgId: '1', from: 'now-15m', to: 'now', refresh: '10s', theme: 'dark', kiosk: '' };
    for (const [k, v] of Object.entries(want)) if (p.get(k) !== v) throw new Error(`${k}=${p.get(k)} (want ${v}) in ${found.src}`);
    if (found.theme !== 'dark') throw new Error(`the stand-in rendered theme ${found.theme}`);
    // What the stand-in was asked for (it prints the query it got): the same parameters arrived.
    const got = await found.inner.$eval('#standin-params', (e) => e.textContent);
    if (!/theme=dark/.test(got) || !/kiosk/.test(got)) throw new Error(`stand-in got ${got}`);
  });
  await checks.check('Grafana panel: the toolbar offers time range, refresh interval, refresh now and open in browser', async () => {
    if (!found) throw new Error('no frame');
    const w = found.webview;
    const ranges = await w.$$eval('#range option', (o) => o.map((x) => x.value));
    if (ranges.join() !== '5m,15m,1h,6h,24h') throw new Error(`ranges ${ranges}`);
    if ((await w.$eval('#range', (s) => s.value)) !== '15m') throw new Error('range not 15m');
    if ((await w.$eval('#refresh', (s) => s.value)) !== '10s') throw new Error('refresh not 10s');
    for (const id of ['#refresh-now', '#open-external']) if (!(await w.locator(id).isVisible())) throw new Error(`${id} not visible`);
  });
  await page.screenshot({ path: path.join(outDir, 'grafana-dashboard.png') });
}

module.exports = grafana;
module.exports.findGrafana = findGrafana;
module.exports.assertVisible = assertVisible;
module.exports.params = params;
