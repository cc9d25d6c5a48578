// Energy per function inside a real extension host: a profile file opened into the flame graph (the runner reads its
// DOM and clicks through to the source), CodeLens and line heat on the profiled file (stale after an edit), two
// stored profiles compared, the panel restored after a reload, and a real Profile Energy run of a 70/30 program.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EnergyProfile } from '../../src/shared/energyProfile';
import { buildProfile } from '../fixtures/energyProfile';
import { api, runnerChecks, waitFor } from './util';

const SOURCE = `function main() {
  hot();
  warm();
}
function hot() {
  let x = 0;
  for (let i = 0; i < 1e6; i++) x += i;
  return x;
}
function warm() {
  return 1;
}
main();
`;
const BURN_SPLIT = path.resolve(__dirname, '../../../test/fixtures/burnSplit.js');

/** For the README's screenshots: the editor area alone (no side bar, no panel) while `body` runs, then the side bar again. */
async function wideEditor(body: () => Promise<void>): Promise<void> {
  await vscode.commands.executeCommand('workbench.action.closeSidebar');
  await vscode.commands.executeCommand('workbench.action.closePanel');
  try {
    await body();
  } finally {
    await vscode.commands.executeCommand('workbench.view.explorer');
  }
}

describe('energy profiles in the editor', function () {
  this.timeout(120000);
  const dir = process.env.OPTIVOLT_HOST_DOM_DIR;
  let tmp: string;
  let app: string;
  let profileId: string;

  const write = (name: string, profile: EnergyProfile): string => {
    const file = path.join(tmp, name);
    fs.writeFileSync(file, JSON.stringify(profile));
    return file;
  };

  before(() => {
    tmp = fs.mkdtempSync(path.join(process.env.OPTIVOLT_HOST_TMP ?? os.tmpdir(), 'optivolt-ui-view-'));
    app = path.join(tmp, 'app.js');
    fs.writeFileSync(app, SOURCE);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('opens a profile file into the flame graph and stores it', async () => {
    const a = await api();
    // hot: 7.5 J of 10 J (75%), warm 2 J (20%), main's own 0.5 J; the profile was taken a minute ago (not stale).
    const profile = buildProfile(
      [
        { path: [`main@${app}:1`, `hot@${app}:5`], joules: [7.5] },
        { path: [`main@${app}:1`, `warm@${app}:10`], joules: [2] },
        { path: [`main@${app}:1`], joules: [0.5] },
      ],
      {
        startedAt: new Date(Date.now() - 60_000).toISOString(),
        durationSeconds: 1,
        lines: [
          { file: app, line: 7, joules: 7 },
          { file: app, line: 6, joules: 0.5 },
          { file: app, line: 11, joules: 2 },
        ],
      },
    );
    fs.utimesSync(app, new Date(Date.now() - 120_000), new Date(Date.now() - 120_000));
    const file = write('run.optivolt-profile.json', profile);
    const id = await vscode.commands.executeCommand<string>('optivolt.openEnergyProfile', file);
    assert.ok(id, 'the command returns the stored id');
    profileId = id;
    const state = await waitFor('the flame graph to receive its profile', () => {
      const s = a.profiles();
      return s.flameGraph.delivered ? s : undefined;
    });
    assert.deepEqual(state.flameGraph.ref, { kind: 'profile', id });
    assert.equal(state.activeId, id);
    const stored = state.stored.find((s) => s.id === id);
    assert.equal(stored?.from, file);
    assert.ok(fs.existsSync(path.join(state.dir, `${id}.json`)), 'stored beside the Energy Sessions');
  });

  it('shows both hot functions with Joules and % in the webview DOM, and jumps to the source line', async function () {
    if (!dir) return this.skip();
    const a = await api();
    fs.writeFileSync(
      path.join(dir, 'profile-expected.json'),
      JSON.stringify({
        rows: [
          ['hot', '7.50 J', '75.0%'],
          ['warm', '2.00 J', '20.0%'],
        ],
        jump: 'hot',
      }),
    );
    await runnerChecks(dir, 'profile');
    const jumped = await waitFor('the jump to source', () => a.profiles().flameGraph.lastSource);
    assert.equal(jumped.outcome, 'opened');
    const editor = await waitFor('app.js in an editor', () => vscode.window.visibleTextEditors.find((e) => e.document.uri.fsPath === app));
    assert.equal(editor.selection.active.line, 4, 'the cursor is on hot() (line 5)');
  });

  it('exports the stored profile as EnergyProfile JSON, speedscope and folded stacks', async () => {
    const json = await vscode.commands.executeCommand<string>(
      'optivolt.exportEnergyProfile',
      profileId,
      path.join(tmp, 'out', 'run.json'),
      'json',
    );
    const back = JSON.parse(fs.readFileSync(json, 'utf8')) as EnergyProfile;
    assert.equal(back.totalJoules, 10);
    assert.equal(back.functions[0].name, 'hot');
    const speedscope = await vscode.commands.executeCommand<string>(
      'optivolt.exportEnergyProfile',
      profileId,
      path.join(tmp, 'out', 'run.speedscope.json'),
      'speedscope',
    );
    const doc = JSON.parse(fs.readFileSync(speedscope, 'utf8')) as { $schema: string; shared: { frames: { name: string }[] } };
    assert.equal(doc.$schema, 'https://www.speedscope.app/file-format-schema.json');
    assert.ok(doc.shared.frames.some((f) => f.name === 'hot'));
    const folded = await vscode.commands.executeCommand<string>(
      'optivolt.exportEnergyProfile',
      profileId,
      path.join(tmp, 'out', 'run.folded'),
      'folded',
    );
    assert.match(fs.readFileSync(folded, 'utf8'), /^main \(.*app\.js:1\);hot \(.*app\.js:5\) 7500000$/m);
    assert.deepEqual(fs.readdirSync(path.join(tmp, 'out')).sort(), ['run.folded', 'run.json', 'run.speedscope.json'], 'no temp files left');
  });

  it('puts a CodeLens on the hot function and heat on its lines; both say stale after an edit', async () => {
    const a = await api();
    const doc = await vscode.workspace.openTextDocument(app);
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    const lenses = await waitFor('the energy lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      const ours = l?.filter((x) => x.command?.command === 'optivolt.profile.focus');
      return ours && ours.length >= 2 ? ours : undefined;
    });
    const hot = lenses.find((l) => l.range.start.line === 4);
    assert.ok(hot, `a lens on line 5: ${lenses.map((l) => `${l.range.start.line}: ${l.command?.title}`).join('; ')}`);
    assert.match(hot.command!.title, /≈ 7\.50 J · 75\.0% of the run/);
    assert.equal(a.profiles().heatCount(app), 3);
    await editor.edit((e) => e.insert(new vscode.Position(0, 0), '// edited\n'));
    const stale = await waitFor('stale lenses', async () => {
      const l = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri);
      return l?.find((x) => x.command?.title.includes('stale'));
    });
    assert.match(stale.command!.title, /stale: ≈ .* J · .*% of the run/);
    assert.equal(a.profiles().heatCount(app), 0, 'no line heat on an edited file');
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  it('compares two stored profiles: the moved function, its verdict and the noise rule in the view', async function () {
    const a = await api();
    const before = buildProfile([
      { path: [`main@${app}:1`, `hot@${app}:5`], joules: [10, 11, 9] },
      { path: [`main@${app}:1`, `warm@${app}:10`], joules: [2, 2.2, 1.8] },
    ]);
    const after = buildProfile([
      { path: [`main@${app}:1`, `hot@${app}:5`], joules: [4, 4.5, 3.5] },
      { path: [`main@${app}:1`, `warm@${app}:10`], joules: [2.1, 1.9, 2] },
    ]);
    const idBefore = await vscode.commands.executeCommand<string>('optivolt.openEnergyProfile', write('before.json', before));
    const idAfter = await vscode.commands.executeCommand<string>('optivolt.openEnergyProfile', write('after.json', after));
    await vscode.commands.executeCommand('optivolt.compareEnergyProfiles', idBefore, idAfter);
    await waitFor('the comparison in the panel', () => {
      const s = a.profiles().flameGraph;
      return s.ref?.kind === 'compare' && s.delivered;
    });
    if (!dir) return this.skip();
    fs.writeFileSync(
      path.join(dir, 'profile-compare-expected.json'),
      JSON.stringify({ moved: 'hot', delta: '-6.00 J', verdict: 'real', quiet: 'warm' }),
    );
    await wideEditor(() => runnerChecks(dir, 'profile-compare'));
  });

  it('comes back after a window reload (the serializer reads the stored profile)', async () => {
    const a = await api();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await waitFor('the panel to close', () => !a.profiles().flameGraph.open);
    await a.replayRestore('optivolt.flameGraph', { ref: { kind: 'profile', id: profileId }, prefs: { orientation: 'flame' } });
    const s = await waitFor('the restored panel', () => (a.profiles().flameGraph.delivered ? a.profiles().flameGraph : undefined));
    assert.deepEqual(s.ref, { kind: 'profile', id: profileId });
  });

  it('profiles a real Node program with Profile Energy: two functions at 70/30 within 3 points', async function () {
    this.timeout(180000);
    const a = await api();
    const id = await vscode.commands.executeCommand<string>('optivolt.profileEnergy', BURN_SPLIT);
    assert.ok(id, 'a profile was stored');
    const s = a.profiles();
    const stored = s.stored.find((x) => x.id === id)!;
    const profile = JSON.parse(fs.readFileSync(path.join(s.dir, `${id}.json`), 'utf8')) as EnergyProfile;
    const fn = (name: string) => profile.functions.find((f) => f.name === name && f.file === BURN_SPLIT);
    const hot = fn('burnHot');
    const warm = fn('burnWarm');
    assert.ok(hot && warm, `both functions profiled: ${profile.functions.map((f) => f.name).join(', ')}`);
    const split = hot.selfJoules / (hot.selfJoules + warm.selfJoules);
    console.log(
      `    Profile Energy: ${profile.totalJoules.toFixed(2)} J (${profile.source}) in ${profile.durationSeconds.toFixed(1)} s; burnHot ${hot.selfJoules.toFixed(2)} J, burnWarm ${warm.selfJoules.toFixed(2)} J: ${(split * 100).toFixed(1)}% / ${((1 - split) * 100).toFixed(1)}%`,
    );
    assert.ok(Math.abs(split - 0.7) <= 0.03, `burnHot's share of the two is ${(split * 100).toFixed(1)}%, not 70 ± 3`);
    const sum = profile.functions.reduce((t, f) => t + f.selfJoules, 0);
    assert.ok(
      Math.abs(sum - profile.totalJoules) <= profile.totalJoules * 0.01,
      `functions add up to ${sum} J of ${profile.totalJoules} J`,
    );
    assert.equal(stored.name, 'burnSplit.js');
    await waitFor('the flame graph of the run', () => {
      const f = a.profiles().flameGraph;
      return f.ref?.kind === 'profile' && f.ref.id === id && f.delivered;
    });
    if (!dir) return;
    const pct = (j: number): string => `${((j / profile.totalJoules) * 100).toFixed(1)}%`;
    fs.writeFileSync(
      path.join(dir, 'profile-run-expected.json'),
      JSON.stringify({
        rows: [
          ['burnHot', pct(hot.selfJoules)],
          ['burnWarm', pct(warm.selfJoules)],
        ],
      }),
    );
    await wideEditor(() => runnerChecks(dir, 'profile-run'));
    await vscode.commands.executeCommand('optivolt.energyProfiles.focus');
    await runnerChecks(dir, 'profile-list');
  });
});
