// The /proc stat files and how to read them: /proc/stat (host CPU time) and /proc/<pid>/stat (one process). The
// power estimate, the process scanner and the process-group guard all read them; the format lives here once.

/** Cumulative CPU time, busy and idle, in any unit (jiffies from /proc/stat, ms from os.cpus()). */
export interface CpuTimes {
  readonly busy: number;
  readonly idle: number;
}

/**
 * Parses the aggregate `cpu` line of /proc/stat:
 * user nice system idle iowait irq softirq steal [guest guest_nice].
 * guest time is already inside user/nice, so it is not added again; iowait counts as idle.
 */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some((x) => !Number.isFinite(x) || x < 0)) return undefined;
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
  return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
}

/** What the scanner needs of one /proc/<pid>/stat. */
export interface PidStat {
  readonly ppid: number;
  readonly comm: string;
  /** utime + stime, in clock ticks (USER_HZ). */
  readonly ticks: number;
  /** cutime + cstime: CPU time of its children that ended and were waited for, in ticks. */
  readonly childTicks: number;
  /** Start time after boot, in clock ticks: with the pid, it identifies a process across pid reuse. */
  readonly start: number;
}

/** A process's name as bytes and text: comparing bytes is much cheaper than decoding them every scan. */
export interface CommCache {
  bytes: Buffer;
  text: string;
}

/**
 * Parses /proc/<pid>/stat from its bytes without building strings for every field.
 * comm is between the first '(' and the LAST ')' (it may contain spaces and parentheses).
 */
export function parsePidStat(buf: Buffer, len: number, known?: CommCache): PidStat | undefined {
  let open = -1;
  let close = -1;
  for (let i = 0; i < len; i++)
    if (buf[i] === 0x28) {
      open = i;
      break;
    }
  for (let i = len - 1; i > open; i--)
    if (buf[i] === 0x29) {
      close = i;
      break;
    }
  if (open < 0 || close < 0) return undefined;
  // Fields after ')': 3 state, 4 ppid, ... 14 utime, 15 stime, 16 cutime, 17 cstime, ... 22 starttime.
  let field = 2;
  let num = 0;
  let inNum = false;
  let ppid = -1;
  let utime = -1;
  let stime = -1;
  let cutime = -1;
  let cstime = -1;
  let start = -1;
  for (let i = close + 1; i <= len; i++) {
    const c = i < len ? buf[i] : 0x20;
    if (c === 0x20 || c === 0x0a) {
      if (inNum) {
        if (field === 4) ppid = num;
        else if (field === 14) utime = num;
        else if (field === 15) stime = num;
        else if (field === 16) cutime = num;
        else if (field === 17) cstime = num;
        else if (field === 22) {
          start = num;
          break;
        }
      }
      inNum = false;
      num = 0;
      continue;
    }
    if (!inNum) {
      field++;
      inNum = true;
    }
    if (c >= 0x30 && c <= 0x39) num = num * 10 + (c - 0x30);
  }
  if (ppid < 0 || utime < 0 || stime < 0 || cutime < 0 || cstime < 0 || start < 0) return undefined;
  const n = close - open - 1;
  let comm: string;
  if (known && known.bytes.length === n && buf.compare(known.bytes, 0, n, open + 1, close) === 0) {
    comm = known.text;
  } else {
    // New process, or its name changed (exec keeps pid and start time): decode and remember.
    comm = buf.toString('utf8', open + 1, close);
    if (known) {
      known.bytes = Buffer.from(buf.subarray(open + 1, close));
      known.text = comm;
    }
  }
  return { ppid, comm, ticks: utime + stime, childTicks: cutime + cstime, start };
}

/**
 * The fields of a /proc/<pid>/stat text after comm, from field 3 (state) on: comm ends at the LAST ')' because
 * it may itself contain spaces and parentheses. The scanner's hot path parses bytes instead (parsePidStat).
 */
export function pidStatFields(text: string): string[] {
  return text
    .slice(text.lastIndexOf(')') + 2)
    .trimEnd()
    .split(' ');
}
