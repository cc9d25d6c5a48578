// npm run bench (part 3): the exporter's own CPU per second at 1 Hz on the real /proc, and scrape latency
// (serialising /metrics) with 50 and 500 process series, beside a minimal prom-client registry holding the same
// series (the floor any prom-client exporter pays). Figures, not a gate.
import { Gauge, Registry } from 'prom-client';
import { Exporter } from '../src/core/exporter/exporter';
import { ScaphMetrics } from '../src/core/exporter/scaphMetrics';
import { readSettings } from '../src/core/settings';
import type { PowerSample } from '../src/shared/power';
import type { AttributionSnapshot, ProcessRow } from '../src/shared/protocol';

const HOST: PowerSample = { time: 0, watts: 20, source: 'rapl', estimated: false, zones: { 'package-0': 15, 'package-0/dram': 2 }, detail: 'RAPL, sum of 1 package' };

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
    const g = new Gauge({ name: 'scaph_process_power_consumption_microwatts', help: 'h', labelNames: ['pid', 'exe', 'cmdline'], registers: [reg] });
    new Gauge({ name: 'scaph_host_power_microwatts', help: 'h', registers: [reg] }).set(HOST.watts * 1e6);
    for (const r of rows(n)) g.set({ pid: String(r.pid), exe: r.name, cmdline: r.cmdline }, r.watts * 1e6);
    const floor = await median(300, () => reg.metrics());
    console.log(`scrape with ${String(n).padStart(3)} process series: ${ours.toFixed(3)} ms (median)   minimal prom-client registry: ${floor.toFixed(3)} ms   ratio ×${(ours / floor).toFixed(2)}`);
  }

  const overrides: Record<string, unknown> = { 'power.source': 'estimate', refreshInterval: 1000 };
  const exporter = new Exporter({ bind: '127.0.0.1', port: 0, top: 50, settings: readSettings((k) => overrides[k]).settings });
  await exporter.start();
  await new Promise((r) => setTimeout(r, 2000)); // warm up
  const c0 = process.cpuUsage();
  const seconds = Number(process.env.BENCH_EXPORTER_SECONDS ?? 20);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const c = process.cpuUsage(c0);
  await exporter.stop();
  const perSecond = (c.user + c.system) / 1000 / seconds;
  console.log(`exporter at 1 Hz, real /proc: ${perSecond.toFixed(2)} ms CPU per second = ${(perSecond / 10).toFixed(3)}% of one core (${seconds} s)`);
}

void main();
