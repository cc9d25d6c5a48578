// Attribution of host power to processes and containers (src/core/attribution): the rows, snapshots and history
// points that core produces and the power view, the exporter and the CLI read. Types only: no Node built-ins.
import type { SourceKind } from './power';

/**
 * How host power is shared among processes (src/core/attribution/attribute.ts):
 * - 'capacity': Scaphandre's: host W x the process's share of the CPU capacity; the rest is idle / unattributed.
 * - 'active-only': power above idle, by share of busy CPU time (close to Kepler's); idle kept apart.
 * - 'share-all': OptiVolt's own: all host power, idle included, by share of busy CPU time.
 */
export const ATTRIBUTION_MODELS = ['share-all', 'active-only', 'capacity'] as const;
export type AttributionModel = (typeof ATTRIBUTION_MODELS)[number];

/** One process's share of host power over the last interval. */
export interface ProcessRow {
  readonly pid: number;
  /** comm (short name) from /proc, or the basename of Scaphandre's `exe` label (else of its cmdline's argv[0]). */
  readonly name: string;
  /**
   * Command line (may be truncated to 512 characters): argv joined with spaces from /proc, but Scaphandre's
   * `cmdline` label as it is, argv concatenated with NO separator (hubblo-org/scaphandre src/sensors/utils.rs@v1.0.3:653).
   */
  readonly cmdline: string;
  readonly watts: number;
  /** Fraction (0..1) of host power. */
  readonly share: number;
  /**
   * CPU in % of one core over the interval (like top: 200 = two busy cores). Scaphandre's
   * scaph_process_cpu_usage_percentage is a % of ALL cores: readers multiply it by the core count.
   */
  readonly cpuPercent: number;
  /** Energy attributed since the view opened, in Joules. */
  readonly energyJoules: number;
  /** Short container id (12 hex) when the process runs in a container. */
  readonly containerId?: string;
  /** With "group by name": how many processes this row sums (pid is then the first one's). */
  readonly count?: number;
}

export interface ContainerRow {
  /** Short container id (12 hex), as in ProcessRow.containerId (also for containers of Kubernetes pods). */
  readonly id: string;
  readonly name: string;
  readonly image: string;
  /** docker compose service label, when there is one. */
  readonly service?: string;
  readonly runtime: 'docker' | 'containerd' | 'podman' | 'crio' | 'kubernetes';
  readonly watts: number;
  readonly share: number;
  readonly cpuPercent: number;
  readonly energyJoules: number;
}

/** One attributed sample: what the tables show. */
export interface AttributionSnapshot {
  readonly time: number;
  readonly hostWatts: number;
  readonly estimated: boolean;
  readonly source: SourceKind;
  /** Where the rows come from: our /proc sampler, or Prometheus (Scaphandre + cAdvisor). */
  readonly rowsFrom: 'procfs' | 'prometheus';
  readonly model: AttributionModel;
  /**
   * Power not attributed to any process: the idle level (active-only), the idle capacity's share (capacity),
   * 0 with share-all. Rows from Scaphandre: host W minus the sum of every process series, "idle / unattributed".
   */
  readonly idleWatts: number;
  /** CPU time of processes that ended or started and ended between two samples, as Watts (0 for rows from Prometheus). */
  readonly exitedWatts: number;
  /** Host CPU utilisation, 0..1. */
  readonly hostCpu: number;
  /** Top rows by Watts (all of them when the view asked for all). */
  readonly processes: readonly ProcessRow[];
  /** How many processes were seen in total. */
  readonly processCount: number;
  readonly containers: readonly ContainerRow[];
  /** A note for the user (e.g. "Docker not reachable: containers shown by id"). */
  readonly notice?: string;
}

/** A point of the host power chart. */
export interface HostPoint {
  readonly t: number;
  readonly watts: number;
  readonly zones: Readonly<Record<string, number>>;
}

/** Energy, cost and CO2 over the last hour of history (the power view's summary). */
export interface LastHour {
  readonly joules: number;
  readonly cost: number;
  readonly co2Grams: number;
  /**
   * Mean host W per mean % of host CPU over the hour, where host CPU is 0-100 across all cores (not % of one
   * core like ProcessRow.cpuPercent): the guide's energy-efficiency panel. Undefined at 0% CPU.
   */
  readonly wattsPerCpuPercent?: number;
}

/** A row of the power view's Kepler tree (src/core/attribution/keplerView.ts). */
export interface KeplerTreeRow {
  /** 'outside': containers outside pods and processes outside containers; 'idle': the node's idle power, attributed to no one. */
  readonly level: 'node' | 'namespace' | 'pod' | 'container' | 'process' | 'outside' | 'idle';
  /** Unique among its siblings (ids, not only names: two pods may share a name in two namespaces). */
  readonly key: string;
  readonly name: string;
  readonly watts: number;
  /** Fraction 0..1 of its node's power in the zone; a node's: of all nodes' power. */
  readonly share: number;
  readonly children: readonly KeplerTreeRow[];
}

/** Kepler's power on the team's engine, as the power view shows it: one zone, every node. */
export interface KeplerPower {
  readonly zone: string;
  readonly zones: readonly string[];
  /** Kepler's attribution model in words (active power shared by CPU time, idle apart). */
  readonly model: string;
  /** optivolt.kepler.node: '' when none is chosen (the view then offers the nodes). */
  readonly chosenNode: string;
  readonly nodes: readonly KeplerTreeRow[];
}
