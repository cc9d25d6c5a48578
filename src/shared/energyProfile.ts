// Energy per function: the profile `optivolt profile` writes and the editor shows. Types only: no Node built-ins.
import type { SourceKind } from './power';

/** Which runtime a profiled process ran (how its samples were taken). */
export type ProfileRuntime = 'node' | 'python' | 'other';

/** One code location. `file` is an absolute path when the code is on disk (source-mapped to .ts where a map exists). */
export interface ProfileFrame {
  readonly name: string;
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
  /**
   * A pseudo-frame that is not the program's code: '(idle)', '(garbage collector)', '(program)', or the share of a
   * process that had no profile ('(unprofiled) <comm> [pid]').
   */
  readonly synthetic?: boolean;
}

/** One node of the merged call tree (all processes, all runs). Roots have parent -1; a process is a root frame. */
export interface ProfileNode {
  /** Index into EnergyProfile.frames. */
  readonly frame: number;
  /** Index into EnergyProfile.nodes, or -1. */
  readonly parent: number;
  /** Energy of the samples whose leaf is this node, summed over runs (J). */
  readonly selfJoules: number;
  /** Samples whose leaf is this node, summed over runs. */
  readonly samples: number;
}

/** One function (frame identity name+file+line) aggregated over the tree. */
export interface FunctionEnergy {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
  readonly synthetic?: boolean;
  /** Mean over runs (J). */
  readonly selfJoules: number;
  /** Mean over runs (J); a function counted once per stack even when recursive. */
  readonly totalJoules: number;
  /** Share of the run's total energy, 0..1 (self). */
  readonly share: number;
  /** Samples, summed over runs. */
  readonly samples: number;
  /** Self energy of each run (J), when the profile has more than one run. */
  readonly runs?: readonly number[];
  /** Sample standard deviation of `runs` (J). */
  readonly stdSelfJoules?: number;
}

/** Energy by source line, where the runtime reports line ticks (V8's positionTicks; Python samples). */
export interface LineEnergy {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** Mean over runs (J). */
  readonly joules: number;
}

export interface ProfiledProcess {
  readonly pid: number;
  readonly command: string;
  readonly runtime: ProfileRuntime;
  /** Its attributed energy, mean over runs (J). */
  readonly joules: number;
  /** True when the runtime wrote a profile for it (else its energy sits on one '(unprofiled)' frame). */
  readonly profiled: boolean;
}

export const ENERGY_PROFILE_VERSION = 1;

/** What `optivolt profile --out FILE.optivolt-profile.json` writes and the editor stores with the Energy Sessions. */
export interface EnergyProfile {
  readonly version: typeof ENERGY_PROFILE_VERSION;
  /** The command as run (argv). */
  readonly command: readonly string[];
  readonly cwd: string;
  /** ISO 8601. */
  readonly startedAt: string;
  /** Mean over runs. */
  readonly durationSeconds: number;
  /** The process tree's measured energy, mean over runs (J); the functions' self energies add up to it. */
  readonly totalJoules: number;
  readonly source: SourceKind;
  readonly estimated: boolean;
  /** One paragraph: how samples were priced (each process's attributed Watts at that moment), and the source. */
  readonly model: string;
  /** What the figures leave out or cannot tell (unsupported runtimes, perf unavailable, short runs ...). */
  readonly limits: readonly string[];
  readonly runs: number;
  /** Sampling interval (µs). */
  readonly intervalUs: number;
  readonly processes: readonly ProfiledProcess[];
  readonly frames: readonly ProfileFrame[];
  readonly nodes: readonly ProfileNode[];
  /** Sorted by selfJoules, descending. */
  readonly functions: readonly FunctionEnergy[];
  readonly lines: readonly LineEnergy[];
}
