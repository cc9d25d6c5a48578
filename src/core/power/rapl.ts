import * as fs from 'node:fs';
import * as path from 'node:path';
import { hrClock, MonoClock, secondsBetween } from '../clock';
import { errorMessage } from '../errors';
import { PowerReading, PowerSource, SourceError } from './source';

/**
 * What one zone can draw when its powercap folder does not say (no constraint_*_max_power_uw): the largest CPU
 * sockets are rated ~500 W, a whole platform (psys) a few times that. A delta above the zone's maximum is not power
 * but a counter reset or garbage, and a backwards step is a wrap only when the power it implies is below it.
 */
export const DEFAULT_MAX_ZONE_WATTS: Readonly<Record<RaplZone['kind'], number>> = { package: 1000, sub: 1000, psys: 2000 };
/**
 * constraint_*_max_power_uw is the zone's rated power (Intel: the package TDP for the long-term limit), which the
 * short-term limit (PL2) may exceed ~3x for seconds: the bound leaves that headroom.
 */
const RATED_POWER_HEADROOM = 4;
/**
 * Reads in a row that gave no host value (after the priming read) before the source counts as failed: a tree
 * that yields nothing must not leave `auto`, `sample` or `measure` waiting forever.
 */
export const MAX_READS_WITHOUT_VALUE = 3;

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
  /** Watts above which a delta is implausible (see DEFAULT_MAX_ZONE_WATTS). */
  readonly maxWatts: number;
}

/** Parses a non-negative integer counter file; undefined for anything else (garbage, empty, negative). */
export function parseCounter(text: string): number | undefined {
  const t = text.trim();
  if (!/^\d{1,17}$/.test(t)) return undefined;
  return Number(t);
}

/**
 * The most a zone can draw: RATED_POWER_HEADROOM x its largest constraint_*_max_power_uw (powercap.rst: "maximum
 * allowed power"), never above the default for its kind; the default when the folder has none.
 */
