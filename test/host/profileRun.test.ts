// Profiling from the editor in a real extension host: Profile Energy on a Python file (python3, the core's standard
// library sampler), a debug session profiled with optivolt.debug.profile (js-debug), a program that crashes, a
// launch configuration whose runtime does not exist, and jump to source for a file that is not on this disk.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { EnergyProfile } from '../../src/shared/energyProfile';
import { buildProfile } from '../fixtures/energyProfile';
import { api, runnerChecks, setSetting, waitFor } from './util';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures');

async function storedProfile(id: string): Promise<EnergyProfile> {
  const s = (await api()).profiles();
  return JSON.parse(fs.readFileSync(path.join(s.dir, `${id}.json`), 'utf8')) as EnergyProfile;
}

/** burn_hot / burnHot's share of the two functions' self energy. */
function split(p: EnergyProfile, hot: string, warm: string, file: string): number {
  const h = p.functions.find((f) => f.name === hot && f.file === file);
  const w = p.functions.find((f) => f.name === warm && f.file === file);
  assert.ok(h && w, `both functions at ${file}: ${p.functions.map((f) => `${f.name}@${f.file}:${f.line}`).join(', ')}`);
  const share = h.selfJoules / (h.selfJoules + w.selfJoules);
  console.log(
    `    ${p.command.join(' ')}: ${p.totalJoules.toFixed(2)} J (${p.source}); ${hot} ${(share * 100).toFixed(1)}%, ${warm} ${((1 - share) * 100).toFixed(1)}%`,
  );
  return share;
}

/**
 * Runs `body` while recording the messages the extension asks VS Code to show (they are still shown): the
 * notification toasts of this workbench are not reliably in the DOM, the call is what the extension controls.
 */
async function recording(kind: 'showErrorMessage' | 'showWarningMessage', body: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const w = vscode.window as unknown as Record<string, (m: string, ...rest: unknown[]) => unknown>;
  const original = w[kind];
  w[kind] = (m: string, ...rest: unknown[]) => {
    seen.push(m);
    return original(m, ...rest);
  };
  try {
    await body();
  } finally {
    w[kind] = original;
  }
  return seen;
}

