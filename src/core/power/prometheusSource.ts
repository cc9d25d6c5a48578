import { PrometheusClient, PrometheusError } from '../prometheus/client';
import { PowerReading, PowerSource, SourceError } from './source';

/** Scaphandre's host power, in Watts, by value_source ("estimate" when OptiVolt's exporter had no RAPL). */
export const SCAPH_HOST_QUERY = 'sum by (value_source) (scaph_host_power_microwatts) / 1e6';
export const SCAPH_SOCKET_QUERY = 'sum by (socket_id) (scaph_socket_power_microwatts) / 1e6';
/**
 * node-exporter's RAPL counters as Watts over the last two scrapes. irate, not rate: for a live figure the
 * latest interval is what matters, and rate() divides by the whole window, so for the first minute after the
 * stack starts it reports a fraction of the real power (seen against a real Prometheus in test/stack).
 * Each zone counted once. Where the processor_thermal driver exposes
 * `intel-rapl-mmio`, procfs (sysfs/class_powercap.go GetRaplZones) yields a second `package` zone with the same
 * index, the MMIO view of the same counter: node-exporter gave the series a `path` label to tell them apart
 * (collector/rapl_linux.go, commit 2b490d64; prometheus/node_exporter#2147). `sum by (index)` over both doubled
 * the power. The MSR zones are taken; an index that only has an MMIO zone still counts, through `or`.
 */
function nodeRaplQuery(zone: 'package' | 'dram'): string {
  const rate = (matcher: string) => `sum by (index) (irate(node_rapl_${zone}_joules_total${matcher}[1m]))`;
  return `${rate('{path!~".*intel-rapl-mmio.*"}')} or ${rate('')}`;
}

/** node-exporter's package and DRAM Watts by index (see nodeRaplQuery). */
export const NODE_RAPL_QUERY = nodeRaplQuery('package');
export const NODE_RAPL_DRAM_QUERY = nodeRaplQuery('dram');

/**
 * Host power from a Prometheus server: Scaphandre's scaph_host_power_microwatts, else the rate of
 * node-exporter's RAPL package counters. With `requireScaphandre` (how `auto` uses it) only Scaphandre
 * data counts: without it a local RAPL reading is as good and needs no server.
 */
export class PrometheusSource implements PowerSource {
  readonly kind = 'prometheus' as const;
  readonly estimated = false;
  readonly origin: string;

  constructor(
    private readonly client: PrometheusClient,
    private readonly requireScaphandre = false,
  ) {
    this.origin = client.baseUrl;
  }

  async read(): Promise<PowerReading> {
    try {
      return (await this.scaphandre()) ?? (await this.nodeRapl()) ?? this.noData();
    } catch (err) {
      if (err instanceof PrometheusError) {
        throw new SourceError(err.kind === 'unreachable' ? 'unreachable' : 'invalid', err.message);
      }
      throw err;
    }
  }

  private async scaphandre(): Promise<PowerReading | undefined> {
    const host = await this.client.query(SCAPH_HOST_QUERY);
    if (host.length === 0) return undefined;
    const zones: Record<string, number> = {};
    for (const s of await this.client.query(SCAPH_SOCKET_QUERY)) zones[`socket-${s.metric.socket_id ?? '?'}`] = s.value;
    const watts = host.reduce((sum, s) => sum + Math.max(0, s.value), 0);
    // OptiVolt's exporter on a machine without RAPL says so in value_source: it stays an estimate here too.
    const estimated = host.some((s) => s.metric.value_source === 'estimate');
    const sources = host.map((s) => s.metric.value_source).filter(Boolean).join(', ');
    return {
      watts,
      zones,
      detail: `Scaphandre${estimated ? '-compatible exporter (ESTIMATE)' : ''} via Prometheus ${this.origin}${sources ? `, value_source ${sources}` : ''}`,
      ...(estimated ? { estimated: true } : {}),
    };
  }

  private async nodeRapl(): Promise<PowerReading | undefined> {
    if (this.requireScaphandre) return undefined;
    const pkgs = await this.client.query(NODE_RAPL_QUERY);
    if (pkgs.length === 0) return undefined;
    const zones: Record<string, number> = {};
    for (const s of pkgs) zones[`package-${s.metric.index ?? '?'}`] = s.value;
    for (const s of await this.client.query(NODE_RAPL_DRAM_QUERY)) zones[`package-${s.metric.index ?? '?'}/dram`] = s.value;
    const watts = pkgs.reduce((sum, s) => sum + Math.max(0, s.value), 0);
    return { watts, zones, detail: `node-exporter RAPL counters via Prometheus ${this.origin}` };
  }

  private noData(): never {
    const what = this.requireScaphandre
      ? 'no scaph_host_power_microwatts series (Scaphandre not scraped)'
      : 'neither scaph_host_power_microwatts nor node_rapl_package_joules_total series (no power exporter scraped)';
    throw new SourceError('no-data', `Prometheus at ${this.origin} answers but has ${what}.`);
  }
}
