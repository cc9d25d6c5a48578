// The one of the workbench's open webviews whose page holds `selector` (webviews nest an iframe #active-frame inside
// each iframe.webview), polled until `timeoutMs`: the DOM sets in dom/ read and click inside it. Kept out of dom/,
// where runHost.js takes every file for a set.
async function webviewFrame(page, selector, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outer = page.locator('iframe.webview.ready');
    const n = await outer.count();
    for (let i = 0; i < n; i++) {
      const frame = outer.nth(i).contentFrame().locator('#active-frame').contentFrame();
      if (
        (await frame
          .locator(selector)
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview with ${selector} among ${n}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The energy flame graph's webview, once it has drawn its boxes. */
const flameFrame = (page, timeoutMs) => webviewFrame(page, '#flame .frame', timeoutMs);

module.exports = { webviewFrame, flameFrame };
