// TCP ports on this host: whether one is free, and who holds it when it is not. The stack checks its published
// ports before starting and the exporter its own, and both name the holder so the user knows what to stop.
import * as fs from 'node:fs';
import * as net from 'node:net';

/** Whether a listener can bind host:port now (it is closed again at once). */
export function portFree(port: number, host?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

/** Who listens on a TCP port, from /proc/net/tcp{,6} and the fds of /proc/<pid> (Linux; best effort). */
export function portHolder(port: number): string | undefined {
  try {
    const hex = port.toString(16).toUpperCase().padStart(4, '0');
    const inodes = new Set<string>();
    for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
      for (const line of fs.readFileSync(f, 'latin1').split('\n').slice(1)) {
        const cols = line.trim().split(/\s+/);
        if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '0A') inodes.add(cols[9]);
      }
    }
    if (inodes.size === 0) return undefined;
    for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
      let fds: string[];
      try {
        fds = fs.readdirSync(`/proc/${pid}/fd`);
      } catch {
        continue;
      }
      for (const fd of fds) {
        try {
          const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
          if (m && inodes.has(m[1])) return `pid ${pid} (${fs.readFileSync(`/proc/${pid}/comm`, 'latin1').trim()})`;
        } catch {
          /* raced */
        }
      }
    }
  } catch {
    /* not Linux */
  }
  return undefined;
}
