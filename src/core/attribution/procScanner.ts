import * as fs from 'node:fs';
import * as path from 'node:path';
import { CommCache, parsePidStat, parseProcStat, PidStat } from '../proc/stat';
import { ContainerRef, parseCgroup } from './cgroup';

/** One process at one scan. */
export interface ProcInfo extends PidStat {
  readonly pid: number;
}

export interface Scan {
  readonly procs: ReadonlyMap<number, ProcInfo>;
  /** Host CPU from /proc/stat at the same moment, in ticks. */
  readonly busy: number;
  readonly idle: number;
}

/** Soft limit of open files of this process (from /proc/self/limits), or a safe guess. */
function softFdLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) return Number(m[1]);
  } catch {
    /* not Linux */
  }
  return 1024;
}

interface Kept {
  readonly fd: number;
  start: number;
  /** Decoding comm every scan is a third of the parse cost: it is decoded again only when its bytes change. */
  readonly comm: CommCache;
}

/** How Scaphandre labels a process (see ProcScanner.identity). */
export interface ProcessIdentity {
  readonly exe: string;
  readonly argv: readonly string[];
  readonly cmdline: string;
  readonly cgroup: string;
}

/**
 * Reads every process's CPU time from a /proc tree, cheaply: a descriptor per /proc/<pid>/stat is kept open and
 * re-read from offset 0 each scan (opening is the dominant cost, DOMAIN.md), up to half the fd limit; beyond
 * that, files are opened and closed each time. The directory listing decides which processes exist.
 */
export class ProcScanner {
  private readonly kept = new Map<number, Kept>();
  private readonly buf = Buffer.allocUnsafe(1024);
  private readonly maxKept: number;
  private readonly cgroups = new Map<string, ContainerRef | null>();
  private readonly cmdlines = new Map<string, string>();
  private readonly scaph = new Map<string, ProcessIdentity>();

  constructor(
    readonly procRoot = '/proc',
    maxKept?: number,
  ) {
    this.maxKept = maxKept ?? Math.min(8192, Math.floor(softFdLimit() / 2));
  }

  scan(): Scan {
    let host;
    try {
      host = parseProcStat(fs.readFileSync(path.join(this.procRoot, 'stat'), 'latin1'));
    } catch {
      host = undefined;
    }
    if (!host) throw new Error(`Cannot read host CPU times from ${path.join(this.procRoot, 'stat')}`);
    const procs = new Map<number, ProcInfo>();
    const seen = new Set<number>();
    for (const name of fs.readdirSync(this.procRoot)) {
      const c0 = name.charCodeAt(0);
      if (c0 < 0x30 || c0 > 0x39) continue;
      const pid = Number(name);
      if (!Number.isInteger(pid)) continue;
      seen.add(pid);
      const info = this.readPid(pid);
      if (info) procs.set(pid, info);
    }
    for (const [pid, k] of this.kept) if (!seen.has(pid)) this.forget(pid, k);
    this.trimCaches(procs);
    return { procs, busy: host.busy, idle: host.idle };
  }

  private readPid(pid: number): ProcInfo | undefined {
    const k = this.kept.get(pid);
    let fd = k?.fd;
    let fresh = false;
    let keep = false;
    try {
      if (fd === undefined) {
        fd = fs.openSync(path.join(this.procRoot, String(pid), 'stat'), 'r');
        fresh = true;
      }
      const n = fs.readSync(fd, this.buf, 0, this.buf.length, 0);
      const comm = k?.comm ?? { bytes: Buffer.alloc(0), text: '' };
      const parsed = parsePidStat(this.buf, n, comm);
      if (!parsed) throw new Error('unparsable');
      if (k)
        k.start = parsed.start; // a reused pid is a new process in the same file
      else if (this.kept.size < this.maxKept) {
        this.kept.set(pid, { fd, start: parsed.start, comm });
        keep = true;
      }
      return { pid, ppid: parsed.ppid, comm: parsed.comm, ticks: parsed.ticks, childTicks: parsed.childTicks, start: parsed.start };
    } catch {
      // The process ended between listing and reading (ESRCH), or the file is not a stat file.
      if (k) this.forget(pid, k);
      return undefined;
    } finally {
      // A descriptor opened here and not kept (over the cap, or the read failed) is closed at once.
      if (fresh && !keep && fd !== undefined) fs.closeSync(fd);
    }
  }

