// Starts a real Prometheus (Debian's binary, provisioned by test/harness/provision-prometheus.sh) as a plain
// process on a free loopback port, scraping the given targets every second. Stopped by its pid.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address() as net.AddressInfo;
      srv.close(() => resolve(addr.port));
    });
  });
}

export class PrometheusProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  /** jobs: job name -> host:port targets. */
  static async start(jobs: Record<string, string[]>): Promise<PrometheusProcess> {
    const bin = process.env.PROMETHEUS_BIN;
    if (!bin) throw new Error('PROMETHEUS_BIN is not set (run through test/harness/runTier.js stack)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-prom-'));
    const scrape = Object.entries(jobs)
      .map(([job, targets]) => `  - job_name: ${job}\n    static_configs: [{ targets: [${targets.map((t) => `'${t}'`).join(', ')}] }]`)
      .join('\n');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n${scrape}\n`);
    const port = await freePort();
    const log = fs.openSync(path.join(dir, 'prometheus.log'), 'w');
    const child = spawn(
      bin,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', log, log] },
    );
    const p = new PrometheusProcess(`http://127.0.0.1:${port}`, child, dir);
    const deadline = Date.now() + 20000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited: ${fs.readFileSync(path.join(dir, 'prometheus.log'), 'utf8').slice(-500)}`);
      try {
        if ((await fetch(`${p.url}/-/ready`)).ok) return p;
      } catch {
        /* not yet listening */
      }
      if (Date.now() > deadline) throw new Error('prometheus not ready after 20 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGTERM');
      await exited;
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `probe` until it resolves truthy, or throws after `timeoutMs` naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
