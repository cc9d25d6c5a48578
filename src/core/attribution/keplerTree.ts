// Kepler's power read from the team's engine: a node's power for the status bar, and the power view's tree
// nodes -> namespaces -> pods -> containers -> processes. Names, labels and zones as Kepler 0.10+ exports them
// (sustainable-computing-io/kepler docs/user/metrics.md, internal/exporter/prometheus/collector/power_collector.go).
import type { PrometheusClient } from '../prometheus/client';

/** Kepler's attribution model, as the power view names it (internal/monitor/node.go, process.go). */
export const KEPLER_MODEL =
  "Kepler's model: a zone's power is split into active (x the node's CPU usage ratio) and idle; active power is shared " +
  'among processes by their CPU time, containers and pods sum their processes; idle power is not attributed. One zone is shown: zones overlap (package contains core and uncore).';

/** The zone shown unless one is chosen: package (the CPU sockets), else psys (the whole platform), else the first. */
const ZONE_PREFERENCE = ['package', 'psys', 'core', 'dram', 'uncore'];
/** Processes listed per container: the rest are summed into the container's own figure only. */
const MAX_PROCESSES = 200;

export interface KeplerProcessRow {
  readonly pid: string;
  readonly comm: string;
  readonly watts: number;
}
export interface KeplerContainerRow {
  readonly id: string;
  readonly name: string;
  readonly watts: number;
  readonly processes: KeplerProcessRow[];
}
export interface KeplerPodRow {
  readonly id: string;
  readonly name: string;
  readonly watts: number;
  readonly containers: KeplerContainerRow[];
}
export interface KeplerNamespaceRow {
  readonly name: string;
  readonly watts: number;
  readonly pods: KeplerPodRow[];
}
export interface KeplerNodeRow {
  readonly name: string;
  readonly watts: number;
  readonly activeWatts: number;
  readonly idleWatts: number;
  readonly namespaces: KeplerNamespaceRow[];
  /** Containers outside any pod (plain Docker/Podman) and processes outside any container, each summed. */
  readonly outsidePodsWatts: number;
}
export interface KeplerTree {
  readonly zone: string;
  readonly zones: string[];
  readonly model: string;
  readonly nodes: KeplerNodeRow[];
}

/** The namespace shown for pods Kepler has no namespace for. */
export const NO_NAMESPACE = '(no namespace)';

const q = (s: string): string => s.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** The zones the engine has Kepler series in, of one node when given (empty: no Kepler there). */
export async function keplerZones(client: PrometheusClient, node?: string): Promise<string[]> {
  const rows = await client.query(`count by (zone) (kepler_node_cpu_watts${node !== undefined ? `{node_name="${q(node)}"}` : ''})`);
  return rows.map((r) => r.metric.zone).filter((z): z is string => z !== undefined && z !== '');
}

/** The zone to show: `wanted` if the engine has it, else the preferred one present. Undefined: no Kepler. */
export function chooseZone(zones: readonly string[], wanted?: string): string | undefined {
  if (wanted && zones.includes(wanted)) return wanted;
  return ZONE_PREFERENCE.find((z) => zones.includes(z)) ?? [...zones].sort()[0];
}

/** The nodes with Kepler series, and their power in `zone` (W): for the status bar's node choice. */
export async function keplerNodePower(client: PrometheusClient, zone: string): Promise<Map<string, number>> {
  const rows = await client.query(`sum by (node_name) (kepler_node_cpu_watts{zone="${q(zone)}"})`);
  return new Map(rows.map((r) => [r.metric.node_name ?? '', r.value]));
}

/** The tree of `zone` (the preferred zone when not given), running workloads only; undefined when the engine has no Kepler. */
export async function keplerTree(client: PrometheusClient, wantedZone?: string): Promise<KeplerTree | undefined> {
  const zones = await keplerZones(client);
  const zone = chooseZone(zones, wantedZone);
  if (zone === undefined) return undefined;
  const z = `zone="${q(zone)}"`;
  const [nodeW, activeW, idleW, pods, containers, processes] = await Promise.all([
    keplerNodePower(client, zone),
    client.query(`sum by (node_name) (kepler_node_cpu_active_watts{${z}})`),
    client.query(`sum by (node_name) (kepler_node_cpu_idle_watts{${z}})`),
    client.query(`sum by (node_name, pod_id, pod_name, pod_namespace) (kepler_pod_cpu_watts{${z}, state="running"})`),
    client.query(`sum by (node_name, container_id, container_name, pod_id) (kepler_container_cpu_watts{${z}, state="running"})`),
    client.query(`topk(${MAX_PROCESSES}, sum by (node_name, container_id, pid, comm) (kepler_process_cpu_watts{${z}, state="running"}))`),
  ]);
  const byNode = (rows: { metric: Readonly<Record<string, string>>; value: number }[]) =>
    new Map(rows.map((r) => [r.metric.node_name ?? '', r.value]));
  const active = byNode(activeW);
  const idle = byNode(idleW);
  const nodes: KeplerNodeRow[] = [...nodeW].map(([node, watts]) => {
    const here = <T extends { metric: Readonly<Record<string, string>> }>(rows: T[]): T[] =>
      rows.filter((r) => (r.metric.node_name ?? '') === node);
    const procsOf = (cid: string): KeplerProcessRow[] =>
      here(processes)
        .filter((p) => (p.metric.container_id ?? '') === cid)
        .map((p) => ({ pid: p.metric.pid ?? '', comm: p.metric.comm ?? '', watts: p.value }))
        .sort((a, b) => b.watts - a.watts);
    // Kepler's container series carry pod_id only: the pod's name and namespace come from its pod series.
    const podRows: KeplerPodRow[] = here(pods).map((p) => ({
      id: p.metric.pod_id ?? '',
      name: p.metric.pod_name ?? '',
      watts: p.value,
      containers: here(containers)
        .filter((c) => c.metric.pod_id === p.metric.pod_id)
        .map((c) => ({
          id: c.metric.container_id ?? '',
          name: c.metric.container_name ?? '',
          watts: c.value,
          processes: procsOf(c.metric.container_id ?? ''),
        }))
        .sort((a, b) => b.watts - a.watts),
    }));
    const namespaces = new Map<string, KeplerPodRow[]>();
    for (const p of here(pods).map((row, i) => [row.metric.pod_namespace || NO_NAMESPACE, podRows[i]] as const))
      namespaces.set(p[0], [...(namespaces.get(p[0]) ?? []), p[1]]);
    const podIds = new Set(podRows.map((p) => p.id));
    const outsideContainers = here(containers)
      .filter((c) => !podIds.has(c.metric.pod_id ?? ''))
      .reduce((s, c) => s + c.value, 0);
    const outsideProcesses = here(processes)
      .filter((p) => !p.metric.container_id)
      .reduce((s, p) => s + p.value, 0);
    return {
      name: node,
      watts,
      activeWatts: active.get(node) ?? 0,
      idleWatts: idle.get(node) ?? 0,
      outsidePodsWatts: outsideContainers + outsideProcesses,
      namespaces: [...namespaces]
        .map(([name, ps]) => ({ name, watts: ps.reduce((s, p) => s + p.watts, 0), pods: ps.sort((a, b) => b.watts - a.watts) }))
        .sort((a, b) => b.watts - a.watts),
    };
  });
  return { zone, zones, model: KEPLER_MODEL, nodes: nodes.sort((a, b) => a.name.localeCompare(b.name)) };
}