describe('profiling from the editor', function () {
  this.timeout(180000);
  let tmp: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(process.env.OPTIVOLT_HOST_TMP ?? os.tmpdir(), 'optivolt-ui-run-'));
  });

  after(async () => {
    await setSetting('debug.profile', undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('profiles a Python file with python3: two functions at about 70/30, at their .py lines', async () => {
    const file = path.join(FIXTURES, 'burn_split.py');
    const id = await vscode.commands.executeCommand<string>('optivolt.profileEnergy', file);
    assert.ok(id, 'a profile was stored');
    const p = await storedProfile(id);
    assert.equal(p.command[0], 'python3');
    const share = split(p, 'burn_hot', 'burn_warm', file);
    // What this checks is the editor's part (python3 chosen, the core's sampler injected, the split shown); the core's
    // unit tier holds the sampler to 3 points. Through the editor on this shared 2-core machine (load ~6) it read
    // 65.2-69.3% for a CPU-time split the program itself measures at 69.9% (time.process_time), hence 7 points here.
    assert.ok(Math.abs(share - 0.7) <= 0.07, `burn_hot has ${(share * 100).toFixed(1)}% of the two, not 70 ± 7`);
    const defLine = fs.readFileSync(file, 'utf8').split('\n').indexOf('def burn_hot():') + 1;
    assert.equal(p.functions.find((f) => f.name === 'burn_hot')?.line, defLine);
  });

  it('profiles a TypeScript file without tsx: node runs it where it strips types (function at its .ts line), else a clear error', async () => {
    const file = path.join(tmp, 'typed.ts');
    fs.writeFileSync(
      file,
      [
        'interface Work { readonly ms: number }',
        'function crunch(w: Work): number {',
        '  const end = Date.now() + w.ms;',
        '  let x = 0;',
        '  while (Date.now() < end) x += Math.sqrt(x + 1);',
        '  return x;',
        '}',
        'console.log(crunch({ ms: 800 }) > 0);',
        '',
      ].join('\n'),
    );
    const a = await api();
    const before = a.profiles().stored.length;
    const node = execFileSync('node', ['--version'], { encoding: 'utf8' }).trim();
    const [major, minor] = node.slice(1).split('.').map(Number);
    if (major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18)) {
      const id = await vscode.commands.executeCommand<string>('optivolt.profileEnergy', file);
      const p = await storedProfile(id);
      const crunch = p.functions.find((f) => f.name === 'crunch');
      assert.ok(crunch, `crunch profiled: ${p.functions.map((f) => `${f.name}@${f.file}:${f.line}`).join(', ')}`);
      assert.equal(crunch.file, file);
      assert.equal(crunch.line, 2);
      return;
    }
    // This machine's node cannot run TypeScript and the workspace has no tsx: said before anything runs.
    let id: string | undefined = 'not run';
    const errors = await recording('showErrorMessage', async () => {
      id = await vscode.commands.executeCommand<string | undefined>('optivolt.profileEnergy', file);
    });
    assert.equal(id, undefined);
    assert.equal(a.profiles().stored.length, before);
    assert.equal(errors.length, 1);
    assert.ok(errors[0].startsWith(`OptiVolt: typed.ts: node ${node} cannot run TypeScript. Add tsx`), errors[0]);
  });

  it('profiles a debug session when optivolt.debug.profile is on, and shows its flame graph', async () => {
    const a = await api();
    await setSetting('debug.profile', true);
    const program = path.join(FIXTURES, 'burnSplit.js');
    const known = new Set(a.profiles().stored.map((s) => s.id));
    const ended = new Promise<void>((resolve) => {
      const sub = vscode.debug.onDidTerminateDebugSession((s) => {
        if (s.name === 'OptiVolt profiled burn' && !s.parentSession) {
          sub.dispose();
          resolve();
        }
      });
    });
    const ok = await vscode.debug.startDebugging(vscode.workspace.workspaceFolders?.[0], {
      type: 'node',
      request: 'launch',
      name: 'OptiVolt profiled burn',
      program,
      console: 'internalConsole',
      env: { BURN_MS: '2000' },
    });
    assert.ok(ok, 'the debug session started');
    await ended;
    const stored = await waitFor('the debug session profile', () => a.profiles().stored.find((s) => !known.has(s.id)), 30000);
    assert.equal(stored.name, 'Debug: OptiVolt profiled burn');
    const p = await storedProfile(stored.id);
    split(p, 'burnHot', 'burnWarm', program);
    assert.ok(p.limits.some((l) => /debug session/.test(l)));
    await waitFor('its flame graph', () => a.profiles().flameGraph.ref?.kind === 'profile' && a.profiles().flameGraph.ref);
    const left = fs
      .readdirSync(os.tmpdir())
      .filter((n) => n.startsWith('optivolt-profile-') && fs.statSync(path.join(os.tmpdir(), n)).mtimeMs > Date.now() - 60_000);
    const listing = left.map((n) => `${n}: ${fs.readdirSync(path.join(os.tmpdir(), n), { recursive: true }).join(', ')}`);
    assert.deepEqual(listing, [], 'the profiling folder is removed after the session');
  });

  it('keeps what a crashing program ran before it crashed, and says it exited with its code', async () => {
    const file = path.join(tmp, 'crash.js');
    fs.writeFileSync(
      file,
      "function work() { const e = Date.now() + 300; while (Date.now() < e); }\nwork();\nconsole.log('about to crash');\nprocess.exit(3);\n",
    );
    const id = await vscode.commands.executeCommand<string>('optivolt.profileEnergy', file);
    assert.ok(id);
    const p = await storedProfile(id);
    assert.ok(
      p.limits.some((l) => /exited with code 3/.test(l)),
      p.limits.join(' | '),
    );
    // The program's own output, in the "OptiVolt Program Output" channel (shown, so VS Code has its document).
    const out = await waitFor('the program output channel', () =>
      vscode.workspace.textDocuments.find((d) => d.uri.scheme === 'output' && /crash\.js[^]*\[exit code/.test(d.getText())),
    );
    assert.match(out.getText(), /^\$ node .*crash\.js/m);
    assert.match(out.getText(), /^about to crash$/m);
    assert.match(out.getText(), /^\[exit code 3; [\d.]+ J\]$/m);
  });

  it('turns a launch configuration whose runtime does not exist into a readable error, storing nothing', async () => {
    const a = await api();
    const folder = vscode.workspace.workspaceFolders![0];
    const launch = vscode.workspace.getConfiguration('launch', folder.uri);
    const program = path.join(tmp, 'fine.js');
    fs.writeFileSync(program, 'console.log(1);\n');
    await launch.update(
      'configurations',
      [{ type: 'node', request: 'launch', name: 'No such runtime', program, runtimeExecutable: 'optivolt-no-such-runtime' }],
      vscode.ConfigurationTarget.WorkspaceFolder,
    );
    const before = a.profiles().stored.length;
    let id: string | undefined = 'not run';
    const errors = await recording('showErrorMessage', async () => {
      id = await vscode.commands.executeCommand<string | undefined>('optivolt.profileEnergy', { launch: 'No such runtime' });
    }).finally(() => launch.update('configurations', undefined, vscode.ConfigurationTarget.WorkspaceFolder));
    assert.equal(id, undefined);
    assert.deepEqual(errors, ['OptiVolt: optivolt-no-such-runtime was not found: is it installed and on the PATH of VS Code?']);
    assert.equal(a.profiles().stored.length, before);
  });

  it('says so when jumping to a source file that is not on this disk', async function () {
    const dir = process.env.OPTIVOLT_HOST_DOM_DIR;
    if (!dir) return this.skip();
    const a = await api();
    const gone = path.join(tmp, 'elsewhere', 'gone.js');
    const p = buildProfile([{ path: [`main@${gone}:1`, `lost@${gone}:4`], joules: [2] }]);
    const file = path.join(tmp, 'gone.optivolt-profile.json');
    fs.writeFileSync(file, JSON.stringify(p));
    await vscode.commands.executeCommand('optivolt.openEnergyProfile', file);
    await waitFor('the profile in the panel', () => a.profiles().flameGraph.delivered);
    const warnings = await recording('showWarningMessage', async () => {
      await runnerChecks(dir, 'profile-missing');
      await waitFor('the jump', () => a.profiles().flameGraph.lastSource);
    });
    assert.deepEqual(a.profiles().flameGraph.lastSource, { file: gone, line: 4, outcome: 'missing' });
    assert.deepEqual(warnings, [
      `OptiVolt: ${gone} is not on this disk (the profile was taken on another machine, or the file moved or was deleted).`,
    ]);
  });
});
