import type { PowerSample } from '../../shared/power';
import type { AttributionModel, AttributionSnapshot, ContainerRow, ProcessRow } from '../../shared/protocol';
import type { PrometheusClient, VectorSample } from '../prometheus/client';
import { groupByName } from './processSampler';

/** Scaphandre's per-process power (microwatts), the top N. */
export const processPowerQuery = (n: number): string => `topk(${n}, scaph_process_power_consumption_microwatts)`;
export const PROCESS_CPU_QUERY = 'scaph_process_cpu_usage_percentage';
/** cAdvisor's CPU per container, in cores (the guide's "Watts par container" numerator). */
export const CONTAINER_CPU_QUERY = 'sum by (id, name, image) (irate(container_cpu_usage_seconds_total{name!=""}[1m]))';
/** Host busy CPU in cores from node-exporter: the denominator, so other host work is not charged to containers. */
export const HOST_BUSY_QUERY = 'sum(irate(node_cpu_seconds_total{mode!="idle"}[1m]))';
/** Host CPU utilisation 0..1 from node-exporter (the guide's CPU panel, as a fraction). */
export const HOST_UTIL_QUERY = '1 - avg(irate(node_cpu_seconds_total{mode="idle"}[1m]))';

const basename = (p: string): string => p.split('/').pop() || p;

/**
 * The power view's rows from Prometheus, when the monitoring stack runs: processes from Scaphandre,
 * containers from cAdvisor's CPU share of host power. Energy is integrated here between calls.
 */
export class PrometheusRows {
  private readonly energy = new Map<string, number>();
  private lastTime: number | undefined;

  constructor(private readonly client: PrometheusClient) {}

  async sample(host: PowerSample, topN: number, groupByNames: boolean, model: AttributionModel): Promise<AttributionSnapshot> {
    const n = topN > 0 ? topN : 500;
    const none = (): VectorSample[] => [];
    const [procs, cpu, containers, busy, util] = await Promise.all([
      this.client.query(processPowerQuery(n)),
      this.client.query(PROCESS_CPU_QUERY).catch(none),
      this.client.query(CONTAINER_CPU_QUERY).catch(none),
      this.client.query(HOST_BUSY_QUERY).catch(none),
      this.client.query(HOST_UTIL_QUERY).catch(none),
    ]);
    const seconds = this.lastTime !== undefined ? Math.max(0, (host.time - this.lastTime) / 1000) : 0;
    this.lastTime = host.time;
    const hostW = host.watts > 0 ? host.watts : 0;
    const cpuByPid = new Map(cpu.map((s) => [s.metric.pid, s.value]));

    let rows: ProcessRow[] = procs
      .map((s) => {
        const pid = Number(s.metric.pid);
        const watts = Math.max(0, s.value / 1e6);
        const key = `p:${s.metric.pid}:${s.metric.exe ?? ''}`;
        const energy = (this.energy.get(key) ?? 0) + watts * seconds;
        this.energy.set(key, energy);
        const containerId = s.metric.container_id?.slice(0, 12);
        return {
          pid: Number.isFinite(pid) ? pid : 0,
          name: basename(s.metric.exe ?? s.metric.cmdline?.split(' ')[0] ?? '?'),
          cmdline: (s.metric.cmdline ?? '').slice(0, 512),
          watts,
          share: hostW > 0 ? watts / hostW : 0,
          cpuPercent: cpuByPid.get(s.metric.pid) ?? 0,
          energyJoules: energy,
          ...(containerId ? { containerId } : {}),
        };
      })
      .sort((a, b) => b.watts - a.watts);
    if (groupByNames) rows = groupByName(rows);

    const containerCores = containers.reduce((sum, s) => sum + Math.max(0, s.value), 0);
    const hostCores = busy[0]?.value;
    // As in the guide, but over host busy CPU when node-exporter is scraped, so non-container work is not charged.
    const denominator = Math.max(containerCores, hostCores ?? 0);
    const containerRows: ContainerRow[] = containers
      .map((s) => {
        const share = denominator > 0 ? Math.max(0, s.value) / denominator : 0;
        const watts = share * hostW;
        const key = `c:${s.metric.name}`;
        const energy = (this.energy.get(key) ?? 0) + watts * seconds;
        this.energy.set(key, energy);
        const id = (s.metric.id ?? '').split('/').pop()?.replace(/^docker-|\.scope$/g, '').slice(0, 12) || (s.metric.name ?? '?');
        return { id, name: s.metric.name ?? id, image: s.metric.image ?? '', runtime: 'docker' as const, watts, share, cpuPercent: s.value * 100, energyJoules: energy };
      })
      .sort((a, b) => b.watts - a.watts);

    const attributed = rows.reduce((sum, r) => sum + r.watts, 0);
    return {
      time: host.time,
      hostWatts: host.watts,
      estimated: host.estimated,
      source: host.source,
      rowsFrom: 'prometheus',
      model,
      idleWatts: 0,
      // Scaphandre shares all host power; what the top N do not show is the rest, not "exited".
      exitedWatts: Math.max(0, hostW - attributed),
      hostCpu: Math.min(1, Math.max(0, util[0]?.value ?? 0)),
      processes: rows,
      processCount: procs.length,
      containers: containerRows,
      notice:
        model === 'active-only'
          ? 'Rows from Scaphandre via Prometheus: Scaphandre shares all host power (share-all); the rest of the top N is shown as "other".'
          : 'Rows from Scaphandre and cAdvisor via Prometheus; the rest of the top N is shown as "other".',
    };
  }
}
