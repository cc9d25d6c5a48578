// Which PromQL the configured server speaks, asked from the server itself, and what the settings force on top.
//
// Detect, don't assume: other engines imitate Prometheus' status endpoints. VictoriaMetrics 1.145 (Debian's
// build) answers /api/v1/status/buildinfo with a made-up {"version":"2.24.0"} and no revision or Go version, has
// no /api/v1/status/flags (HTTP 400, plain text), and its own /metrics says vm_app_version{version=""} (Debian
// builds carry no version). What does tell them apart is the language: `WITH (x = 1) x` is MetricsQL, which
// VictoriaMetrics evaluates and Prometheus refuses as bad_data (recorded in test/fixtures/promql-target).
import { PrometheusError } from '../../core/prometheus/client';
import { errorMessage } from '../../core/errors';
import { isPromqlFeature, type PromqlFeature } from '../../shared/promqlTarget';
import { DEFAULT_TARGET, parseVersion, PINNED_PROMETHEUS, type PromqlTarget } from './target';

/** The part of PrometheusClient detection uses: /api/v1/<path> → the envelope's data, or a PrometheusError. */
export interface StatusApi {
  readonly baseUrl: string;
  api(path: string, params?: Readonly<Record<string, string>>): Promise<unknown>;
}

/** A query only MetricsQL evaluates (WITH templates); Prometheus' parser refuses it. */
export const METRICSQL_PROBE = 'WITH (x = 1) x';

interface BuildInfo {
  version?: unknown;
  revision?: unknown;
  goVersion?: unknown;
  application?: unknown;
}

/** What the server at `api` is; DEFAULT_TARGET (with the reason why) when none is configured or it does not answer. */
export async function detectTarget(api: StatusApi | undefined): Promise<PromqlTarget> {
  if (!api)
    return {
      ...DEFAULT_TARGET,
      reason: `no Prometheus URL is set: checking against Prometheus ${PINNED_PROMETHEUS}, the version the monitoring stack pins`,
    };
  const [build, flags, probe] = await Promise.allSettled([
    api.api('status/buildinfo'),
    api.api('status/flags'),
    api.api('query', { query: METRICSQL_PROBE }),
  ]);
  const unreachable = (r: PromiseSettledResult<unknown>): boolean =>
    r.status === 'rejected' && r.reason instanceof PrometheusError && r.reason.kind === 'unreachable';
  if (unreachable(build) && unreachable(probe)) {
    return {
      ...DEFAULT_TARGET,
      reason: `${api.baseUrl} does not answer: checking against Prometheus ${PINNED_PROMETHEUS}, the version the monitoring stack pins`,
    };
  }
  const info = (build.status === 'fulfilled' && build.value && typeof build.value === 'object' ? build.value : {}) as BuildInfo;
  const claimed = typeof info.version === 'string' ? info.version : undefined;
  const claims = claimed ? ` (its buildinfo claims version ${claimed})` : '';
  if (probe.status === 'fulfilled') {
    return {
      dialect: 'metricsql',
      version: normalized(claimed) ?? PINNED_PROMETHEUS,
      features: new Set(),
      reason: `${api.baseUrl} evaluates the MetricsQL query \`${METRICSQL_PROBE}\`, which Prometheus refuses: VictoriaMetrics${claims}`,
    };
  }
  const version = normalized(claimed);
  // Prometheus' buildinfo always carries its revision and Go version; Grafana Mimir adds `application`; Thanos
  // and other engines answer with their own version numbers (0.x), or not at all.
  const why = !version
    ? build.status === 'rejected'
      ? `it has no Prometheus buildinfo (${errorMessage(build.reason)})`
      : `its buildinfo has no Prometheus version${claims}`
    : typeof info.application === 'string'
      ? `its buildinfo names another application, ${info.application}`
      : typeof info.revision !== 'string' || typeof info.goVersion !== 'string' || (parseVersion(version)?.[0] ?? 0) < 2
        ? `its buildinfo is not Prometheus'${claims}`
        : undefined;
  if (why) {
    return {
      dialect: 'unknown',
      version: version ?? PINNED_PROMETHEUS,
      features: new Set(),
      reason: `${api.baseUrl} is not recognisably Prometheus: ${why}`,
    };
  }
  const features = flags.status === 'fulfilled' ? enabledFeatures(flags.value) : undefined;
  const featureWords = features
    ? features.size
      ? `; --enable-feature=${[...features].join(',')} (/api/v1/status/flags)`
      : '; no PromQL feature flag enabled (/api/v1/status/flags)'
    : `; its flags could not be read (${errorMessage((flags as PromiseRejectedResult).reason)}): no feature flag assumed`;
  return {
    dialect: 'prometheus',
    version: version!,
    features: features ?? new Set(),
    reason: `Prometheus ${claimed} at ${api.baseUrl} (/api/v1/status/buildinfo)${featureWords}`,
  };
}

/** The PromQL features among a /api/v1/status/flags answer's `enable-feature` (comma-separated; others dropped). */
export function enabledFeatures(flags: unknown): Set<PromqlFeature> {
  const value = flags && typeof flags === 'object' ? (flags as Record<string, unknown>)['enable-feature'] : undefined;
  const out = new Set<PromqlFeature>();
  if (typeof value !== 'string') return out;
  for (const f of value.split(',').map((x) => x.trim())) if (isPromqlFeature(f)) out.add(f);
  return out;
}

/** What `optivolt.promql.version` / `optivolt.promql.features` force ('' / [] = what was detected). */
export interface TargetSetting {
  readonly version: string;
  readonly features: readonly PromqlFeature[];
}

/**
 * The target after the settings: a forced version means Prometheus of that version with exactly the features set
 * (the user says what runs); forced features alone replace the detected ones.
 */
export function applySetting(detected: PromqlTarget, setting: TargetSetting): PromqlTarget {
  const version = normalized(setting.version);
  if (version) {
    const features = setting.features.length ? ` with --enable-feature=${setting.features.join(',')}` : '';
    return {
      dialect: 'prometheus',
      version,
      features: new Set(setting.features),
      reason: `optivolt.promql.version is ${setting.version}: checking against Prometheus ${version}${features} (detected: ${detected.reason})`,
    };
  }
  if (!setting.features.length) return detected;
  return {
    ...detected,
    features: new Set(setting.features),
    reason: `${detected.reason}; features set by optivolt.promql.features: ${setting.features.join(', ')}`,
  };
}

/** "3.5.3+ds1" → "3.5.3", "2.42" → "2.42.0"; undefined when it is no version. */
function normalized(v: string | undefined): string | undefined {
  const p = v ? parseVersion(v) : undefined;
  return p ? p.join('.') : undefined;
}
