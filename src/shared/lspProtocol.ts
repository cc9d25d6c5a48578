// OptiVolt's additions to the Language Server Protocol between the extension (src/client/promqlClient.ts) and
// the PromQL language server (src/server). Everything else is plain LSP, so other editors need none of this.
import type { PromqlTargetInfo } from './promqlTarget';

/** server → client notification: whether the configured Prometheus answers (message: why not; undefined: it does). */
export const PROMETHEUS_STATUS = 'optivolt/prometheusStatus';
export interface PrometheusStatusParams {
  readonly url?: string;
  readonly problem?: string;
  /** The PromQL documents are checked against (detected, forced by a setting, or the pinned default), and why. */
  readonly target?: PromqlTargetInfo;
}

/** client → server notification: the engine's credentials changed (token set or removed, headers, CA file). */
export const PROMETHEUS_ACCESS = 'optivolt/prometheusAccess';
export interface PrometheusAccessParams {
  readonly token?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly caFile?: string;
}

/** What a client may pass as initializationOptions (other editors: the same keys). */
export interface ServerInitOptions {
  /** Prometheus base URL for live names, labels, metadata and values. Empty: catalogue only. */
  readonly prometheusUrl?: string;
  /** Token, extra headers and CA file for that URL. The token travels only here and in PROMETHEUS_ACCESS, never in settings. */
  readonly prometheusAccess?: PrometheusAccessParams;
  /** optivolt.promql.version: the Prometheus version to check against; '' or absent: ask the server. */
  readonly promqlVersion?: string;
  /** optivolt.promql.features: the --enable-feature flags to check with; absent or []: ask the server. */
  readonly promqlFeatures?: readonly string[];
}

/** The setting (workspace/configuration section) the server reads and watches. */
export const PROMETHEUS_URL_SECTION = 'optivolt.prometheus.url';

/** The settings (one workspace/configuration section each) that force the PromQL target. */
export const PROMQL_VERSION_SECTION = 'optivolt.promql.version';
export const PROMQL_FEATURES_SECTION = 'optivolt.promql.features';
