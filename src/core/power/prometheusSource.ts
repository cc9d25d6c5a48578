import { chooseZone, KEPLER_MODEL, keplerNodePower, keplerZones } from '../attribution/keplerTree';
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
 * Above this a host power figure is not power but a unit slip (microwatts read as Watts is 10^6 x) or garbage; a
 * whole rack draws tens of kW. A figure over it, or negative, is no value, with the reason.
 */
export const MAX_PLAUSIBLE_HOST_WATTS = 100_000;

interface Sample {
  readonly metric: Record<string, string>;
  readonly value: number;
}

/** Why a power figure is not one, or undefined when it is plausible. */
function implausible(watts: number): string | undefined {
  if (!Number.isFinite(watts)) return `${watts} W is not a number`;
  if (watts < 0) return `${watts} W is negative`;
  if (watts > MAX_PLAUSIBLE_HOST_WATTS) return `${watts.toExponential(2)} W is above ${MAX_PLAUSIBLE_HOST_WATTS / 1000} kW (a unit slip?)`;
  return undefined;
}

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
    /** A Kepler node to read instead (its zone: '' = the preferred one); node '' = no Kepler. */
    private readonly kepler: { readonly node: string; readonly zone: string } = { node: '', zone: '' },
  ) {
    this.origin = client.baseUrl;
  }

  async read(): Promise<PowerReading> {
    try {
      if (this.kepler.node) return await this.keplerNode();
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
    this.check('scaph_host_power_microwatts', host);
    const dropped: string[] = [];
    for (const s of await this.client.query(SCAPH_SOCKET_QUERY)) this.zone(zones, dropped, `socket-${s.metric.socket_id ?? '?'}`, s.value);
    const watts = host.reduce((sum, s) => sum + s.value, 0);
    // OptiVolt's exporter on a machine without RAPL says so in value_source: it stays an estimate here too.
    const estimated = host.some((s) => s.metric.value_source === 'estimate');
    const sources = host
      .map((s) => s.metric.value_source)
      .filter(Boolean)
      .join(', ');
    return {
      watts,
      zones,
      detail: `Scaphandre${estimated ? '-compatible exporter (ESTIMATE)' : ''} via Prometheus ${this.origin}${sources ? `, value_source ${sources}` : ''}${noted(dropped)}`,
      ...(estimated ? { estimated: true } : {}),
    };
  }

  private async nodeRapl(): Promise<PowerReading | undefined> {
    if (this.requireScaphandre) return undefined;
    const pkgs = await this.client.query(NODE_RAPL_QUERY);
    if (pkgs.length === 0) return undefined;
    this.check('node_rapl_package_joules_total', pkgs);
    const zones: Record<string, number> = {};
    const dropped: string[] = [];
    for (const s of pkgs) zones[`package-${s.metric.index ?? '?'}`] = s.value;
    const drams = await this.client.query(NODE_RAPL_DRAM_QUERY);
    for (const s of drams) this.zone(zones, dropped, `package-${s.metric.index ?? '?'}/dram`, s.value);
    // Packages plus DRAM, as the RAPL source and Scaphandre count the host: DRAM is its own domain, outside the package.
    const watts = [...pkgs, ...drams.filter((s) => !implausible(s.value))].reduce((sum, s) => sum + s.value, 0);
    return { watts, zones, detail: `node-exporter RAPL counters via Prometheus ${this.origin}${noted(dropped)}` };
  }

  /** Kepler's chosen node in one zone (zones overlap, so they are never summed). */
  private async keplerNode(): Promise<PowerReading> {
    const node = this.kepler.node;
    // The node's own zones: nodes differ (one has psys, another package and dram).
    const zone = chooseZone(await keplerZones(this.client, node), this.kepler.zone || undefined);
    if (zone === undefined) {
      const nodes = await this.client.query('count by (node_name) (kepler_node_cpu_watts)');
      const known =
        nodes
          .map((n) => n.metric.node_name)
          .sort()
          .join(', ') || 'none: Kepler is not scraped';
      throw new SourceError('no-data', `Prometheus at ${this.origin} has no Kepler node "${node}" (nodes: ${known}).`);
    }
    const power = await keplerNodePower(this.client, zone);
    const watts = power.get(node);
    if (watts === undefined) throw new SourceError('no-data', `Prometheus at ${this.origin} has no Kepler node "${node}" in zone ${zone}.`);
    this.check('kepler_node_cpu_watts', [{ metric: { node_name: node, zone }, value: watts }]);
    const wanted = this.kepler.zone && this.kepler.zone !== zone ? ` (no ${this.kepler.zone} zone)` : '';
    return {
      watts,
      zones: { [zone]: watts },
      detail: `Kepler node ${node}, zone ${zone}${wanted}, via Prometheus ${this.origin}. ${KEPLER_MODEL}`,
    };
  }

  /** Host figures that are not power make the whole reading no value, with the reason. */
  private check(metric: string, series: readonly Sample[]): void {
    for (const s of series) {
      const why = implausible(s.value);
      const labels = Object.entries(s.metric)
        .map(([k, v]) => `${k}="${v}"`)
        .join(',');
      if (why)
        throw new SourceError('invalid', `Prometheus at ${this.origin}: ${metric}${labels ? `{${labels}}` : ''} says ${why}: no value.`);
    }
    const total = series.reduce((sum, s) => sum + s.value, 0);
    const why = implausible(total);
    if (why) throw new SourceError('invalid', `Prometheus at ${this.origin}: ${metric} in total says ${why}: no value.`);
  }

  /** A zone figure that is not power is left out and named in the detail. */
  private zone(zones: Record<string, number>, dropped: string[], name: string, watts: number): void {
    if (implausible(watts)) dropped.push(`${name} (${watts} W)`);
    else zones[name] = watts;
  }

  private noData(): never {
    const what = this.requireScaphandre
      ? 'no scaph_host_power_microwatts series (Scaphandre not scraped)'
      : 'neither scaph_host_power_microwatts nor node_rapl_package_joules_total series (no power exporter scraped)';
    // A multi-tenant engine (Mimir, Cortex) answers an empty tenant like an empty server: name the tenant asked for.
    const tenant = this.client.tenant ? ` for tenant ${this.client.tenant} (X-Scope-OrgID)` : '';
    throw new SourceError('no-data', `Prometheus at ${this.origin} answers but has ${what}${tenant}.`);
  }
}

function noted(dropped: readonly string[]): string {
  return dropped.length ? `; implausible, left out: ${dropped.join(', ')}` : '';
}
