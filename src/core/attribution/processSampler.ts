import type { PowerSample } from '../../shared/power';
import type { AttributionModel, AttributionSnapshot, ContainerRow, ProcessRow } from '../../shared/attribution';
import { ContainerDirectory } from '../containers/containerDirectory';
import { hrClock, MonoClock } from '../clock';
import type { AttributedProcess } from './attribute';
import { IntervalSampler } from './intervalSampler';
import type { ProcScanner, Scan } from './procScanner';

export interface SamplerOptions {
  model: AttributionModel;
  /** Process rows to return, 0 = all. */
  topN: number;
  groupByName: boolean;
}

/**
 * Turns host power samples into per-process and per-container rows: scans /proc at each host sample,
 * attributes the power of the interval, accumulates energy per process and container.
 */
export class ProcessSampler {
  private readonly intervals: IntervalSampler;
  private readonly scanner: ProcScanner;
  private readonly energy = new Map<string, number>();
  private readonly containerEnergy = new Map<string, number>();

  constructor(
    private options: SamplerOptions,
    private directory?: ContainerDirectory,
    procRoot = '/proc',
    mono: MonoClock = hrClock,
  ) {
    this.intervals = new IntervalSampler(procRoot, mono);
    this.scanner = this.intervals.scanner;
  }

  setOptions(change: Partial<SamplerOptions>): void {
    this.options = { ...this.options, ...change };
  }

  /** Names containers through this directory from now on. */
  setDirectory(directory: ContainerDirectory): void {
    this.directory = directory;
  }

  /** Drops the baseline (after a pause): the next sample only primes. Accumulated energy is kept. */
  restart(): void {
    this.intervals.restart();
  }

  /** Attributes `host` to the processes of the interval since the previous call; undefined on the first. */
  sample(host: PowerSample): AttributionSnapshot | undefined {
    const interval = this.intervals.next(host, this.options.model);
    if (!interval) return undefined;
    const { scan, seconds, attribution: a } = interval;

    const rows: ProcessRow[] = [];
    const containers = new Map<string, { row: Omit<ContainerRow, 'energyJoules'>; energy: number }>();
    const live = new Set<string>();
    for (const p of a.processes) {
      const key = `${p.proc.pid}:${p.proc.start}`;
      live.add(key);
      const energy = (this.energy.get(key) ?? 0) + p.watts * seconds;
      this.energy.set(key, energy);
      const ref = this.scanner.container(p.proc);
      const shortId = ref?.id.slice(0, 12);
      rows.push(this.row(p, energy, shortId));
      if (ref && shortId) this.addToContainer(containers, ref.id, ref.runtime, p, seconds);
    }
    for (const key of this.energy.keys()) if (!live.has(key) && !scan.procs.has(Number(key.split(':')[0]))) this.energy.delete(key);

    const processes = this.options.groupByName ? groupByName(rows) : rows;
    const top = this.options.topN > 0 ? processes.slice(0, this.options.topN) : processes;
    // cmdline only for the rows shown: it is a file read per new process.
    const shown = top.map((r) => (r.count ? r : { ...r, cmdline: this.cmdlineOf(scan, r.pid) }));
    const containerRows: ContainerRow[] = [...containers.entries()]
      .map(([id, c]) => {
        const energy = (this.containerEnergy.get(id) ?? 0) + c.energy;
        this.containerEnergy.set(id, energy);
        return { ...c.row, energyJoules: energy };
      })
      .sort((x, y) => y.watts - x.watts);
    const notice = this.directory?.notice;
    return {
      time: host.time,
      hostWatts: host.watts,
      estimated: host.estimated,
      source: host.source,
      rowsFrom: 'procfs',
      model: this.options.model,
      idleWatts: a.idleWatts,
      exitedWatts: a.exitedWatts,
      hostCpu: a.hostCpu,
      processes: shown,
      processCount: scan.procs.size,
      containers: containerRows,
      ...(notice ? { notice } : {}),
    };
  }

  private row(p: AttributedProcess, energy: number, containerId: string | undefined): ProcessRow {
    return {
      pid: p.proc.pid,
      name: p.proc.comm,
      cmdline: '',
      watts: p.watts,
      share: p.share,
      cpuPercent: p.cpuPercent,
      energyJoules: energy,
      ...(containerId ? { containerId } : {}),
    };
  }

  private cmdlineOf(scan: Scan, pid: number): string {
    const p = scan.procs.get(pid);
    return p ? this.scanner.cmdline(p) : '';
  }

  private addToContainer(
    acc: Map<string, { row: Omit<ContainerRow, 'energyJoules'>; energy: number }>,
    fullId: string,
    runtime: ContainerRow['runtime'],
    p: AttributedProcess,
    seconds: number,
  ): void {
    const id = fullId.slice(0, 12);
    let c = acc.get(id);
    if (!c) {
      const info = this.directory?.get(fullId);
      c = {
        row: {
          id,
          name: info?.name ?? id,
          image: info?.image ?? '',
          runtime,
          watts: 0,
          share: 0,
          cpuPercent: 0,
          ...(info?.service ? { service: info.service } : {}),
        },
        energy: 0,
      };
      acc.set(id, c);
    }
    c.row = { ...c.row, watts: c.row.watts + p.watts, share: c.row.share + p.share, cpuPercent: c.row.cpuPercent + p.cpuPercent };
    c.energy += p.watts * seconds;
  }

  /** Forgets accumulated energy (e.g. when the view reopens). */
  resetEnergy(): void {
    this.energy.clear();
    this.containerEnergy.clear();
  }

  dispose(): void {
    this.intervals.dispose();
  }
}

/** Sums rows of the same name; keeps the order by Watts. */
export function groupByName(rows: readonly ProcessRow[]): ProcessRow[] {
  const by = new Map<string, ProcessRow & { count: number }>();
  for (const r of rows) {
    const g = by.get(r.name);
    if (!g) by.set(r.name, { ...r, count: 1 });
    else
      by.set(r.name, {
        ...g,
        watts: g.watts + r.watts,
        share: g.share + r.share,
        cpuPercent: g.cpuPercent + r.cpuPercent,
        energyJoules: g.energyJoules + r.energyJoules,
        count: g.count + 1,
      });
  }
  return [...by.values()].sort((a, b) => b.watts - a.watts);
}
