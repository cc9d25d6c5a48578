// "OptiVolt: Profile Energy": what to run (the active Node/TypeScript/Python file, a launch configuration, a task),
// with which runtime, and the run itself through the core's profileCommand (src/core/profile/profileCommand.ts, the
// same as `optivolt profile`) under a cancellable progress notification.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { SignalWatch } from '../../core/energy/processGroup';
import { errorMessage } from '../../core/errors';
import type { OptiVoltSettings } from '../../core/settings';
import { profileCommand, type ProfileOutcome } from '../../core/profile/profileCommand';
import { formatEnergy } from '../../core/energy/cost';

/** One thing to profile: a command line, where to run it, its environment additions and a label. */
export interface ProfileTarget {
  readonly label: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
}

/** Power sampling while profiling: short intervals price samples closer to the moment they were taken. */
const PROFILE_REFRESH_MS = 500;

const NODE_EXT = /\.(m|c)?js$/i;
const TS_EXT = /\.(m|c)?tsx?$/i;

/** How a source file is run: node for JavaScript, the workspace's tsx (else node's type stripping) for TypeScript, python3. */
export function targetForFile(file: string, workspaceFolder: string | undefined): ProfileTarget {
  const cwd = workspaceFolder ?? path.dirname(file);
  const label = path.basename(file);
  if (NODE_EXT.test(file)) return { label, command: 'node', args: [file], cwd };
  if (/\.py$/i.test(file)) return { label, command: 'python3', args: [file], cwd };
  if (TS_EXT.test(file)) {
    for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
      const tsx = path.join(dir, 'node_modules', '.bin', 'tsx');
      if (fs.existsSync(tsx)) return { label, command: tsx, args: [file], cwd };
      if (dir === path.dirname(dir) || (workspaceFolder && dir === workspaceFolder)) break;
    }
    // Node 22.18+ and 23.6+ run erasable TypeScript by default (type stripping); older ones cannot run a .ts at all.
    if (nodeStripsTypes()) return { label, command: 'node', args: [file], cwd };
    throw new Error(
      `${label}: node ${nodeVersion() ?? '(not found)'} cannot run TypeScript. Add tsx to the workspace (npm install --save-dev tsx), ` +
        'use Node 22.18 or later, or profile the compiled .js (its source maps lead back to the .ts lines)',
    );
  }
  throw new Error(`${label} is not a Node.js, TypeScript or Python file: choose a launch configuration or a task instead`);
}

/** The `node` on PATH's version, e.g. "v20.20.2"; undefined when there is none. */
function nodeVersion(): string | undefined {
  try {
    return execFileSync('node', ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch {
    return undefined;
  }
}

/** Type stripping is on by default from Node 22.18 and 23.6 (nodejs/node#56350, backported in 22.18.0). */
function nodeStripsTypes(): boolean {
  const m = /^v(\d+)\.(\d+)/.exec(nodeVersion() ?? '');
  if (!m) return false;
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
}

type Vars = (s: string) => string;

function launchVariables(folder: vscode.WorkspaceFolder | undefined, file: string | undefined): Vars {
  const root = folder?.uri.fsPath ?? '';
  return (s) =>
    s
      .replace(/\$\{workspaceFolder\}|\$\{workspaceRoot\}/g, root)
      .replace(/\$\{file\}/g, file ?? '')
      .replace(/\$\{fileDirname\}/g, file ? path.dirname(file) : '')
      .replace(/\$\{env:([^}]+)\}/g, (_, name: string) => process.env[name] ?? '');
}

/** A node or python launch configuration as a command line (program, args, cwd, env, runtimeExecutable/python). */
export function targetForLaunch(config: Record<string, unknown>, vars: Vars, folder: string | undefined): ProfileTarget {
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? vars(v) : undefined);
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((a): a is string => typeof a === 'string').map(vars) : []);
  const program = str(config.program);
  const name = typeof config.name === 'string' ? config.name : 'launch configuration';
  const type = String(config.type);
  const cwd = str(config.cwd) ?? folder ?? (program ? path.dirname(program) : process.cwd());
  const env =
    config.env && typeof config.env === 'object'
      ? Object.fromEntries(Object.entries(config.env).map(([k, v]) => [k, vars(String(v))]))
      : undefined;
  if (/^(pwa-)?node$/.test(type)) {
    if (!program) throw new Error(`"${name}" has no "program" to run`);
    const runtime = str(config.runtimeExecutable) ?? 'node';
    return {
      label: name,
      command: runtime,
      args: [...list(config.runtimeArgs), program, ...list(config.args)],
      cwd,
      ...(env ? { env } : {}),
    };
  }
  if (type === 'python' || type === 'debugpy') {
    const python = str(config.python) ?? 'python3';
    const module = str(config.module);
    if (!program && !module) throw new Error(`"${name}" has neither "program" nor "module" to run`);
    const what = module ? ['-m', module] : [program!];
    return { label: name, command: python, args: [...what, ...list(config.args)], cwd, ...(env ? { env } : {}) };
  }
  throw new Error(`"${name}" is a ${type} configuration: Profile Energy runs node and python launch configurations`);
}

