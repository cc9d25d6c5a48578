import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import type { PowerSample } from '../../shared/power';
import type { AttributionSnapshot } from '../../shared/protocol';

/** Longest cmdline label kept: label values are stored per series, so unbounded ones cost memory in Prometheus. */
export const MAX_CMDLINE = 256;

/** Scaphandre's value_source label for where host power came from. */
export function valueSource(sample: PowerSample): string {
  if (sample.source === 'estimate') return 'estimate';
  if (sample.source === 'rapl') return /psys/.test(sample.detail) ? 'powercap_rapl_psys' : 'powercap_rapl_pkg';
  return 'prometheus';
}

function meminfo(procRoot: string): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of fs.readFileSync(path.join(procRoot, 'meminfo'), 'latin1').split('\n')) {
      const m = /^(\w+):\s+(\d+)(?: kB)?/.exec(line);
      if (m) out[m[1]] = Number(m[2]) * 1024;
    }
  } catch {
    /* not Linux: os.totalmem/freemem below */
  }
  return out;
}

/**
 * The Prometheus series of OptiVolt's exporter, named, labelled and typed as Scaphandre's (so the guide's
 * queries, dashboards and alerts work unchanged), with correct HELP text and units. `update` sets them from
 * one sample; a scrape only serialises them.
 */
export class ScaphMetrics {
  readonly registry = new Registry();
  private readonly hostPower: Gauge;
  private readonly hostEnergy: Counter;
  private readonly socketPower: Gauge;
  private readonly domainPower: Gauge;
  private readonly processPower: Gauge;
  private readonly processCpu: Gauge;
  private readonly load: Record<'one' | 'five' | 'fifteen', Gauge>;
  private readonly memory: Record<'total' | 'available' | 'free', Gauge>;
  private readonly swap: Record<'total' | 'free', Gauge>;
  private readonly sampleDuration: Gauge;
  private readonly samples: Counter;
  private lastEnergyJoules: number | undefined;

  constructor(
    private readonly procRoot = '/proc',
    private readonly cpus = os.availableParallelism(),
  ) {
    const r = [this.registry];
    const gauge = (name: string, help: string, labelNames: string[] = []): Gauge => new Gauge({ name, help, labelNames, registers: r });
    this.hostPower = gauge('scaph_host_power_microwatts', 'Power drawn by the whole host, in microwatts.', ['value_source']);
    this.hostEnergy = new Counter({
      name: 'scaph_host_energy_microjoules',
      help: 'Energy drawn by the whole host since the exporter started, in microjoules (integrated from the power samples).',
      labelNames: ['value_source'],
      registers: r,
    });
    this.socketPower = gauge('scaph_socket_power_microwatts', 'Power drawn by a CPU socket (RAPL package), in microwatts.', ['socket_id']);
    this.domainPower = gauge('scaph_domain_power_microwatts', 'Power drawn by a RAPL domain of a socket (core, uncore, dram), in microwatts.', [
      'domain_name',
      'domain_id',
      'socket_id',
    ]);
    const procLabels = ['pid', 'exe', 'cmdline', 'container_id', 'container_names'];
    this.processPower = gauge(
      'scaph_process_power_consumption_microwatts',
      "Share of host power attributed to the process by its share of CPU time over the last interval, in microwatts.",
      procLabels,
    );
    this.processCpu = gauge('scaph_process_cpu_usage_percentage', 'CPU time used by the process over the last interval, in % of all the host\'s CPU cores.', procLabels);
    this.load = {
      one: gauge('scaph_host_load_avg_one', 'Host load average over 1 minute.'),
      five: gauge('scaph_host_load_avg_five', 'Host load average over 5 minutes.'),
      fifteen: gauge('scaph_host_load_avg_fifteen', 'Host load average over 15 minutes.'),
    };
    this.memory = {
      total: gauge('scaph_host_memory_total_bytes', 'Host memory, in bytes.'),
      available: gauge('scaph_host_memory_available_bytes', 'Host memory available for new work, in bytes.'),
      free: gauge('scaph_host_memory_free_bytes', 'Host memory unused, in bytes.'),
    };
    this.swap = {
      total: gauge('scaph_host_swap_total_bytes', 'Host swap space, in bytes.'),
      free: gauge('scaph_host_swap_free_bytes', 'Host swap space unused, in bytes.'),
    };
    this.sampleDuration = gauge('optivolt_exporter_sample_duration_seconds', 'Wall time of the last sample (power reading, /proc scan, attribution), in seconds.');
    this.samples = new Counter({ name: 'optivolt_exporter_samples_total', help: 'Samples taken by the exporter.', registers: r });
    new Counter({
      name: 'optivolt_exporter_cpu_seconds_total',
      help: "CPU time used by the exporter's own process, in seconds.",
      registers: r,
      collect() {
        const u = process.cpuUsage();
        this.reset();
        this.inc((u.user + u.system) / 1e6);
      },
    });
  }

