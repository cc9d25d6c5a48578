// The PromQL language the checks follow: which engine, which Prometheus version, which `--enable-feature` flags.
// Learnt from the configured server (/api/v1/status/buildinfo and /flags), forced by a setting, or, offline, the
// version the stack pins. Every gate (a function, a syntax, a modifier) is decided against one of these.

import type { Dialect, PromqlFeature } from '../../shared/promqlTarget';

export interface PromqlTarget {
  readonly dialect: Dialect;
  /** Prometheus version the language follows, `major.minor.patch` (for other dialects: the Prometheus version they imitate, if any). */
  readonly version: string;
  /** Enabled PromQL features. */
  readonly features: ReadonlySet<PromqlFeature>;
  /** Where this target comes from, for the user: "Prometheus 3.5.3 at http://…", "offline: the version the stack pins". */
  readonly reason: string;
}

/** The Prometheus the monitoring stack runs (stack/docker-compose.yml): the target when no server answers. */
export const PINNED_PROMETHEUS = '3.5.5';

export const DEFAULT_TARGET: PromqlTarget = {
  dialect: 'prometheus',
  version: PINNED_PROMETHEUS,
  features: new Set(),
  reason: `no Prometheus answered: checking against Prometheus ${PINNED_PROMETHEUS}, the version the monitoring stack pins`,
};

// Every gate of every query compares versions: the few strings met are read once (a bounded memo).
const parsedVersions = new Map<string, readonly [number, number, number] | undefined>();

/** `major.minor.patch` of a version string ("v3.5.3", "3.5.3-rc.0", "2.42.0+ds"), or undefined when it has none. */
export function parseVersion(v: string): readonly [number, number, number] | undefined {
  if (parsedVersions.has(v)) return parsedVersions.get(v);
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  const parsed = m ? ([Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] as const) : undefined;
  if (parsedVersions.size >= 256) parsedVersions.clear();
  parsedVersions.set(v, parsed);
  return parsed;
}

/** a < b: negative, equal: 0, a > b: positive (versions without numbers sort first). */
export function compareVersions(a: string, b: string): number {
  const x = parseVersion(a) ?? [0, 0, 0];
  const y = parseVersion(b) ?? [0, 0, 0];
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
}

/** Whether the target's version is `version` or later. */
export function atLeast(target: PromqlTarget, version: string): boolean {
  return compareVersions(target.version, version) >= 0;
}
