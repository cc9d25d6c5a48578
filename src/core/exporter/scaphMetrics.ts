import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import type { PowerSample } from '../../shared/power';
import type { AttributionModel, AttributionSnapshot } from '../../shared/attribution';

// Scaphandre's series as hubblo-org/scaphandre v1.0.3 writes them (src/exporters/mod.rs, src/sensors/mod.rs,
// src/sensors/utils.rs, src/exporters/utils.rs), so dashboards and queries written against Scaphandre read the same
// names, label forms and values here. Where OptiVolt deliberately differs, the comment says so and why.

/** Scaphandre's value_source label: psys, else none at all (see hostLabels); OptiVolt adds "estimate". */
export function valueSource(sample: PowerSample): string | undefined {
  if (sample.source === 'estimate') return 'estimate';
  if (sample.source === 'rapl') return /psys/.test(sample.detail) ? 'powercap_rapl_psys' : undefined;
  return 'prometheus';
}

/**
 * A label value as Scaphandre writes it: `"` becomes `_`, `\` is dropped (src/exporters/utils.rs@v1.0.3:37,
 * format_prometheus_metric), and for cmdline newlines are dropped too (filter_cmdline, line 22). Newlines are
 * dropped from every value here: upstream leaves them in container label values, which breaks its whole scrape.
 */
