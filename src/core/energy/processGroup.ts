// The signals that end `optivolt measure` (Ctrl-C, kill, a closed terminal) reach every process the command
// started, not only the first, and what outlives the grace period is killed. Two ways, by where measure runs:
// - no terminal (CI, scripts): the command runs in its own process group, and signals go to the whole group;
// - on a terminal: the command stays in the terminal's foreground group, so it keeps its controlling terminal
//   (sudo, ssh and git prompt on /dev/tty, which a new session cannot open) and Ctrl-C reaches it from the
//   terminal itself, as in a shell; SIGTERM and SIGHUP are passed on to its process tree, read from /proc.
import * as fs from 'node:fs';
import * as os from 'node:os';
import { pidStatFields } from '../proc/stat';

/** What ends a measurement early: Ctrl-C, kill's default, and a closed terminal. */
export const ENDING_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type EndingSignal = (typeof ENDING_SIGNALS)[number];

/** How long the command's group has, after a signal was passed on, before it is killed (as timeout --kill-after). */
export const DEFAULT_KILL_GRACE_MS = 5000;

/** Signals this process ignored when it started (Linux: SigIgn), e.g. SIGHUP under nohup, SIGINT in `cmd &`. */
function ignoredAtStart(): Set<string> {
  try {
    const mask = BigInt(`0x${/^SigIgn:\s*([0-9a-f]+)/im.exec(fs.readFileSync('/proc/self/status', 'latin1'))?.[1] ?? '0'}`);
    return new Set(ENDING_SIGNALS.filter((s) => (mask >> BigInt(os.constants.signals[s] - 1)) & 1n));
  } catch {
    return new Set();
  }
}

/**
 * Listens for the ending signals for as long as a measurement runs (between runs too), and remembers the first.
 * A signal ignored when this process started stays ignored: listening would turn it back on.
 */
export class SignalWatch {
  received: EndingSignal | undefined;
  private readonly handlers = new Set<(sig: EndingSignal) => void>();
  private readonly watched: readonly EndingSignal[];
  private readonly listener = (sig: NodeJS.Signals): void => {
    this.received ??= sig as EndingSignal;
    for (const h of this.handlers) h(sig as EndingSignal);
  };

  /**
   * `processSignals: false`: a watch only trigger() ends (the editor's Cancel button), for a host process whose own
   * signals are not the measured command's to take (the extension host).
   */
  constructor(opts: { processSignals?: boolean } = {}) {
    this.watched = opts.processSignals === false ? [] : ENDING_SIGNALS.filter((s) => !ignoredAtStart().has(s));
    for (const s of this.watched) process.on(s, this.listener);
  }

  /** Ends the measurement as if `sig` had arrived: passed on to the command's process group. */
  trigger(sig: EndingSignal): void {
    this.listener(sig);
  }

  onSignal(handler: (sig: EndingSignal) => void): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  dispose(): void {
    for (const s of this.watched) process.off(s, this.listener);
    this.handlers.clear();
  }
}

/** The fields of /proc/<pid>/stat this file needs; undefined when the process is gone (or there is no /proc). */
function procStat(pid: number | string): { running: boolean; ppid: number; pgrp: number } | undefined {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const [state, ppid, pgrp] = pidStatFields(f);
    // A zombie runs no code: an orphan's waits for init to reap it, which can take seconds.
    return { running: state !== 'Z' && state !== 'X', ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

/** Every pid in /proc; undefined without /proc (not Linux). */
function allPids(): string[] | undefined {
  try {
    return fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n));
  } catch {
    return undefined;
  }
}

/** Whether a process of the group still runs: from /proc, zombies not counted; elsewhere any member counts. */
function groupRuns(pgid: number): boolean {
  const pids = allPids();
  if (!pids) return signalGroup(pgid, 0);
  return pids.some((pid) => {
    const st = procStat(pid);
    return st !== undefined && st.pgrp === pgid && st.running;
  });
}

/** Signals every process of a group; false when none is left. */
function signalGroup(pgid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
}

/** The process and its descendants, from /proc's parent pids (Linux); just the process elsewhere. */
function processTree(root: number): number[] {
  const pids = allPids();
  if (!pids) return [root];
  const children = new Map<number, number[]>();
  for (const n of pids) {
    const st = procStat(n);
    if (!st) continue; // gone meanwhile
    const list = children.get(st.ppid) ?? [];
    list.push(Number(n));
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const pid = todo.pop()!;
    out.push(pid);
    todo.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Whether a process runs (not a zombie); without /proc, whether it exists. */
function alive(pid: number): boolean {
  const st = procStat(pid);
  if (st) return st.running;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals each process; false when none was there. */
function signalEach(pids: readonly number[], sig: NodeJS.Signals): boolean {
  let any = false;
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
      any = true;
    } catch {
      /* gone */
    }
  }
  return any;
}

/**
 * Passes every ending signal on to the group led by `pgid`; from the first, the group has `graceMs` before SIGKILL.
 * `settle()`, once the leader has exited, waits for the rest of a signalled group (a grandchild that ignores
 * SIGTERM included) to be gone; an unsignalled group's leftovers (a daemon the command started) are left alone.
 */
export class GroupGuard {
  private killTimer: NodeJS.Timeout | undefined;
  private killedAt: number | undefined;
  private readonly unsubscribe: () => void;

  /** The command's tree as last seen (terminal mode): its processes are reparented once the command exits. */
  private tree: number[] = [];

  /**
   * @param mode 'group': `pgid` leads its own process group. 'tree': `pgid` is the command's pid in the terminal's
   * foreground group; Ctrl-C already reached it from the terminal, so SIGINT is not sent twice (a second SIGINT
   * can cut a program's own clean-up short), but the grace period and SIGKILL apply to all three signals.
   */
  constructor(
    private readonly pgid: number,
    watch: SignalWatch,
    private readonly graceMs: number,
    private readonly mode: 'group' | 'tree' = 'group',
  ) {
    this.unsubscribe = watch.onSignal((sig) => this.pass(sig));
    if (watch.received) this.pass(watch.received);
  }

  private pass(sig: EndingSignal): void {
    if (this.mode === 'tree') {
      this.tree = processTree(this.pgid);
      if (sig !== 'SIGINT') signalEach(this.tree, sig);
    } else if (!signalGroup(this.pgid, sig)) return;
    this.killTimer ??= setTimeout(() => {
      this.killedAt = Date.now();
      if (this.mode === 'tree') signalEach([...new Set([...this.tree, ...processTree(this.pgid)])].filter(alive), 'SIGKILL');
      else signalGroup(this.pgid, 'SIGKILL');
    }, this.graceMs);
  }

  private runs(): boolean {
    return this.mode === 'tree' ? this.tree.some(alive) : groupRuns(this.pgid);
  }

  async settle(): Promise<void> {
    this.unsubscribe();
    // After SIGKILL, 1 s at most: a process stuck in the kernel (D state) must not hold us forever.
    while (this.killTimer && this.runs() && (this.killedAt === undefined || Date.now() - this.killedAt < 1000)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    clearTimeout(this.killTimer);
  }
}
