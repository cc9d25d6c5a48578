// npm run bench (part 3): the exporter's own CPU per second at 1 Hz on the real /proc, scrape latency
// (serialising /metrics) with 50 and 500 process series beside a minimal prom-client registry holding the same
// series (the floor any prom-client exporter pays), and the built CLI under HTTP load (20 and 200 keep-alive
// connections) beside a bare Node server sending a static body of the same size, with the exporter's RSS and open
// fds before and after. Figures, not a gate: absolute times depend on the machine, ratios to a floor measured in
// the same run much less.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { Gauge, Registry } from 'prom-client';
import { Exporter } from '../src/core/exporter/exporter';
import { ScaphMetrics } from '../src/core/exporter/scaphMetrics';
import { readSettings } from '../src/core/settings';
import type { PowerSample } from '../src/shared/power';
import type { AttributionSnapshot, ProcessRow } from '../src/shared/attribution';

const HOST: PowerSample = {
  time: 0,
  watts: 20,
  source: 'rapl',
  estimated: false,
  zones: { 'package-0': 15, 'package-0/dram': 2 },
  detail: 'RAPL, sum of 1 package',
};

function rows(n: number): ProcessRow[] {
  return Array.from({ length: n }, (_, i) => ({
    pid: 1000 + i,
    name: `worker-${i % 40}`,
    cmdline: `/usr/bin/worker --id ${i} --queue jobs-${i % 7}`,
    watts: 20 / n,
    share: 1 / n,
    cpuPercent: 100 / n,
    energyJoules: i,
  }));
}

async function median(iterations: number, fn: () => Promise<unknown>): Promise<number> {
  const t: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    await fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)];
}

async function main(): Promise<void> {
  console.log(`\nExporter benchmark — Node ${process.version}`);
  for (const n of [50, 500]) {
    const m = new ScaphMetrics();
    const snapshot = { processes: rows(n), containers: [] } as unknown as AttributionSnapshot;
    m.update(HOST, snapshot, 100, 0.001);
    const ours = await median(300, () => m.exposition());
    const reg = new Registry();
    const g = new Gauge({
      name: 'scaph_process_power_consumption_microwatts',
      help: 'h',
      labelNames: ['pid', 'exe', 'cmdline'],
      registers: [reg],
    });
    new Gauge({ name: 'scaph_host_power_microwatts', help: 'h', registers: [reg] }).set(HOST.watts * 1e6);
    for (const r of rows(n)) g.set({ pid: String(r.pid), exe: r.name, cmdline: r.cmdline }, r.watts * 1e6);
    const floor = await median(300, () => reg.metrics());
    console.log(
      `scrape with ${String(n).padStart(3)} process series: ${ours.toFixed(3)} ms (median)   minimal prom-client registry: ${floor.toFixed(3)} ms   ratio ×${(ours / floor).toFixed(2)}`,
    );
  }

  const overrides: Record<string, unknown> = { 'power.source': 'estimate', refreshInterval: 1000 };
  const exporter = new Exporter({ bind: '127.0.0.1', port: 0, top: 50, settings: readSettings((k) => overrides[k]).settings });
  await exporter.start();
  await new Promise((r) => setTimeout(r, 2000)); // warm up
  const c0 = process.cpuUsage();
  const seconds = Number(process.env.BENCH_EXPORTER_SECONDS ?? 10);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c = process.cpuUsage(c0);
  await exporter.stop();
  const perSecond = (c.user + c.system) / 1000 / seconds;
  console.log(
    `exporter at 1 Hz, real /proc: ${perSecond.toFixed(2)} ms CPU per second = ${(perSecond / 10).toFixed(3)}% of one core (${seconds} s)`,
  );
  await underLoad();
}

// ---------- under HTTP load ----------

interface Load {
  readonly rps: number;
  readonly p99: number;
  readonly errors: number;
}

/** A closed-loop load generator: `connections` keep-alive clients, each sending its next GET when the last ends. */
async function load(port: number, connections: number, seconds: number): Promise<Load> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const latencies: number[] = [];
  let errors = 0;
  const end = Date.now() + seconds * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = http.get({ host: '127.0.0.1', port, path: '/metrics', agent }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
          else errors++;
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
    });
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  const elapsed = (Date.now() - t0) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    rps: latencies.length / elapsed,
    p99: latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * 0.99))] ?? NaN,
    errors,
  };
}

