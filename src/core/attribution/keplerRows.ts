// The power view's tables from Kepler (optivolt.kepler.node set): the chosen node's containers, named
// namespace/pod/container (the tree nodes -> namespaces -> pods -> containers flattened into the existing table),
// and their processes, in one zone, with Kepler's model in the notice. Energy adds up from when the view opened.
import type { AttributionSnapshot, ContainerRow, ProcessRow } from '../../shared/attribution';
import type { PowerSample } from '../../shared/power';
import type { PrometheusClient } from '../prometheus/client';
import { KEPLER_MODEL, keplerTree } from './keplerTree';

export class KeplerRows {
  private readonly energy = new Map<string, number>();
  private lastTime: number | undefined;

  constructor(
    private readonly client: PrometheusClient,
    private readonly node: string,
    private readonly zone: string,
  ) {}

  /** Undefined when the engine has no such Kepler node (the status bar says why). */
  async sample(last: PowerSample, topN: number): Promise<AttributionSnapshot | undefined> {
    const tree = await keplerTree(this.client, this.zone || undefined);
    const node = tree?.nodes.find((n) => n.name === this.node);
    if (!tree || !node) return undefined;
    const dt = this.lastTime === undefined ? 0 : Math.max(0, (last.time - this.lastTime) / 1000);
    this.lastTime = last.time;
    const joules = (key: string, watts: number): number => {
      const j = (this.energy.get(key) ?? 0) + watts * dt;
      this.energy.set(key, j);
      return j;
    };
    const share = (w: number): number => (node.watts > 0 ? w / node.watts : 0);
    const containers: ContainerRow[] = [];
    const processes: ProcessRow[] = [];
    for (const ns of node.namespaces) {
      for (const pod of ns.pods) {
        for (const c of pod.containers) {
          const id = c.id.slice(0, 12);
          const name = `${ns.name}/${pod.name}/${c.name}`;
          containers.push({
            id,
            name,
            image: '',
            runtime: 'kubernetes',
            watts: c.watts,
            share: share(c.watts),
            cpuPercent: 0,
            energyJoules: joules(`c ${c.id}`, c.watts),
          });
          for (const p of c.processes) {
            const watts = p.watts;
            processes.push({
              pid: Number(p.pid) || 0,
              name: p.comm,
              cmdline: p.comm,
              watts,
              share: share(watts),
              cpuPercent: 0,
              energyJoules: joules(`p ${p.pid}`, watts),
              containerId: id,
            });
          }
        }
      }
    }
    processes.sort((a, b) => b.watts - a.watts);
    containers.sort((a, b) => b.watts - a.watts);
    return {
      time: last.time,
      hostWatts: node.watts,
      estimated: false,
      source: 'prometheus',
      rowsFrom: 'prometheus',
      // Kepler's is the active-only model: active power shared by CPU time, idle kept apart.
      model: 'active-only',
      idleWatts: node.idleWatts,
      exitedWatts: 0,
      // Kepler's active power is the zone's power x the node's CPU usage ratio (internal/monitor/node.go).
      hostCpu: node.watts > 0 ? node.activeWatts / node.watts : 0,
      processes: processes.slice(0, topN),
      processCount: processes.length,
      containers,
      notice: `Kepler node ${node.name}, namespace/pod/container, zone ${tree.zone} (of ${tree.zones.join(', ')}). ${KEPLER_MODEL}`,
    };
  }
}
