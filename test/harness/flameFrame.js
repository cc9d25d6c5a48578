// The energy flame graph's webview frame, shared by the profile DOM sets (dom/profile.js, dom/profile-compare.js,
// dom/profile-run.js): the one of the open webviews whose page holds a drawn flame graph. Kept out of dom/, where
// runHost.js takes every file for a set.
async function flameFrame(page, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const outer = page.locator('iframe.webview.ready');
    const n = await outer.count();
    for (let i = 0; i < n; i++) {
      const frame = outer.nth(i).contentFrame().locator('#active-frame').contentFrame();
      if (
        (await frame
          .locator('#flame .frame')
          .count()
          .catch(() => 0)) > 0
      )
        return frame;
    }
    if (Date.now() > deadline) throw new Error(`no webview with a drawn flame graph among ${n}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

module.exports = { flameFrame };