/** RSS (MB) and open descriptors of a process, from /proc (Linux). */
function footprint(pid: number): { rssMb: number; fds: number } {
  try {
    const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
    return { rssMb: rss, fds: fs.readdirSync(`/proc/${pid}/fd`).length };
  } catch {
    return { rssMb: NaN, fds: NaN };
  }
}

/** Starts a server process and resolves with its port, read from the first line matching `re` on its stderr. */
function serve(args: string[], re: RegExp): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = re.exec(err);
      if (m) resolve({ child, port: Number(m[1]) });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}: ${err}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** Waits (bounded) until the server has closed the sockets of a finished load, so "after" counts what it kept. */
async function settled(pid: number, fdsBefore: number): Promise<{ rssMb: number; fds: number }> {
  const deadline = Date.now() + 3000;
  let f = footprint(pid);
  while (f.fds > fdsBefore + 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    f = footprint(pid);
  }
  return f;
}

async function underLoad(): Promise<void> {
  const cli = path.resolve(__dirname, '../../dist/cli.js');
  if (!fs.existsSync(cli)) {
    console.log(`under load: skipped, ${cli} missing (node scripts/build.mjs)`);
    return;
  }
  const seconds = Number(process.env.BENCH_LOAD_SECONDS ?? 4);
  const exporter = await serve(
    [cli, 'exporter', '--port', '0', '--source', 'estimate', '--interval', '1000'],
    /exporter serving http:\/\/127\.0\.0\.1:(\d+)\//,
  );
  try {
    // A served body (all live processes, as by default) sizes the floor's static body.
    let body = '';
    for (const deadline = Date.now() + 5000; !/scaph_process_/.test(body) && Date.now() < deadline;) {
      body = await new Promise<string>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port: exporter.port, path: '/metrics' }, (res) => {
            let b = '';
            res.setEncoding('utf8').on('data', (d: string) => (b += d));
            res.on('end', () => resolve(b));
          })
          .on('error', reject),
      );
    }
    const bytes = Buffer.byteLength(body);
    const floorCode = `const b=Buffer.alloc(${bytes},97);require('http').createServer((q,s)=>s.writeHead(200,{'Content-Type':'text/plain; version=0.0.4; charset=utf-8'}).end(b)).listen(0,'127.0.0.1',function(){process.stderr.write('port '+this.address().port+'\\n')})`;
    const floor = await serve(['-e', floorCode], /port (\d+)/);
    try {
      console.log(
        `\nunder load (dist/cli.js exporter, estimate, every live process; /metrics ${(bytes / 1024).toFixed(1)} KiB; ${seconds} s per run; floor: bare Node http server, static body of the same size)`,
      );
      const pid = exporter.child.pid ?? 0;
      const before = footprint(pid);
      await load(floor.port, 20, 1); // warm-up: JIT both ends
      await load(exporter.port, 20, 1);
      for (const connections of [20, 200]) {
        const f = await load(floor.port, connections, seconds);
        const x = await load(exporter.port, connections, seconds);
        console.log(
          `${String(connections).padStart(3)} connections: exporter ${x.rps.toFixed(0)} req/s, p99 ${x.p99.toFixed(2)} ms, ${x.errors} errors   floor ${f.rps.toFixed(0)} req/s, p99 ${f.p99.toFixed(2)} ms   ratio: req/s ×${(x.rps / f.rps).toFixed(2)}, p99 ×${(x.p99 / f.p99).toFixed(2)}`,
        );
      }
      const after = await settled(pid, before.fds);
      console.log(
        `exporter RSS ${before.rssMb.toFixed(1)} MB -> ${after.rssMb.toFixed(1)} MB, open fds ${before.fds} -> ${after.fds} (before and after the loads)`,
      );
    } finally {
      await stop(floor.child);
    }
  } finally {
    await stop(exporter.child);
  }
}

void main();