export function scaphLabelValue(v: string): string {
  return v.replace(/\n/g, '').replace(/"/g, '_').replace(/\\/g, '');
}

/**
 * container_label_<key> as Scaphandre names it: `-`, `.`, `:` and space become `_` (src/sensors/utils.rs@v1.0.3:509-516).
 * Any other character that is not valid in a label name also becomes `_` here: upstream leaves it, which makes
 * the whole exposition unparsable (UPSTREAM.md S5).
 */
export function containerLabelName(key: string): string {
  return `container_label_${key.replace(/[-.: ]/g, '_').replace(/[^a-zA-Z0-9_]/g, '_')}`;
}

/** What Docker says of a container, for the labels Scaphandre --containers adds. */
export interface ContainerDescription {
  /** Names as Docker lists them ("/web"): Scaphandre strips the slashes and concatenates them. */
  readonly names: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** The Docker engine version (GET /version .Version). */
  readonly dockerVersion: string;
}

/**
 * The container labels Scaphandre --containers puts on a process's series (src/sensors/utils.rs@v1.0.3:444-530):
 * a cgroup path matching `^.*\/docker.*$` gives container_scheduler="docker" and container_id = the first run
 * of 12+ alphanumerics in that path (the full 64-hex id); names, engine version and container_label_* only when
 * Docker knows the container. Nothing at all when Docker is not reachable (upstream then stops watching).
 */
export function containerLabels(
  cgroup: string,
  describe: ((fullId: string) => ContainerDescription | undefined) | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!describe) return out;
  for (const line of cgroup.split('\n')) {
    const pathname = line.split(':').slice(2).join(':');
    if (!/^.*\/docker.*$/.test(pathname)) continue;
    out.container_scheduler = 'docker';
    const id = /[a-zA-Z0-9]{12,}/.exec(pathname)?.[0];
    if (!id) break;
    out.container_id = id;
    const c = describe(id);
    if (c) {
      out.container_names = c.names.map((n) => n.trim().replace(/\//g, '')).join('');
      out.container_docker_version = c.dockerVersion;
      for (const [k, v] of Object.entries(c.labels)) out[containerLabelName(k)] = v;
    }
    break;
  }
  return out;
}

/** One live process, as the exporter publishes it. */
export interface ExportedProcess {
  readonly pid: number;
  /** Full path of /proc/<pid>/exe, '' when unreadable. */
  readonly exe: string;
  /** argv concatenated with no separator. */
  readonly cmdline: string;
  /** Fraction (0..1) of the host's CPU capacity (all cores) it used over the interval. */
  readonly capacity: number;
  /** Extra labels (the container ones). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Watts under OptiVolt's own model, when one is published (optivolt_process_power_microwatts). */
  readonly modelWatts?: number;
}

/** Rows already attributed (the benchmark feeds these): a row's share of host power is taken as its capacity share. */
function fromRows(p: readonly ExportedProcess[] | AttributionSnapshot): readonly ExportedProcess[] {
  if (Array.isArray(p)) return p;
  return (p as AttributionSnapshot).processes.map((r) => ({ pid: r.pid, exe: r.name, cmdline: r.cmdline, capacity: r.share }));
}

/** Energy counters of the RAPL zones, raw, as Scaphandre exports them per socket and domain. */
export interface ZoneCounter {
  readonly socketId: string;
  /** The M of intel-rapl:N:M; undefined for the package (socket) zone. */
  readonly domainId?: string;
  readonly domainName?: string;
  readonly energyUj: number;
  /** Watts over the last interval (from the sample), when there is one. */
  readonly watts?: number;
}

/** A text-format family written by hand: the process series carry container_label_* names nobody can declare ahead. */
function family(name: string, help: string, rows: ReadonlyArray<{ labels: Record<string, string>; value: number }>): string {
  if (rows.length === 0) return '';
  const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  const lines = rows.map(({ labels, value }) => {
    const l = Object.entries(labels)
      .map(([k, v]) => `${k}="${esc(v)}"`)
      .join(',');
    return `${name}${l ? `{${l}}` : ''} ${Number.isFinite(value) ? value : 0}`;
  });
  return `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${lines.join('\n')}\n`;
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
 * The Prometheus series of OptiVolt's exporter under Scaphandre's names, label forms and formulas, with correct
 * HELP text. `update` sets them from one sample; a scrape only serialises them.
 */
export class ScaphMetrics {
  readonly registry = new Registry();
  private readonly hostPower: Gauge;
  private readonly hostEnergy: Counter;
  private readonly socketPower: Gauge;
  private readonly socketEnergy: Counter;
  private readonly domainPower: Gauge;
  private readonly domainEnergy: Counter;
  private readonly load: Record<'one' | 'five' | 'fifteen', Gauge>;
  private readonly memory: Record<'total' | 'available' | 'free', Gauge>;
  private readonly swap: Record<'total' | 'free', Gauge>;
  private readonly sampleDuration: Gauge;
  private readonly samples: Counter;
  private lastEnergyJoules: number | undefined;
  private processText = '';

  constructor(private readonly procRoot = '/proc') {
    const r = [this.registry];
    const gauge = (name: string, help: string, labelNames: string[] = []): Gauge => new Gauge({ name, help, labelNames, registers: r });
    this.hostPower = gauge('scaph_host_power_microwatts', 'Power drawn by the whole host, in microwatts.', ['value_source']);
    // Deliberately not Scaphandre's value: without psys, upstream exports the raw SUM of the package and dram
    // energy_uj counters (src/sensors/powercap_rapl.rs@v1.0.3:74-116), which drops whenever one of them wraps and
    // so looks like a reset to increase() (UPSTREAM.md S3). This one integrates power and only grows.
    this.hostEnergy = new Counter({
      name: 'scaph_host_energy_microjoules',
      help: 'Energy drawn by the whole host since the exporter started, in microjoules (integrated from host power, so it never drops at a RAPL counter wrap).',
      labelNames: ['value_source'],
      registers: r,
    });
    this.socketPower = gauge('scaph_socket_power_microwatts', 'Power drawn by a CPU socket (RAPL package), in microwatts.', ['socket_id']);
    // Raw RAPL counters, as upstream: each wraps at its own max_energy_range_uj, which Prometheus treats as a reset.
    const counter = (name: string, help: string, labelNames: string[]): Counter => new Counter({ name, help, labelNames, registers: r });
    this.socketEnergy = counter(
      'scaph_socket_energy_microjoules',
      'Energy counter of a CPU socket (RAPL package energy_uj, raw: it wraps at max_energy_range_uj), in microjoules.',
      ['socket_id'],
    );
    const domainLabels = ['domain_name', 'domain_id', 'socket_id'];
    this.domainPower = gauge(
      'scaph_domain_power_microwatts',
      'Power drawn by a RAPL domain of a socket (core, uncore, dram), in microwatts.',
      domainLabels,
    );
    this.domainEnergy = counter(
      'scaph_domain_energy_microjoules',
      'Energy counter of a RAPL domain (energy_uj, raw: it wraps at max_energy_range_uj), in microjoules.',
      domainLabels,
    );
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
    this.sampleDuration = gauge(
      'optivolt_exporter_sample_duration_seconds',
      'Wall time of the last sample (power reading, /proc scan, attribution), in seconds.',
    );
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

  /**
   * Withdraws the power gauges (host, socket, domain) while the source has no value: a frozen last figure would
   * be scraped as if it were live. The energy counters keep their totals, as a counter must.
   */
  withdrawPower(): void {
    this.hostPower.reset();
    this.socketPower.reset();
    this.domainPower.reset();
  }

  /**
   * Sets every series from one host sample: zone counters, every live process (undefined before the first
   * interval), OptiVolt's own model when one is published, and the energy integrated so far.
   */
  update(
    sample: PowerSample,
    processes: readonly ExportedProcess[] | AttributionSnapshot | undefined,
    energyJoules: number,
    sampleSeconds: number,
    zones: readonly ZoneCounter[] = [],
    model?: AttributionModel,
  ): void {
    const source = valueSource(sample);
    const hostLabels = source ? { value_source: source } : {};
    this.hostPower.reset();
    this.hostPower.set(hostLabels, sample.watts * 1e6);
    // A true counter: it only grows, by the energy integrated since the previous update (all of it the first time).
    const grown = energyJoules - (this.lastEnergyJoules ?? 0);
    this.hostEnergy.inc(hostLabels, grown > 0 && Number.isFinite(grown) ? grown * 1e6 : 0);
    this.lastEnergyJoules = Math.max(this.lastEnergyJoules ?? 0, energyJoules);

    for (const g of [this.socketPower, this.socketEnergy, this.domainPower, this.domainEnergy]) g.reset();
    for (const z of zones) {
      if (z.domainId === undefined) {
        this.socketEnergy.inc({ socket_id: z.socketId }, z.energyUj);
        if (z.watts !== undefined) this.socketPower.set({ socket_id: z.socketId }, z.watts * 1e6);
      } else {
        // domain_id is the numeric M of intel-rapl:N:M (src/exporters/mod.rs@v1.0.3:706).
        const labels = { domain_name: z.domainName ?? '', domain_id: z.domainId, socket_id: z.socketId };
        this.domainEnergy.inc(labels, z.energyUj);
        if (z.watts !== undefined) this.domainPower.set(labels, z.watts * 1e6);
      }
    }

    if (processes) this.processText = this.processFamilies(sample.watts, fromRows(processes), model);

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

  private processFamilies(hostWatts: number, processes: readonly ExportedProcess[], model: AttributionModel | undefined): string {
    const host = Number.isFinite(hostWatts) && hostWatts > 0 ? hostWatts : 0;
    const rows = processes.map((p) => ({
      p,
      labels: { ...(p.labels ?? {}), pid: String(p.pid), exe: scaphLabelValue(p.exe), cmdline: scaphLabelValue(p.cmdline) },
    }));
    // Scaphandre: power = host power x (cpu % of one core / nb cores) / 100, i.e. host W x the share of the CPU
    // capacity (src/sensors/mod.rs@v1.0.3:747-748,828). Its HELP for this series, "Total data read on disk by the
    // process, in bytes" (line 832), is a copy-paste bug: not copied.
    return (
      family(
        'scaph_process_power_consumption_microwatts',
        "Power attributed to the process, in microwatts: host power x the process's share of the CPU capacity of all cores (Scaphandre's formula; the processes add up to host power x CPU utilisation, the rest is idle power).",
        rows.map(({ p, labels }) => ({ labels, value: host * p.capacity * 1e6 })),
      ) +
      family(
        'scaph_process_cpu_usage_percentage',
        'CPU time consumed by the process, as a percentage of the capacity of all the CPU cores.',
        rows.map(({ p, labels }) => ({ labels, value: p.capacity * 100 })),
      ) +
      (model
        ? family(
            'optivolt_process_power_microwatts',
            `Power attributed to the process by OptiVolt's ${model} model (label model), in microwatts; only processes that ran in the interval.`,
            rows
              .filter(({ p }) => (p.modelWatts ?? 0) > 0)
              .map(({ p, labels }) => ({ labels: { ...labels, model }, value: (p.modelWatts ?? 0) * 1e6 })),
          )
        : '')
    );
  }

  /** The exposition text and its Content-Type (Prometheus 3 refuses a scrape without one; Scaphandre sends none). */
  async exposition(): Promise<{ body: string; contentType: string }> {
    return { body: (await this.registry.metrics()) + this.processText, contentType: this.registry.contentType };
  }
}
