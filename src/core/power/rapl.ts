import * as fs from 'node:fs';
import * as path from 'node:path';
import { hrClock, MonoClock, PowerReading, PowerSource, secondsBetween, SourceError } from './source';

/** Above this, a delta is not power but a counter reset (or garbage): re-baseline instead of reporting it. */
const MAX_PLAUSIBLE_ZONE_WATTS = 5000;

/** Matches intel-rapl:N and intel-rapl:N:M; deliberately not intel-rapl-mmio:N, which duplicates package N. */
const ZONE_DIR = /^intel-rapl:(\d+)(?::(\d+))?$/;

export interface RaplZone {
  /** Directory name, e.g. intel-rapl:0:2. */
  readonly id: string;
  /** Display name: package-0, psys, package-0/dram ... */
  readonly label: string;
  readonly kind: 'package' | 'psys' | 'sub';
  readonly energyFile: string;
  /** Wrap point of energy_uj, when the kernel gives a sane one. */
  readonly maxRange?: number;
}

/** Parses a non-negative integer counter file; undefined for anything else (garbage, empty, negative). */
export function parseCounter(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,17}$/.test(t)) return undefined;
  return Number(t);
}

/** Synchronous on purpose: sysfs reads do not block, and the async path costs several times the CPU per sample. */
function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export function permissionMessage(file: string): string {
  return (
    `Cannot read ${file}: since Linux 5.10 the RAPL energy counters are readable by root only. ` +
    `Fix: sudo chmod o+r /sys/class/powercap/intel-rapl:*/energy_uj (until reboot), or a udev rule ` +
    `(see the OptiVolt README, "RAPL permissions").`
  );
}

/** Lists the RAPL zones of a powercap tree. Throws SourceError('missing') when there are none. */
export async function discoverZones(root: string): Promise<RaplZone[]> {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    throw new SourceError('missing', `No powercap tree at ${root} (no RAPL here: VMs, WSL, containers and macOS lack it).`);
  }
  const dirs = names
    .map((n) => ({ n, m: ZONE_DIR.exec(n) }))
    .filter((x): x is { n: string; m: RegExpExecArray } => x.m !== null)
    .sort((a, b) => Number(a.m[1]) - Number(b.m[1]) || Number(a.m[2] ?? -1) - Number(b.m[2] ?? -1));
  const topNames = new Map<string, string>();
  const zones: RaplZone[] = [];
  for (const { n, m } of dirs) {
    const dir = path.join(root, n);
    const raw = readText(path.join(dir, 'name'))?.trim();
    const name = raw && /^[\w.-]{1,64}$/.test(raw) ? raw : n;
    const maxRange = parseCounter(readText(path.join(dir, 'max_energy_range_uj')) ?? '');
    const sub = m[2] !== undefined;
    const parent = sub ? topNames.get(`intel-rapl:${m[1]}`) ?? `intel-rapl:${m[1]}` : undefined;
    if (!sub) topNames.set(n, name);
    zones.push({
      id: n,
      label: sub ? `${parent}/${name}` : name,
      kind: sub ? 'sub' : name === 'psys' ? 'psys' : 'package',
      energyFile: path.join(dir, 'energy_uj'),
      maxRange: maxRange && maxRange > 0 ? maxRange : undefined,
    });
  }
  if (!zones.some((z) => z.kind !== 'sub')) {
    throw new SourceError('missing', `No RAPL zones (intel-rapl:N) under ${root}.`);
  }
  return zones;
}

interface Last {
  readonly energy: number;
  readonly at: bigint;
}

/**
 * Host power from the RAPL energy counters of the Linux powercap tree.
 * Total = psys when the platform has it (it already contains the packages), else the sum of packages.
 * Sub-zones (core, uncore, dram) are reported per zone and never added to the total.
 */
export class RaplSource implements PowerSource {
  readonly kind = 'rapl' as const;
  readonly estimated = false;
  private zones: RaplZone[] | undefined;
  private readonly last = new Map<string, Last>();

  constructor(
    readonly origin: string = '/sys/class/powercap',
    private readonly clock: MonoClock = hrClock,
  ) {}

  async read(): Promise<PowerReading | undefined> {
    const list = this.zones ?? (this.zones = await discoverZones(this.origin));
    const now = this.clock();
    const zones: Record<string, number> = {};
    const skipped: string[] = [];
    let vanished = false;
    for (const z of list) {
      let text: string;
      try {
        text = fs.readFileSync(z.energyFile, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'EPERM') throw new SourceError('permission', permissionMessage(z.energyFile));
        vanished = true; // zone gone (hot-unplug, driver reload): forget it, rediscover next time
        this.last.delete(z.id);
        continue;
      }
      const watts = this.delta(z, parseCounter(text), now);
      if (watts === undefined) skipped.push(z.label);
      else zones[z.label] = watts;
    }
    if (vanished) this.zones = undefined;
    const psys = list.find((z) => z.kind === 'psys' && zones[z.label] !== undefined);
    const packages = list.filter((z) => z.kind === 'package' && zones[z.label] !== undefined);
    if (!psys && packages.length === 0) {
      if (vanished) await discoverZones(this.origin); // throws 'missing' when the whole tree went away
      return undefined;
    }
    const watts = psys ? zones[psys.label] : packages.reduce((s, z) => s + zones[z.label], 0);
    const detail =
      (psys ? 'RAPL psys (whole platform)' : `RAPL, sum of ${packages.length} package${packages.length > 1 ? 's' : ''}`) +
      (skipped.length ? `; no value this time for ${skipped.join(', ')}` : '');
    return { watts, zones, detail };
  }

  /** Watts for one zone since its previous read, handling wrap-around; undefined when there is no sane delta. */
  private delta(z: RaplZone, energy: number | undefined, now: bigint): number | undefined {
    const prev = this.last.get(z.id);
    if (energy === undefined) return undefined; // garbage: keep the previous baseline
    this.last.set(z.id, { energy, at: now });
    if (!prev) return undefined;
    const dt = secondsBetween(prev.at, now);
    if (!(dt > 0)) return undefined;
    let d = energy - prev.energy;
    if (d < 0) {
      // A wrap only makes sense from below the wrap point; otherwise the counter went backwards (reset).
      if (z.maxRange === undefined || prev.energy > z.maxRange) return undefined;
      d = z.maxRange - prev.energy + energy;
    }
    const watts = d / 1e6 / dt;
    return Number.isFinite(watts) && watts <= MAX_PLAUSIBLE_ZONE_WATTS ? watts : undefined;
  }
}
