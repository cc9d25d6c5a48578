// The power view's message protocol, imported by both ends (src/client/powerView.ts and media/powerView.ts).
// Types and tiny type guards only: no Node built-ins, no vscode.
import { isObj } from '../guards';
import type { SourceKind } from '../power';

/**
 * How host power is shared among processes (src/core/attribution/attribute.ts):
 * - 'capacity': Scaphandre's: host W x the process's share of the CPU capacity; the rest is idle / unattributed.
 * - 'active-only': power above idle, by share of busy CPU time (close to Kepler's); idle kept apart.
 * - 'share-all': OptiVolt's own: all host power, idle included, by share of busy CPU time.
 */
export type AttributionModel = 'capacity' | 'share-all' | 'active-only';

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

export type WindowMinutes = 5 | 15 | 60;
export const WINDOW_MINUTES: readonly WindowMinutes[] = [5, 15, 60];

export interface ViewPrefs {
  readonly windowMinutes: WindowMinutes;
  readonly paused: boolean;
  /** Top N process rows, or 0 for all. */
  readonly topN: number;
  readonly unit: 'W' | 'mW';
  readonly groupByName: boolean;
}

/** Host -> webview. */
export type ToWebview =
  /** Answer to `ready` (and after a reload): everything the view needs. */
  | {
      readonly type: 'state/full';
      readonly history: readonly HostPoint[];
      readonly snapshot?: AttributionSnapshot;
      readonly prefs: ViewPrefs;
      /** Energy, cost and CO2 over the last hour of history. */
      readonly lastHour: LastHour;
      readonly currency: string;
    }
  /** Every new sample while not paused. */
  | { readonly type: 'power/sample'; readonly point: HostPoint; readonly snapshot: AttributionSnapshot; readonly lastHour: LastHour }
  /** The view's preferences changed on the host side (e.g. restored). */
  | { readonly type: 'view/prefs'; readonly prefs: ViewPrefs };

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

/** Webview -> host. */
export type FromWebview =
  | { readonly type: 'ready' }
  | { readonly type: 'view/setPrefs'; readonly prefs: Partial<ViewPrefs> };

/** Validates a message from the webview (it is untrusted input). Returns undefined for anything malformed. */
export function parseFromWebview(msg: unknown): FromWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
      return { type: 'ready' };
    case 'view/setPrefs': {
      if (!isObj(msg.prefs)) return undefined;
      const p = msg.prefs;
      const out: { -readonly [K in keyof ViewPrefs]?: ViewPrefs[K] } = {};
      if (p.windowMinutes !== undefined) {
        if (!WINDOW_MINUTES.includes(p.windowMinutes as WindowMinutes)) return undefined;
        out.windowMinutes = p.windowMinutes as WindowMinutes;
      }
      if (p.paused !== undefined) {
        if (typeof p.paused !== 'boolean') return undefined;
        out.paused = p.paused;
      }
      if (p.topN !== undefined) {
        if (typeof p.topN !== 'number' || !Number.isInteger(p.topN) || p.topN < 0 || p.topN > 10000) return undefined;
        out.topN = p.topN;
      }
      if (p.unit !== undefined) {
        if (p.unit !== 'W' && p.unit !== 'mW') return undefined;
        out.unit = p.unit;
      }
      if (p.groupByName !== undefined) {
        if (typeof p.groupByName !== 'boolean') return undefined;
        out.groupByName = p.groupByName;
      }
      return { type: 'view/setPrefs', prefs: out };
    }
    default:
      return undefined;
  }
}

export const DEFAULT_PREFS: ViewPrefs = { windowMinutes: 15, paused: false, topN: 25, unit: 'W', groupByName: false };