  /** Sets every series from one host sample, its attribution, and the energy integrated so far. */
  update(sample: PowerSample, snapshot: AttributionSnapshot | undefined, energyJoules: number, sampleSeconds: number): void {
    const source = valueSource(sample);
    this.hostPower.reset();
    this.hostPower.set({ value_source: source }, sample.watts * 1e6);
    // A true counter: it only grows, by the energy integrated since the previous update (all of it the first time).
    const grown = energyJoules - (this.lastEnergyJoules ?? 0);
    this.hostEnergy.inc({ value_source: source }, grown > 0 && Number.isFinite(grown) ? grown * 1e6 : 0);
    this.lastEnergyJoules = Math.max(this.lastEnergyJoules ?? 0, energyJoules);

    this.socketPower.reset();
    this.domainPower.reset();
    for (const [zone, w] of Object.entries(sample.zones)) {
      const pkg = /^package-(\d+)$/.exec(zone);
      const sub = /^package-(\d+)\/(.+)$/.exec(zone);
      if (pkg) this.socketPower.set({ socket_id: pkg[1] }, w * 1e6);
      else if (sub) this.domainPower.set({ domain_name: sub[2], domain_id: `${sub[1]}:${sub[2]}`, socket_id: sub[1] }, w * 1e6);
    }

    this.processPower.reset();
    this.processCpu.reset();
    if (snapshot) {
      const names = new Map(snapshot.containers.map((c) => [c.id, c.name]));
      for (const p of snapshot.processes) {
        const labels: Record<string, string> = {
          pid: String(p.pid),
          exe: p.name,
          cmdline: p.cmdline.length > MAX_CMDLINE ? `${p.cmdline.slice(0, MAX_CMDLINE - 1)}…` : p.cmdline,
        };
        if (p.containerId) {
          labels.container_id = p.containerId;
          labels.container_names = names.get(p.containerId) ?? p.containerId;
        }
        this.processPower.set(labels, p.watts * 1e6);
        this.processCpu.set(labels, p.cpuPercent / Math.max(1, this.cpus));
      }
    }

    const [one, five, fifteen] = os.loadavg();
    this.load.one.set(one);
    this.load.five.set(five);
    this.load.fifteen.set(fifteen);
    const mem = meminfo(this.procRoot);
    this.memory.total.set(mem.MemTotal ?? os.totalmem());
    this.memory.available.set(mem.MemAvailable ?? os.freemem());
    this.memory.free.set(mem.MemFree ?? os.freemem());
    this.swap.total.set(mem.SwapTotal ?? 0);
    this.swap.free.set(mem.SwapFree ?? 0);
    this.sampleDuration.set(sampleSeconds);
    this.samples.inc();
  }

  /** The exposition text and its Content-Type (Prometheus 3 refuses a scrape without one). */
  async exposition(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }
}