function zoneMaxWatts(dir: string, kind: RaplZone['kind']): number {
  let rated = 0;
  let files: string[] = [];
  try {
    files = fs.readdirSync(dir).filter((f) => /^constraint_\d+_max_power_uw$/.test(f));
  } catch {
    /* no constraints readable: the default */
  }
  for (const f of files) rated = Math.max(rated, parseCounter(readText(path.join(dir, f)) ?? '') ?? 0);
  const fallback = DEFAULT_MAX_ZONE_WATTS[kind];
  return rated > 0 ? Math.min(fallback, (rated / 1e6) * RATED_POWER_HEADROOM) : fallback;
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
    const parent = sub ? (topNames.get(`intel-rapl:${m[1]}`) ?? `intel-rapl:${m[1]}`) : undefined;
    if (!sub) topNames.set(n, name);
    const kind = sub ? 'sub' : name === 'psys' ? 'psys' : 'package';
    zones.push({
      id: n,
      label: sub ? `${parent}/${name}` : name,
      kind,
      energyFile: path.join(dir, 'energy_uj'),
      maxRange: maxRange && maxRange > 0 ? maxRange : undefined,
      maxWatts: zoneMaxWatts(dir, kind),
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

/** One zone's outcome for a read: Watts, nothing yet (priming), or why there is no value. */
type ZoneValue = { watts: number } | { primed: true } | { problem: string };

/**
 * Host power from the RAPL energy counters of the Linux powercap tree.
 * Total = psys when the platform has it (it already contains the packages), else the packages plus their DRAM
 * zones: DRAM is its own RAPL domain, outside the package (Intel SDM: MSR_PKG_ENERGY_STATUS and
 * MSR_DRAM_ENERGY_STATUS), and Scaphandre's host figure sums both (src/sensors/powercap_rapl.rs read_record
 * @v1.0.3), so the status bar agrees with it. Core and uncore (inside the package) are reported per zone only.
 * A tree that gives no value fails with the reason: at once when no package ever held a counter (garbage, empty,
 * negative or overlong energy_uj, EIO, EISDIR), else after MAX_READS_WITHOUT_VALUE reads without a value
 * (a counter only going backwards, implausible power).
 */
export class RaplSource implements PowerSource {
  readonly kind = 'rapl' as const;
  readonly estimated = false;
  private zones: RaplZone[] | undefined;
  private readonly last = new Map<string, Last>();
  private counted = false;
  private misses = 0;

  constructor(
    readonly origin: string = '/sys/class/powercap',
    private readonly clock: MonoClock = hrClock,
  ) {}

  async read(): Promise<PowerReading | undefined> {
    const list = this.zones ?? (this.zones = await discoverZones(this.origin));
    const now = this.clock();
    const zones: Record<string, number> = {};
    const skipped: string[] = [];
    const problems: string[] = [];
    let vanished = false;
    let primed = false;
    for (const z of list) {
      let text: string;
      try {
        text = fs.readFileSync(z.energyFile, 'utf8');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'EPERM') throw new SourceError('permission', permissionMessage(z.energyFile));
        if (code === 'ENOENT' || code === 'ENOTDIR') {
          vanished = true; // zone gone (hot-unplug, driver reload): forget it, rediscover next time
          this.last.delete(z.id);
        } else problems.push(`${z.label}: cannot read ${z.energyFile} (${code ?? errorMessage(err)})`);
        skipped.push(z.label);
        continue;
      }
      const v = this.delta(z, text, now);
      if ('watts' in v) zones[z.label] = v.watts;
      else skipped.push(z.label);
      if ('problem' in v) problems.push(v.problem);
      // A package that has held a counter once may recover; a tree where none ever did will not.
      if (z.kind !== 'sub' && this.last.has(z.id)) this.counted = true;
      if ('primed' in v && z.kind !== 'sub') primed = true;
    }
    if (vanished) this.zones = undefined;
    const psys = list.find((z) => z.kind === 'psys' && zones[z.label] !== undefined);
    const packages = list.filter((z) => z.kind === 'package' && zones[z.label] !== undefined);
    if (!psys && packages.length === 0) {
      if (vanished) await discoverZones(this.origin); // throws 'missing' when the whole tree went away
      return this.noValue(primed, problems);
    }
    this.misses = 0;
    const drams = psys ? [] : list.filter((z) => z.kind === 'sub' && z.label.endsWith('/dram') && zones[z.label] !== undefined);
    const watts = psys ? zones[psys.label] : [...packages, ...drams].reduce((s, z) => s + zones[z.label], 0);
    const detail =
      (psys
        ? 'RAPL psys (whole platform)'
        : `RAPL, sum of ${packages.length} package${packages.length > 1 ? 's' : ''}${drams.length ? ' + DRAM' : ''}`) +
      (skipped.length ? `; no value this time for ${skipped.join(', ')}` : '');
    return { watts, zones, detail };
  }

  /** A read without a host value: priming is fine; anything else counts towards failing, with the reasons. */
  private noValue(primed: boolean, problems: string[]): undefined {
    const why = (): string => `RAPL at ${this.origin} gives no power value: ${problems.join('; ') || 'no package or psys counter'}.`;
    if (!this.counted) throw new SourceError('invalid', why()); // not one counter in the tree: it never will
    if (primed && problems.length === 0) return undefined;
    if (++this.misses >= MAX_READS_WITHOUT_VALUE) {
      throw new SourceError('invalid', `${why()} (${this.misses} reads in a row without a value)`);
    }
    return undefined;
  }

  /** Watts for one zone since its previous read, handling wrap-around; or why there is no sane value. */
  private delta(z: RaplZone, text: string, now: bigint): ZoneValue {
    const energy = parseCounter(text);
    // Garbage keeps the previous baseline, so the next good value is measured from the last good one.
    if (energy === undefined) return { problem: `${z.label}: energy_uj is not a counter (${JSON.stringify(text.trim().slice(0, 32))})` };
    const prev = this.last.get(z.id);
    this.last.set(z.id, { energy, at: now });
    if (!prev) return { primed: true };
    const dt = secondsBetween(prev.at, now);
    if (!(dt > 0)) return { primed: true };
    let d = energy - prev.energy;
    if (d < 0) {
      // A wrap only makes sense from below the wrap point, and when the power it implies is one the zone can draw:
      // otherwise the counter went backwards (a reset), which says nothing about power.
      const wrapped = z.maxRange !== undefined && prev.energy <= z.maxRange ? z.maxRange - prev.energy + energy : undefined;
      const implied = wrapped === undefined ? undefined : wrapped / 1e6 / dt;
      if (implied === undefined || implied > z.maxWatts) {
        const why =
          implied === undefined
            ? 'no wrap point'
            : `a wrap would mean ${Math.round(implied)} W, above the zone's ${Math.round(z.maxWatts)} W`;
        return { problem: `${z.label}: energy_uj went backwards (${prev.energy} -> ${energy} uJ; ${why})` };
      }
      d = wrapped as number;
    }
    const watts = d / 1e6 / dt;
    if (!Number.isFinite(watts) || watts > z.maxWatts) {
      return { problem: `${z.label}: ${Math.round(watts)} W over ${dt.toFixed(2)} s is above the zone's ${Math.round(z.maxWatts)} W` };
    }
    return { watts };
  }
}

/**
 * Whether a powercap tree gives power, for choices made once (e.g. `stack up` picking Scaphandre, which needs RAPL):
 * reads until a value, `gapMs` apart, so a tree whose counters never advance sanely (only going backwards) is
 * refused like one that cannot be read. Resolves with the first reading; rejects with the SourceError saying why.
 */
export async function probeRapl(
  root: string,
  opts: { clock?: MonoClock; wait?: (ms: number) => Promise<void>; gapMs?: number } = {},
): Promise<PowerReading> {
  const src = new RaplSource(root, opts.clock ?? hrClock);
  const wait = opts.wait ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // The source throws once it has gone MAX_READS_WITHOUT_VALUE reads without a value: the loop's real bound.
  for (let n = 0; n <= MAX_READS_WITHOUT_VALUE + 1; n++) {
    const r = await src.read();
    if (r) return r;
    await wait(opts.gapMs ?? 500);
  }
  throw new SourceError('invalid', `RAPL at ${root} gives no power value.`);
}
