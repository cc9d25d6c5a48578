// Grafana as OptiVolt embeds it (src/core/grafana): the stack's main dashboard, the time ranges and refresh
// intervals a dashboard URL takes, and whether Grafana answers. Types and constants only: no Node built-ins.

/** Time ranges of the toolbar: `from=now-<range>&to=now`. */
export const TIME_RANGES = ['5m', '15m', '1h', '6h', '24h'] as const;
export type TimeRange = (typeof TIME_RANGES)[number];

/** Grafana's `refresh` parameter; 'off' leaves it out. */
export const REFRESH_INTERVALS = ['off', '5s', '10s', '30s', '1m', '5m'] as const;
export type RefreshInterval = (typeof REFRESH_INTERVALS)[number];

/** The stack's main dashboard (stack/grafana/dashboards/optivolt-power.json). */
export const DEFAULT_DASHBOARD_UID = 'optivolt-power';
export const DEFAULT_DASHBOARD_TITLE = 'OptiVolt - Power Consumption Monitoring';

/** Whether Grafana answers its /api/health (src/core/grafana/health.ts). */
export type GrafanaStatus = 'checking' | 'up' | 'down';