  private forget(pid: number, k: Kept): void {
    this.kept.delete(pid);
    try {
      fs.closeSync(k.fd);
    } catch {
      /* already closed */
    }
  }

  /** The container of a process, read once per process (pid + start time). */
  container(p: ProcInfo): ContainerRef | undefined {
    const key = `${p.pid}:${p.start}`;
    let ref = this.cgroups.get(key);
    if (ref === undefined) {
      let text = '';
      try {
        text = fs.readFileSync(path.join(this.procRoot, String(p.pid), 'cgroup'), 'latin1');
      } catch {
        /* ended, or no cgroup file */
      }
      ref = parseCgroup(text) ?? null;
      this.cgroups.set(key, ref);
    }
    return ref ?? undefined;
  }

  /** The command line of a process (NULs as spaces, at most 512 characters), read once per process. */
  cmdline(p: ProcInfo): string {
    const key = `${p.pid}:${p.start}`;
    let c = this.cmdlines.get(key);
    if (c === undefined) {
      try {
        c = fs
          .readFileSync(path.join(this.procRoot, String(p.pid), 'cmdline'), 'utf8')
          .replace(/\0+$/, '')
          .replace(/\0/g, ' ');
      } catch {
        c = '';
      }
      if (c.length > 512) c = `${c.slice(0, 511)}…`;
      if (c === '') c = `[${p.comm}]`; // kernel threads have no command line
      this.cmdlines.set(key, c);
    }
    return c;
  }

  /**
   * A process's identity as Scaphandre labels it, read once per process (pid + start time):
   * - exe: the target of /proc/<pid>/exe, a full path; '' when it cannot be read (kernel threads, another user's
   *   process without CAP_SYS_PTRACE), as sysinfo's realpath() gives an empty path then and Scaphandre exports
   *   that (src/sensors/utils.rs@v1.0.3:111, src/exporters/mod.rs@v1.0.3:929,957);
   * - argv: /proc/<pid>/cmdline's elements ([] when unreadable or empty, as for kernel threads);
   * - cmdline: argv concatenated with NO separator (src/sensors/utils.rs@v1.0.3:643-658, `push_str`), so
   *   "node server.js" is "nodeserver.js"; untruncated;
   * - cgroup: the /proc/<pid>/cgroup text, for the container labels.
   */
  identity(p: ProcInfo): ProcessIdentity {
    const key = `${p.pid}:${p.start}`;
    let id = this.scaph.get(key);
    if (id === undefined) {
      const dir = path.join(this.procRoot, String(p.pid));
      const read = (f: () => string): string => {
        try {
          return f();
        } catch {
          return '';
        }
      };
      const raw = read(() => fs.readFileSync(path.join(dir, 'cmdline'), 'utf8'));
      const argv = raw === '' ? [] : raw.replace(/\0$/, '').split('\0');
      id = {
        exe: read(() => fs.readlinkSync(path.join(dir, 'exe'))),
        argv,
        cmdline: argv.join(''),
        cgroup: read(() => fs.readFileSync(path.join(dir, 'cgroup'), 'latin1')),
      };
      this.scaph.set(key, id);
    }
    return id;
  }

  private trimCaches(procs: ReadonlyMap<number, ProcInfo>): void {
    for (const cache of [this.cgroups, this.cmdlines, this.scaph] as Array<Map<string, unknown>>) {
      if (cache.size <= procs.size * 2 + 64) continue;
      for (const key of cache.keys()) {
        const [pid, start] = key.split(':').map(Number);
        if (procs.get(pid)?.start !== start) cache.delete(key);
      }
    }
  }

  /** Closes every kept descriptor. */
  dispose(): void {
    for (const [pid, k] of this.kept) this.forget(pid, k);
    this.cgroups.clear();
    this.cmdlines.clear();
    this.scaph.clear();
  }
}
