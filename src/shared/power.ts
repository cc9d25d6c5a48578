// Power data shared by core, client, CLI and (later) webviews. Types only: no Node built-ins.

/** Where a power figure comes from. */
export type SourceKind = 'prometheus' | 'rapl' | 'estimate';

/** The user's choice (`optivolt.power.source`): a fixed source, or `auto`. */
export type SourceMode = 'auto' | SourceKind;

export const SOURCE_MODES: readonly SourceMode[] = ['auto', 'prometheus', 'rapl', 'estimate'];

/** One reading of host power. */
export interface PowerSample {
  /** Wall-clock time of the reading, ms since the epoch. */
  readonly time: number;
  /** Host power in Watts (never NaN, never negative). */
  readonly watts: number;
  readonly source: SourceKind;
  /** True when the figure is modelled from CPU load rather than measured. */
  readonly estimated: boolean;
  /** Per-zone Watts (e.g. package-0, package-0/dram, psys, cpu). Informative: not all zones add up to `watts`. */
  readonly zones: Readonly<Record<string, number>>;
  /** Host power at 0% CPU when the source knows it (the estimate's model); used as the idle level. */
  readonly idleWatts?: number;
  /** One line saying how the figure was obtained (e.g. "sum of 2 RAPL packages", "Teads curve, TDP 20 W, CPU 12%"). */
  readonly detail: string;
}

/** The monitor's lifecycle, rendered by the status bar. */
export type MonitorState = 'starting' | 'live' | 'stale' | 'error';

/** Everything the status bar needs, in one object. */
export interface PowerStatus {
  readonly state: MonitorState;
  readonly mode: SourceMode;
  /** Source in use (undefined while starting or when none works). */
  readonly source?: SourceKind;
  /** Why this source was chosen, or why the state is stale/error. */
  readonly reason: string;
  /** Latest good sample (kept, dimmed, when stale). */
  readonly last?: PowerSample;
  /** Energy integrated since the monitor started, in Joules. */
  readonly energyJoules: number;
  /** When integration started, ms since the epoch. */
  readonly since: number;
}
