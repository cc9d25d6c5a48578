import * as os from 'node:os';
import type { PowerSample } from '../../shared/power';
import type { AttributionModel, AttributionSnapshot, ContainerRow, ProcessRow } from '../../shared/attribution';
import type { PrometheusClient, VectorSample } from '../prometheus/client';
import { groupByName } from './processSampler';

/** Scaphandre's per-process power (microwatts), the top N. */
export const processPowerQuery = (n: number): string => `topk(${n}, scaph_process_power_consumption_microwatts)`;
/** Every process's power together: what host power minus it leaves is idle / unattributed (not just "beyond the top N"). */
export const PROCESS_SUM_QUERY = 'sum(scaph_process_power_consumption_microwatts)';
/** Scaphandre's CPU per process: a % of ALL cores (src/sensors/mod.rs@v1.0.3:747-756), not of one. */
export const PROCESS_CPU_QUERY = 'scaph_process_cpu_usage_percentage';
/** Logical CPUs, as Scaphandre counts them (sysinfo's cpus().len()), from node-exporter. */
export const CORES_QUERY = 'count(node_cpu_seconds_total{mode="idle"})';
/**
 * cAdvisor's CPU per container, in cores (the guide's "Watts par container" numerator). cAdvisor stamps each sample
 * with its collection time and, for a container whose stats do not change, backs off to collecting every 60 s plus up
 * to 100% jitter (lib/manager/container.go @v0.60.5): 60-120 s between samples. An irate needs two samples in its
 * window; 5m holds two such gaps plus a 10 s scrape (2 x 120 + 10 < 300), where the former [1m] lost idle containers.
 * irate, not rate, so a busy container (collected every 10-20 s) still shows its latest CPU, not a 5-minute average.
 * Timestamped samples get no staleness marker, so a stopped container's samples stay for minutes: only containers in
 * the latest scrape of their cAdvisor are kept (container_last_seen is stamped with the scrape time; an older scrape's
 * value is at least 2 s below the newest for scrape intervals of 2 s or more), so a stopped container leaves with
 * the first scrape after cAdvisor drops it.
 */
export const CONTAINER_CPU_QUERY =
  'sum by (id, name, image) (irate(container_cpu_usage_seconds_total{name!=""}[5m])' +
  ' and on (job, instance, id) (container_last_seen{name!=""} >= on (job, instance) group_left () (max by (job, instance) (container_last_seen) - 1)))';
/** Host busy CPU in cores from node-exporter: the denominator, so other host work is not charged to containers. */
export const HOST_BUSY_QUERY = 'sum(irate(node_cpu_seconds_total{mode!="idle"}[1m]))';
/** Host CPU utilisation 0..1 from node-exporter (the guide's CPU panel, as a fraction). */
export const HOST_UTIL_QUERY = '1 - avg(irate(node_cpu_seconds_total{mode="idle"}[1m]))';

const basename = (p: string): string => p.split('/').pop() || p;
/** Longest name made from a cmdline when there is no exe. */
const MAX_NAME = 48;

/**
 * A row's name from Scaphandre's labels: the basename of `exe` (a full path). Without exe (an unreadable
 * /proc/<pid>/exe gives ''), the cmdline as it is: Scaphandre concatenates argv with NO separator
 * (src/sensors/utils.rs@v1.0.3:653), so argv[0] cannot be cut out of it; splitting on spaces would only find
 * spaces inside arguments.
 */
export function processName(exe: string | undefined, cmdline: string | undefined, pid: string | undefined): string {
  if (exe) return basename(exe);
  if (cmdline) return cmdline.length > MAX_NAME ? `${cmdline.slice(0, MAX_NAME - 1)}…` : cmdline;
  return pid ? `pid ${pid}` : '?';
}

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
    // The client passes NaN and ±Inf through (so a power source can say why): a row has no use for them.
    const finite = (q: Promise<VectorSample[]>): Promise<VectorSample[]> => q.then((v) => v.filter((s) => Number.isFinite(s.value)));
    const [procs, total, cpu, cores, containers, busy, util] = await Promise.all([
      finite(this.client.query(processPowerQuery(n))),
      finite(this.client.query(PROCESS_SUM_QUERY)).catch(none),
      finite(this.client.query(PROCESS_CPU_QUERY)).catch(none),
      finite(this.client.query(CORES_QUERY)).catch(none),
      finite(this.client.query(CONTAINER_CPU_QUERY)).catch(none),
      finite(this.client.query(HOST_BUSY_QUERY)).catch(none),
      finite(this.client.query(HOST_UTIL_QUERY)).catch(none),
    ]);
    const seconds = this.lastTime !== undefined ? Math.max(0, (host.time - this.lastTime) / 1000) : 0;
    this.lastTime = host.time;
    const hostW = host.watts > 0 ? host.watts : 0;
    // % of all cores x cores = % of one core, as ProcessRow.cpuPercent is documented. Without node-exporter, this
    // machine's core count: the usual case is a stack watching the machine the editor runs on.
    const nbCores = cores[0]?.value > 0 ? cores[0].value : os.availableParallelism();
    const cpuByPid = new Map(cpu.map((s) => [s.metric.pid, s.value * nbCores]));

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
          name: processName(s.metric.exe, s.metric.cmdline, s.metric.pid),
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
        const id =
          (s.metric.id ?? '')
            .split('/')
            .pop()
            ?.replace(/^docker-|\.scope$/g, '')
            .slice(0, 12) ||
          (s.metric.name ?? '?');
        return {
          id,
          name: s.metric.name ?? id,
          image: s.metric.image ?? '',
          runtime: 'docker' as const,
          watts,
          share,
          cpuPercent: s.value * 100,
          energyJoules: energy,
        };
      })
      .sort((a, b) => b.watts - a.watts);

    // Scaphandre charges each process host W x its share of the CPU capacity, so all processes together get host W
    // x utilisation: the rest is idle power (and CPU time no live process accounts for), which nobody is charged
    // (docs_src/explanations/host_metrics.md@v1.0.3). Measured against every process series, not only the top N.
    const attributed = total.length ? total[0].value / 1e6 : rows.reduce((sum, r) => sum + r.watts, 0);
    return {
      time: host.time,
      hostWatts: host.watts,
      estimated: host.estimated,
      source: host.source,
      rowsFrom: 'prometheus',
      model: 'capacity',
      idleWatts: Math.max(0, hostW - Math.max(0, attributed)),
      exitedWatts: 0,
      hostCpu: Math.min(1, Math.max(0, util[0]?.value ?? 0)),
      processes: rows,
      processCount: Math.max(procs.length, cpu.length),
      containers: containerRows,
      notice:
        `Rows from Scaphandre${containers.length ? ' and cAdvisor' : ''} via Prometheus: Scaphandre charges each process host power × its share of the CPU capacity; ` +
        `the rest is "idle / unattributed"${model === 'capacity' ? '' : ` (the ${model} setting applies to rows from /proc only)`}.`,
    };
  }
}
