// A cross-process lock for one file, taken synchronously: `<file>.lock` created with O_EXCL ('wx') holding the
// owner's pid, host and time. A lock whose owner died (pid gone on this host) or that is older than staleMs
// (pid reused, or another host on a shared folder) is broken, so a crash never blocks the file for good.
//
// Why a lock rather than an append-only log: the history stays one JSON file that older versions, exports and
// users can read, deletes need no tombstones, and the critical section is a read-merge-write of a bounded file
// (milliseconds). O_EXCL create is atomic on local filesystems and on NFSv3+.
import * as fs from 'node:fs';
import * as os from 'node:os';

export interface LockOptions {
  /** Give up after this long (ms) and throw: a save that cannot happen is reported, never hangs. */
  readonly timeoutMs?: number;
  /** A lock older than this is stale whoever holds it. Far above any critical section of the store. */
  readonly staleMs?: number;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread briefly between attempts; the store's API is synchronous, so there is no event loop to yield to. */
function pause(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** True unless the pid certainly does not exist here (EPERM: it exists, owned by someone else). */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The lock could not be taken (folder not writable, or held too long): nothing was read or written under it. */
export class LockError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'LockError';
  }
}

let tokenCounter = 0;

/** Runs fn while holding `<file>.lock`; releases it even when fn throws. */
export function withFileLock<T>(file: string, fn: () => T, opts: LockOptions = {}): T {
  const lock = `${file}.lock`;
  const token = `${process.pid}\n${os.hostname()}\n${Date.now()}\n${++tokenCounter}\n`;
  acquire(lock, token, opts.timeoutMs ?? 10_000, opts.staleMs ?? 30_000);
  try {
    return fn();
  } finally {
    release(lock, token);
  }
}

function acquire(lock: string, token: string, timeoutMs: number, staleMs: number): void {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
    try {
      const fd = fs.openSync(lock, 'wx');
      try {
        fs.writeSync(fd, token);
      } finally {
        fs.closeSync(fd);
      }
      return;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'EEXIST') throw new LockError(e.message, e.code);
    }
    const holder = readHolder(lock);
    if (holder && isStale(holder, staleMs)) {
      breakLock(lock, holder.text);
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LockError(`the energy history is locked by process ${holder?.pid ?? 'unknown'} (${lock}); gave up after ${timeoutMs} ms`);
    }
    pause(wait);
  }
}

interface Holder {
  readonly text: string;
  readonly pid: number;
  readonly host: string;
  readonly since: number;
}

function readHolder(lock: string): Holder | undefined {
  try {
    const text = fs.readFileSync(lock, 'utf8');
    const [pid, host, since] = text.split('\n');
    // A holder that died between create and write leaves an empty file: its age is the file's.
    return { text, pid: Number(pid), host: host ?? '', since: Number(since) || fs.statSync(lock).mtimeMs };
  } catch {
    return undefined; // Released meanwhile: just retry.
  }
}

function isStale(h: Holder, staleMs: number): boolean {
  if (Date.now() - h.since > staleMs) return true;
  // A pid only means something on the host that wrote it.
  return h.host === os.hostname() && h.text.length > 0 && !pidAlive(h.pid);
}

/**
 * Removes a stale lock only if it is still the one judged stale: rename it away first, so two breakers cannot
 * both remove locks (the second would remove the first one's fresh lock), then check what was taken.
 */
function breakLock(lock: string, staleText: string): void {
  const aside = `${lock}.stale-${process.pid}-${++tokenCounter}`;
  try {
    fs.renameSync(lock, aside);
  } catch {
    return;
  }
  let taken: string;
  try {
    taken = fs.readFileSync(aside, 'utf8');
  } catch {
    // Unreadable: treat as the stale one.
    taken = staleText;
  }
  if (taken !== staleText) {
    // Took someone's fresh lock: give it back unless a third process holds the name by now (link is O_EXCL).
    try {
      fs.linkSync(aside, lock);
    } catch {
      // Nothing better to do: that holder's own release() will find a different token and leave ours alone.
    }
  }
  fs.rmSync(aside, { force: true });
}

function release(lock: string, token: string): void {
  try {
    // Never remove a lock that is no longer ours (broken as stale after a very long critical section).
    if (fs.readFileSync(lock, 'utf8') === token) fs.rmSync(lock, { force: true });
  } catch {
    // Already gone.
  }
}
