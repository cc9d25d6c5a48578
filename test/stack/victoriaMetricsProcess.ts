// Starts a real VictoriaMetrics single-node (Debian sid's victoria-metrics, provisioned by
// test/harness/provision-victoriametrics.sh) as a plain process on a free loopback port, with its data in a temp
// folder. Stopped by its pid. Used where OptiVolt must tell an engine that imitates Prometheus' API from Prometheus.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { until } from '../fixtures/until';
import { freePort } from './prometheusProcess';

export class VictoriaMetricsProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
  ) {}

  static async start(bin = process.env.VICTORIAMETRICS_BIN): Promise<VictoriaMetricsProcess> {
    if (!bin) throw new Error('VICTORIAMETRICS_BIN is not set (run through test/harness/runTier.js stack)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-vm-'));
    const port = await freePort();
    const logFile = path.join(dir, 'victoria-metrics.log');
    const child = spawn(bin, [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${path.join(dir, 'data')}`, '-retentionPeriod=1d'], {
      stdio: ['ignore', fs.openSync(logFile, 'w'), fs.openSync(logFile, 'a')],
    });
    const vm = new VictoriaMetricsProcess(`http://127.0.0.1:${port}`, child, dir);
    await until(
      20000,
      async () => {
        if (child.exitCode !== null) throw new Error(`victoria-metrics exited: ${fs.readFileSync(logFile, 'utf8').slice(-500)}`);
        try {
          return (await fetch(`${vm.url}/health`)).ok ? vm : undefined;
        } catch {
          return undefined; // not yet listening
        }
      },
      () => `victoria-metrics not ready: ${fs.readFileSync(logFile, 'utf8').slice(-500)}`,
    );
    return vm;
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
