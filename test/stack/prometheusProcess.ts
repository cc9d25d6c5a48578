// Starts a real Prometheus (Debian's binary, provisioned by test/harness/provision-prometheus.sh) as a plain
// process on a free loopback port, scraping the given targets every second. Stopped by its pid.
// PROMETHEUS_BIN is Prometheus 3.5 LTS, the line the stack pins; PROMETHEUS_242_BIN (prometheus242()) is Debian
// bookworm's 2.42, for the tests that compare the PromQL checker, tuned to 2.42, with a real parser;
// PROMETHEUS_253_BIN (prometheus253()) is Debian trixie's 2.53, one more real parser for those tests.
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { errorMessage } from '../../src/core/errors';
import { until } from '../fixtures/until';
import { spawnReady, stopChild } from './localServer';

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

/** Debian trixie's Prometheus 2.53 (provision-prometheus.sh 2.53, exported by runTier.js). */
export function prometheus253(): string {
  const bin = process.env.PROMETHEUS_253_BIN;
  if (!bin) throw new Error('PROMETHEUS_253_BIN is not set (run through test/harness/runTier.js stack)');
  return bin;
}

/** Debian bookworm's Prometheus 2.42 (provision-prometheus.sh 2.42, exported by runTier.js). */
export function prometheus242(): string {
  const bin = process.env.PROMETHEUS_242_BIN;
  if (!bin) throw new Error('PROMETHEUS_242_BIN is not set (run through test/harness/runTier.js stack)');
  return bin;
}

export class PrometheusProcess {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string | undefined,
  ) {}

  /** jobs: job name -> host:port targets, scraped every second. */
  static async start(jobs: Record<string, string[]>, bin?: string): Promise<PrometheusProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-prom-'));
    const scrape_configs = Object.entries(jobs).map(([job_name, targets]) => ({ job_name, static_configs: [{ targets }] }));
    return PrometheusProcess.startWithConfig({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs }, dir, true, undefined, bin);
  }

  /** Scraping only itself (job "prometheus"), for tests that need live series and metadata without exporters. */
  static async startSelfScraping(): Promise<PrometheusProcess> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'optivolt-prom-'));
    const port = await freePort();
    const scrape_configs = [{ job_name: 'prometheus', static_configs: [{ targets: [`127.0.0.1:${port}`] }] }];
    return PrometheusProcess.startWithConfig({ global: { scrape_interval: '1s', evaluation_interval: '1s' }, scrape_configs }, dir, true, port);
  }

  /** Starts with a configuration object written as prometheus.yml in `dir` (rule files resolve from there); `args` are extra flags. */
  static async startWithConfig(
    config: object,
    dir: string,
    ownsDir = false,
    listenPort?: number,
    bin = process.env.PROMETHEUS_BIN,
    args: readonly string[] = [],
  ): Promise<PrometheusProcess> {
    if (!bin) throw new Error('PROMETHEUS_BIN is not set (run through test/harness/runTier.js stack)');
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), stringify(config));
    const port = listenPort ?? (await freePort());
    const url = `http://127.0.0.1:${port}`;
    const child = await spawnReady(
      'prometheus',
      bin,
      [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, ...args],
      path.join(dir, 'prometheus.log'),
      `${url}/-/ready`,
    );
    const p = new PrometheusProcess(url, child, ownsDir ? dir : undefined);
    return p;
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    if (this.dir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `probe` (through the one polling helper) until it resolves truthy, or fails after `timeoutMs` naming `what`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20000): Promise<T> {
  let last: unknown;
  const check = async (): Promise<T | undefined> => {
    try {
      return (await probe()) || undefined;
    } catch (err) {
      last = err; // Prometheus not answering yet: the last error is the failure's reason
      return undefined;
    }
  };
  return until(timeoutMs, check, () => `waiting for ${what}${last ? `: ${errorMessage(last)}` : ''}`, 250);
}