/** What can be profiled here: the active file (when it is one), node/python launch configurations, shell/process tasks. */
interface Candidate extends vscode.QuickPickItem {
  readonly from: 'file' | 'launch' | 'task';
  readonly name: string;
  make(): ProfileTarget;
}

async function candidates(): Promise<Candidate[]> {
  const editor = vscode.window.activeTextEditor;
  const file = editor?.document.uri.scheme === 'file' ? editor.document.uri.fsPath : undefined;
  const folder = (editor && vscode.workspace.getWorkspaceFolder(editor.document.uri)) ?? vscode.workspace.workspaceFolders?.[0];
  const out: Candidate[] = [];
  if (file && (NODE_EXT.test(file) || TS_EXT.test(file) || /\.py$/i.test(file))) {
    const name = path.basename(file);
    out.push({
      from: 'file',
      name,
      label: `$(file-code) ${name}`,
      description: 'the active file',
      make: () => targetForFile(file, folder?.uri.fsPath),
    });
  }
  const launches = vscode.workspace.getConfiguration('launch', folder?.uri).get<Record<string, unknown>[]>('configurations') ?? [];
  const vars = launchVariables(folder, file);
  for (const c of launches.filter((c) => c.request === 'launch' && /^(pwa-)?node$|^python$|^debugpy$/.test(String(c.type)))) {
    const name = String(c.name);
    out.push({
      from: 'launch',
      name,
      label: `$(debug-alt) ${name}`,
      description: 'launch configuration',
      make: () => targetForLaunch(c, vars, folder?.uri.fsPath),
    });
  }
  for (const t of await vscode.tasks.fetchTasks()) {
    if (!(t.execution instanceof vscode.ShellExecution) && !(t.execution instanceof vscode.ProcessExecution)) continue;
    out.push({
      from: 'task',
      name: t.name,
      label: `$(tools) ${t.name}`,
      description: `task (${t.source})`,
      make: () => targetForTask(t, vars, folder?.uri.fsPath),
    });
  }
  return out;
}

/** Asks what to profile: the active file first, then launch configurations and tasks. Undefined: cancelled. */
export async function pickTarget(): Promise<ProfileTarget | undefined> {
  const items = await candidates();
  if (items.length === 0)
    throw new Error('open a Node.js, TypeScript or Python file, or add a node/python launch configuration or a task, to profile');
  const chosen =
    items.length === 1
      ? items[0]
      : await vscode.window.showQuickPick(items, { title: 'OptiVolt: Profile Energy', placeHolder: 'What to run and profile' });
  if (!chosen) return undefined;
  // The file as on disk is what runs: unsaved edits are saved first.
  const doc = vscode.window.activeTextEditor?.document;
  if (chosen.from === 'file' && doc?.isDirty) await doc.save();
  return chosen.make();
}

