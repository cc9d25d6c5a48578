// DOM check requested by test/host/profileRun.test.ts: the flame graph's link to a source file that is not on this
// disk is clicked (the host test then checks the outcome and the warning VS Code was asked to show).
const { flameFrame } = require('../webviewFrame');

module.exports = async (page, checks) => {
  await checks.check('the flame graph links a function whose file is not on disk', async () => {
    const frame = await flameFrame(page, 30000);
    const link = frame.locator('#functions tbody tr[data-function="lost"] a.source-link');
    await link.waitFor({ state: 'visible', timeout: 20000 });
    await link.click();
  });
};
