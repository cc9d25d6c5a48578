import * as fs from 'node:fs';

/** The soft limit on open files of this process (Linux; undefined elsewhere or when unreadable). */
export function openFileLimit(): number | undefined {
  try {
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(fs.readFileSync('/proc/self/limits', 'utf8'));
    if (m) return m[1] === 'unlimited' ? Infinity : Number(m[1]);
  } catch {
    /* not Linux, or no descriptor left to read it with */
  }
  return undefined;
}

/** Whether an error is the process (EMFILE) or the system (ENFILE) running out of file descriptors. */
export function isFdExhaustion(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'EMFILE' || code === 'ENFILE';
}

let knownLimit: number | undefined;

/**
 * Whether this process is out of file descriptors right now, in words, or undefined when it is not. Read errors
 * elsewhere are reported generically ("Cannot read /proc/stat"), which blames the file: opening /dev/null tells
 * the real cause apart. The limit is read while descriptors are available (reading it needs one too).
 */
export function fdExhaustion(): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync('/dev/null', 'r');
  } catch (err) {
    if (!isFdExhaustion(err)) return undefined;
    return describeFdExhaustion(err);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  knownLimit ??= openFileLimit();
  return undefined;
}

export function describeFdExhaustion(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENFILE') return 'the system is out of file descriptors (ENFILE): raise fs.file-max or close other programs';
  const limit = knownLimit !== undefined && Number.isFinite(knownLimit) ? `, limit ${knownLimit}` : '';
  return `the exporter is out of file descriptors (EMFILE${limit}): new connections are dropped and /proc cannot be read; raise \`ulimit -n\` or lower --max-connections`;
}
