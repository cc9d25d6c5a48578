// The energy flame graph's message protocol, imported by both ends (src/client/webviews/flameGraph/flameGraph.ts and
// media/flameGraph/flameGraph.ts), and the trees and comparison it draws (built by src/core/profile/compareProfiles.ts).
// Types and tiny type guards only: no Node built-ins, no vscode.
import { isObj } from '../guards';
import type { EnergyProfile } from '../energyProfile';

/** One node of a tree the flame graph draws; energies are means per run (J). Parents come before their children. */
export interface FlameNode {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
  readonly synthetic?: boolean;
  /** Index into FlameTree.nodes, or -1 for a root. */
  readonly parent: number;
  readonly selfJoules: number;
  readonly totalJoules: number;
  /** Differential trees only: this call path's total before and after (0 where it did not occur). */
  readonly beforeJoules?: number;
  readonly afterJoules?: number;
}

export interface FlameTree {
  readonly nodes: readonly FlameNode[];
  /** What 100% means: the profile's measured energy (the larger side's for a differential tree). */
  readonly totalJoules: number;
}

/** How one function's self energy moved between two profiles. */
export interface FunctionDelta {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
  readonly synthetic?: boolean;
  readonly status: 'changed' | 'added' | 'removed';
  /** Mean self energy per run (J); 0 on the side that lacks the function. */
  readonly beforeJoules: number;
  readonly afterJoules: number;
  readonly deltaJoules: number;
  /** The two sides' standard deviations added, when both have enough runs to have one. */
  readonly spreadJoules?: number;
  /** The noise rule's verdict (ProfileComparison.rule says it in words). */
  readonly verdict: 'real' | 'noise' | 'too-few-runs';
}

export interface ProfileSummary {
  readonly command: readonly string[];
  readonly startedAt: string;
  readonly totalJoules: number;
  readonly runs: number;
  readonly durationSeconds: number;
}

export interface ProfileComparison {
  readonly before: ProfileSummary;
  readonly after: ProfileSummary;
  readonly deltaJoules: number;
  readonly rule: string;
  /** Functions whose self energy moved (or appeared, or went), largest |ΔJ| first. */
  readonly functions: readonly FunctionDelta[];
  readonly tree: FlameTree;
}

/** What the profile view shows of an EnergyProfile besides the tree (frames and nodes become `tree`). */
export type ProfileHeader = Omit<EnergyProfile, 'frames' | 'nodes' | 'lines'>;

/** Which stored profile(s) a panel shows: kept by the webview so a reload can bring the same view back. */
export type FlameRef =
  { readonly kind: 'profile'; readonly id: string } | { readonly kind: 'compare'; readonly before: string; readonly after: string };

export interface FlamePrefs {
  /** Icicle: callers on top (top-down). Flame: callers at the bottom. */
  readonly orientation: 'icicle' | 'flame';
  /** Which energy the function table sorts by. */
  readonly tableBy: 'self' | 'total';
}

export const DEFAULT_FLAME_PREFS: FlamePrefs = { orientation: 'icicle', tableBy: 'self' };

/** A function to zoom to and highlight (from a CodeLens). */
export interface FlameFocus {
  readonly name: string;
  readonly file?: string;
  readonly line?: number;
}

/** Host -> webview. */
export type ToWebview =
  /** Answer to `ready`: one profile, its tree and the view's prefs. */
  | {
      readonly type: 'state/profile';
      readonly ref: FlameRef;
      readonly title: string;
      readonly profile: ProfileHeader;
      readonly tree: FlameTree;
      readonly prefs: FlamePrefs;
      readonly focus?: FlameFocus;
    }
  /** Answer to `ready` for a comparison: before/after, the moved functions and the differential tree. */
  | {
      readonly type: 'state/compare';
      readonly ref: FlameRef;
      readonly title: string;
      readonly comparison: ProfileComparison;
      readonly prefs: FlamePrefs;
    }
  /** Zoom to a function and highlight it (the panel is already showing its profile). */
  | { readonly type: 'view/focus'; readonly focus: FlameFocus };

/** Webview -> host. */
export type FromWebview =
  | { readonly type: 'ready' }
  /** Jump to source: open `file` at `line` (the host says so when the file is not on disk). */
  | { readonly type: 'source/open'; readonly file: string; readonly line?: number }
  | { readonly type: 'view/setPrefs'; readonly prefs: Partial<FlamePrefs> };

/** Validates a message from the webview (untrusted input). Returns undefined for anything malformed. */
export function parseFromWebview(msg: unknown): FromWebview | undefined {
  if (!isObj(msg) || typeof msg.type !== 'string') return undefined;
  switch (msg.type) {
    case 'ready':
      return { type: 'ready' };
    case 'source/open': {
      if (typeof msg.file !== 'string' || msg.file === '' || msg.file.length > 4096) return undefined;
      if (msg.line !== undefined && (typeof msg.line !== 'number' || !Number.isInteger(msg.line) || msg.line < 1)) return undefined;
      return { type: 'source/open', file: msg.file, ...(msg.line !== undefined ? { line: msg.line } : {}) };
    }
    case 'view/setPrefs': {
      const prefs = parsePrefs(msg.prefs);
      return prefs ? { type: 'view/setPrefs', prefs } : undefined;
    }
    default:
      return undefined;
  }
}

/** Partial prefs from an untrusted place (a message, a webview's saved state); undefined when any field is wrong. */
export function parsePrefs(value: unknown): Partial<FlamePrefs> | undefined {
  if (!isObj(value)) return undefined;
  const out: { -readonly [K in keyof FlamePrefs]?: FlamePrefs[K] } = {};
  if (value.orientation !== undefined) {
    if (value.orientation !== 'icicle' && value.orientation !== 'flame') return undefined;
    out.orientation = value.orientation;
  }
  if (value.tableBy !== undefined) {
    if (value.tableBy !== 'self' && value.tableBy !== 'total') return undefined;
    out.tableBy = value.tableBy;
  }
  return out;
}

/** A FlameRef from a webview's saved state, or undefined. */
export function parseRef(value: unknown): FlameRef | undefined {
  if (!isObj(value)) return undefined;
  const id = (v: unknown): v is string => typeof v === 'string' && /^[\w.-]{1,128}$/.test(v);
  if (value.kind === 'profile' && id(value.id)) return { kind: 'profile', id: value.id };
  if (value.kind === 'compare' && id(value.before) && id(value.after)) return { kind: 'compare', before: value.before, after: value.after };
  return undefined;
}
