import type { AttributionModel } from '../../shared/attribution';
import type { ProcInfo, Scan } from './procScanner';

/** Clock ticks per second of /proc CPU times (USER_HZ): 100 on every mainstream Linux build. */
export const USER_HZ = 100;

export interface AttributedProcess {
  readonly proc: ProcInfo;
  /** CPU ticks used during the interval. */
  readonly ticks: number;
  readonly watts: number;
  /** Fraction of host power, 0..1. */
  readonly share: number;
  /** % of one core over the interval. */
  readonly cpuPercent: number;
  /** Fraction (0..1) of the host's CPU capacity (all cores' ticks, busy and idle) the process used. */
  readonly capacity: number;
}

export interface Attribution {
  /** Every process that used CPU in the interval, largest first. */
  readonly processes: AttributedProcess[];
  /**
   * Power not shared out: with active-only the idle level; with capacity the idle capacity's share (host W x idle
   * ticks / all ticks); 0 with share-all (all of it when nothing ran).
   */
  readonly idleWatts: number;
  /** CPU time the host spent that no live process accounts for: processes that ended, interrupts. */
  readonly exitedWatts: number;
  /** Host CPU utilisation over the interval, 0..1. */
  readonly hostCpu: number;
  /** Watts one CPU tick of the interval is worth: how a measurement prices its process tree's ticks. */
  readonly wattsPerTick: number;
}

export interface AttributionOptions {
  readonly model: AttributionModel;
  /** Host power at idle, for active-only. */
  readonly idleWatts: number;
}

/**
 * Shares host power among processes, by one of three models:
 * - capacity (Scaphandre's): a process gets host W x its share of the CPU *capacity* (its ticks / all cores'
 *   ticks, busy and idle), so the processes add up to host W x utilisation and the rest is idle power nobody is
 *   charged (hubblo-org/scaphandre src/sensors/mod.rs@v1.0.3:747-748 and 828, `get_all_per_process`:
 *   host_power x (cpu % of one core / nb_cores) / 100; docs_src/explanations/host_metrics.md).
 * - active-only (close to Kepler's): only power above the idle level is shared, by share of busy time; idle is
 *   its own row.
 * - share-all (OptiVolt's own, neither Scaphandre's nor Kepler's): all host power, idle included, goes to the
 *   processes that ran, by share of busy time.
 * The busy denominator is the host's busy time from /proc/stat (or the processes' sum if larger, as reads are
 * not atomic), so CPU time of processes that ended between samples lands in `exitedWatts`, never lost:
 * rows + idleWatts + exitedWatts = hostWatts.
 */
export function attribute(prev: Scan, cur: Scan, hostWatts: number, seconds: number, opts: AttributionOptions): Attribution {
  const host = Number.isFinite(hostWatts) && hostWatts > 0 ? hostWatts : 0;
  const busy = Math.max(0, cur.busy - prev.busy);
  const idleTicks = Math.max(0, cur.idle - prev.idle);
  const hostCpu = busy + idleTicks > 0 ? busy / (busy + idleTicks) : 0;

  const used: Array<{ proc: ProcInfo; ticks: number }> = [];
  let sum = 0;
  for (const p of cur.procs.values()) {
    const before = prev.procs.get(p.pid);
    // A process new since the last scan (or a reused pid) spent all its CPU time within the interval.
    const d = before && before.start === p.start ? p.ticks - before.ticks : p.ticks;
    if (d > 0) {
      used.push({ proc: p, ticks: d });
      sum += d;
    }
  }
  const denominator = Math.max(busy, sum);
  if (denominator === 0) {
    return { processes: [], idleWatts: host, exitedWatts: 0, hostCpu, wattsPerTick: 0 };
  }
  const capacityTicks = denominator + idleTicks;
  let idle: number;
  let perTick: number;
  if (opts.model === 'capacity') {
    perTick = host / capacityTicks;
    idle = idleTicks * perTick;
  } else {
    const idleLevel = Number.isFinite(opts.idleWatts) ? Math.max(0, opts.idleWatts) : 0;
    idle = opts.model === 'active-only' ? Math.min(host, idleLevel) : 0;
    perTick = (host - idle) / denominator;
  }
  const tickSeconds = seconds > 0 ? seconds * USER_HZ : 0;
  const processes = used
    .map(({ proc, ticks }) => ({
      proc,
      ticks,
      watts: ticks * perTick,
      share: host > 0 ? (ticks * perTick) / host : 0,
      cpuPercent: tickSeconds > 0 ? (ticks / tickSeconds) * 100 : 0,
      capacity: ticks / capacityTicks,
    }))
    .sort((a, b) => b.watts - a.watts || a.proc.pid - b.proc.pid);
  return { processes, idleWatts: idle, exitedWatts: (denominator - sum) * perTick, hostCpu, wattsPerTick: perTick };
}
