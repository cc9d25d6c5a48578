// Starts a real VictoriaMetrics single-node (Debian sid's victoria-metrics, provisioned by
// test/harness/provision-victoriametrics.sh) as a plain process on a free loopback port, with its data in a temp
// folder. Stopped by its pid. Used where OptiVolt must tell an engine that imitates Prometheus' API from Prometheus.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnReady, stopChild } from './localServer';
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
    const url = `http://127.0.0.1:${port}`;
    const child = await spawnReady(
      'victoria-metrics',
      bin,
      [`-httpListenAddr=127.0.0.1:${port}`, `-storageDataPath=${path.join(dir, 'data')}`, '-retentionPeriod=1d'],
      path.join(dir, 'victoria-metrics.log'),
      `${url}/health`,
    );
    const vm = new VictoriaMetricsProcess(url, child, dir);
    return vm;
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
