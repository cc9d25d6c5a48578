// OptiVolt's additions to the Language Server Protocol between the extension (src/client/promqlClient.ts) and
// the PromQL language server (src/server). Everything else is plain LSP, so other editors need none of this.

/** server → client notification: whether the configured Prometheus answers (message: why not; undefined: it does). */
export const PROMETHEUS_STATUS = 'optivolt/prometheusStatus';
export interface PrometheusStatusParams {
  readonly url?: string;
  readonly problem?: string;
}

/** What a client may pass as initializationOptions (other editors: the same keys). */
export interface ServerInitOptions {
  /** Prometheus base URL for live names, labels, metadata and values. Empty: catalogue only. */
  readonly prometheusUrl?: string;
}

/** The setting (workspace/configuration section) the server reads and watches. */
export const PROMETHEUS_URL_SECTION = 'optivolt.prometheus.url';