/** A launch configuration or task named by a command argument ({ "launch": "name" } or { "task": "name" }, for keybindings). */
export async function namedTarget(kind: 'launch' | 'task', name: string): Promise<ProfileTarget> {
  const found = (await candidates()).find((c) => c.from === kind && c.name === name);
  if (!found)
    throw new Error(
      kind === 'launch' ? `no node or python launch configuration named "${name}"` : `no shell or process task named "${name}"`,
    );
  return found.make();
}

/** A shell task runs under `sh -c` (its command line as the shell would see it), a process task as given. */
function targetForTask(t: vscode.Task, vars: Vars, folder: string | undefined): ProfileTarget {
  const ex = t.execution as vscode.ShellExecution | vscode.ProcessExecution;
  const cwd = vars(ex.options?.cwd ?? folder ?? process.cwd());
  const env = ex.options?.env;
  if (ex instanceof vscode.ProcessExecution)
    return { label: t.name, command: vars(ex.process), args: ex.args.map(vars), cwd, ...(env ? { env } : {}) };
  const arg = (a: string | vscode.ShellQuotedString): string => vars(typeof a === 'string' ? a : a.value);
  const line =
    ex.commandLine !== undefined
      ? vars(ex.commandLine)
      : [ex.command, ...(ex.args ?? [])]
          .filter((a) => a !== undefined)
          .map(arg)
          .join(' ');
  return { label: t.name, command: '/bin/sh', args: ['-c', line], cwd, ...(env ? { env } : {}) };
}

/**
 * Runs `target` profiled, under a progress notification whose Cancel ends the program's process group (SIGINT, then
 * SIGKILL after the grace period) and keeps what was profiled up to then. Undefined when cancelled before any run.
 */
export async function runProfile(
  target: ProfileTarget,
  settings: OptiVoltSettings,
  log: vscode.LogOutputChannel,
  output: vscode.OutputChannel,
  repeat = 1,
): Promise<ProfileOutcome | undefined> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `OptiVolt: profiling ${target.label}`, cancellable: true },
    async (progress, token) => {
      const watch = new SignalWatch({ processSignals: false });
      const cancelled = token.onCancellationRequested(() => watch.trigger('SIGINT'));
      const line = [target.command, ...target.args].join(' ');
      log.info(`Profiling ${line} in ${target.cwd}.`);
      // The program's own output, as a terminal would show it (the extension host has none).
      output.clear();
      output.appendLine(`$ ${line}   (in ${target.cwd})`);
      output.show(true);
      try {
        const outcome = await profileCommand(target.command, target.args, {
          settings: { ...settings, refreshInterval: PROFILE_REFRESH_MS },
          cwd: target.cwd,
          env: { ...process.env, ...target.env },
          repeat,
          signals: watch,
          terminal: false,
          log: (m) => log.info(m),
          output: (text) => output.append(text),
          onRun: (run, joules, seconds) =>
            progress.report({
              message: `run ${run} of ${repeat}: ${formatEnergy(joules)} in ${seconds.toFixed(1)} s`,
              increment: 100 / repeat,
            }),
        });
        const how = outcome.interrupted ? `stopped by ${outcome.interrupted}` : `exit code ${outcome.exitCode}`;
        output.appendLine(`[${how}; ${formatEnergy(outcome.profile.totalJoules)}]`);
        return outcome;
      } catch (err) {
        output.appendLine(token.isCancellationRequested ? '[cancelled before it ran]' : `[not run: ${errorMessage(err)}]`);
        if (token.isCancellationRequested) return undefined;
        if ((err as NodeJS.ErrnoException).code === 'ENOENT')
          throw new Error(`${target.command} was not found: is it installed and on the PATH of VS Code?`, { cause: err });
        throw new Error(`profiling ${target.label} failed: ${errorMessage(err)}`, { cause: err });
      } finally {
        cancelled.dispose();
        watch.dispose();
      }
    },
  );
}
