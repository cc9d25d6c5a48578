import * as net from 'node:net';
import { SOURCE_MODES, SourceMode } from '../shared/power';
import { ATTRIBUTION_MODELS, type AttributionModel } from '../shared/attribution';
import { normalizeGrafanaUrl } from './grafana/url';
import { normalizePrometheusUrl, redactUrl } from './prometheus/client';
import { headersProblem, showableHeaders } from './prometheus/access';
import { autoTdpWatts, EstimateModel } from './power/powerModel';
import { errorMessage } from './errors';
import { isRecord } from '../shared/guards';
import { isPromqlFeature, PROMQL_FEATURES, type PromqlFeature } from '../shared/promqlTarget';
import { isStackService, STACK_SERVICES } from './stack/services';

/** The validated `optivolt.*` settings. package.json holds the same defaults and bounds (a unit test keeps them equal). */
export interface OptiVoltSettings {
  readonly 'power.source': SourceMode;
  readonly refreshInterval: number;
  readonly 'prometheus.url': string;
  /** Kepler's node whose power the Prometheus source reads ('' = Scaphandre / node-exporter as before). */
  readonly 'kepler.node': string;
  /** Kepler's zone for that node ('' = package, else psys, else the first the engine has). */
  readonly 'kepler.zone': string;
  /** Extra headers for every Prometheus request (e.g. X-Scope-OrgID for a Mimir tenant); never Authorization. */
  readonly 'prometheus.headers': Readonly<Record<string, string>>;
  /** PEM CA file for an https engine with a private CA; '' = the system's CAs. */
  readonly 'prometheus.caFile': string;
  readonly 'power.powercapRoot': string;
  readonly 'estimate.model': 'teads' | 'linear';
  readonly 'estimate.tdpWatts': number;
  readonly 'estimate.idleWatts': number;
  readonly 'estimate.maxWatts': number;
  readonly costPerKWh: number;
  readonly currency: string;
  readonly carbonIntensity: number;
  readonly 'statusBar.enabled': boolean;
  readonly 'attribution.model': AttributionModel;
  readonly 'debug.measure': 'always' | 'ask' | 'never';
  /** Profile debug sessions too (energy per function), not only measure them. */
  readonly 'debug.profile': boolean;
  /** How much disk the stored energy profiles may use together (MB); the oldest go first. */
  readonly 'profile.storageLimitMB': number;
  readonly 'stack.powerExporter': 'auto' | 'scaphandre' | 'optivolt';
  readonly 'stack.services': readonly string[];
  readonly 'stack.images': Readonly<Record<string, string>>;
  readonly 'stack.ports': Readonly<Record<string, number>>;
  readonly 'stack.pull': 'missing' | 'always' | 'never';
  readonly 'stack.bind': string;
  readonly 'stack.exporterPort': number;
  readonly 'prometheus.retentionTime': string;
  readonly 'prometheus.retentionSize': string;
  readonly 'stack.scaphandrePrivileged': boolean;
  /** Another Grafana than the stack's; '' = the stack's on its bind address and port. */
  readonly 'grafana.url': string;
  /** The Prometheus version PromQL is checked against; '' = ask the configured server. */
  readonly 'promql.version': string;
  /** `--enable-feature` flags PromQL is checked with; [] = ask the configured server. */
  readonly 'promql.features': readonly PromqlFeature[];
  /** The test command Measure Test Energy runs ('' = ask). */
  readonly 'testEnergy.command': string;
  /** Runs of the test command per Measure Test Energy: 2 or more give each test a mean and the change a p. */
  readonly 'testEnergy.repeat': number;
}

export const DEFAULT_SETTINGS: OptiVoltSettings = {
  'power.source': 'auto',
  refreshInterval: 2000,
  'prometheus.url': 'http://127.0.0.1:9090',
  'kepler.node': '',
  'kepler.zone': '',
  'prometheus.headers': {},
  'prometheus.caFile': '',
  'power.powercapRoot': '/sys/class/powercap',
  'estimate.model': 'teads',
  'estimate.tdpWatts': 0,
  'estimate.idleWatts': 10,
  'estimate.maxWatts': 65,
  costPerKWh: 0.15,
  currency: 'EUR',
  carbonIntensity: 475,
  'statusBar.enabled': true,
  'attribution.model': 'share-all',
  'debug.measure': 'always',
  'debug.profile': false,
  'profile.storageLimitMB': 100,
  'stack.powerExporter': 'auto',
  'stack.services': [...STACK_SERVICES],
  'stack.images': {},
  'stack.ports': {},
  'stack.pull': 'missing',
  'stack.bind': '127.0.0.1',
  'stack.exporterPort': 8080,
  'prometheus.retentionTime': '30d',
  'prometheus.retentionSize': '0',
  'stack.scaphandrePrivileged': true,
  'grafana.url': '',
  'promql.version': '',
  'promql.features': [],
  'testEnergy.command': '',
  'testEnergy.repeat': 1,
};

/** undefined = valid, else why not; `allowed` says what a valid value is, for surfaces that word problems themselves. */
type Check = ((v: unknown) => string | undefined) & { allowed?: string };

const num = (min: number, max = Infinity, integer = false): Check =>
  Object.assign(
    (v: unknown) =>
      typeof v !== 'number' || !Number.isFinite(v)
        ? 'must be a number'
        : integer && !Number.isInteger(v)
          ? 'must be a whole number'
          : v < min || v > max
            ? `must be between ${min} and ${max}`
            : undefined,
    { allowed: `${integer ? 'a whole number' : 'a number'} ${max === Infinity ? `>= ${min}` : `from ${min} to ${max}`}` },
  );
const oneOf =
  (values: readonly string[]): Check =>
  (v) =>
    typeof v === 'string' && values.includes(v) ? undefined : `must be one of ${values.join(', ')}`;
const nonEmpty: Check = (v) => (typeof v === 'string' && v.trim() !== '' ? undefined : 'must be a non-empty string');
const url: Check = (v) => {
  if (typeof v !== 'string') return 'must be a URL';
  try {
    normalizePrometheusUrl(v);
    return undefined;
  } catch (err) {
    return errorMessage(err);
  }
};

const CHECKS: { readonly [K in keyof OptiVoltSettings]: Check } = {
  'testEnergy.repeat': num(1, 20, true),
  'testEnergy.command': (v) => (typeof v === 'string' ? undefined : 'must be a command line (a string)'),
  'power.source': oneOf(SOURCE_MODES),
  refreshInterval: num(500, 60000, true),
  'prometheus.url': url,
  'kepler.node': (v) => (typeof v === 'string' ? undefined : 'must be a node name'),
  'kepler.zone': oneOf(['', 'package', 'psys', 'core', 'uncore', 'dram']),
  'prometheus.headers': headersProblem,
  'prometheus.caFile': (v) => (typeof v === 'string' ? undefined : 'must be the path of a PEM file, or empty'),
  'power.powercapRoot': nonEmpty,
  'estimate.model': oneOf(['teads', 'linear']),
  'estimate.tdpWatts': num(0, 2000),
  'estimate.idleWatts': num(0, 2000),
  'estimate.maxWatts': num(0, 5000),
  costPerKWh: num(0),
  currency: (v) => (typeof v === 'string' && /^[A-Z]{3}$/.test(v) ? undefined : 'must be a 3-letter ISO 4217 code such as EUR'),
  carbonIntensity: num(0, 2000),
  'statusBar.enabled': (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
  'attribution.model': oneOf(ATTRIBUTION_MODELS),
  'debug.measure': oneOf(['always', 'ask', 'never']),
  'debug.profile': (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
  'profile.storageLimitMB': num(1, 100000, true),
  'stack.powerExporter': oneOf(['auto', 'scaphandre', 'optivolt']),
  'stack.services': (v) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string' && isStackService(x))
      ? undefined
      : `must be a list of ${STACK_SERVICES.join(', ')}`,
  'stack.images': (v) =>
    isRecord(v) && Object.entries(v).every(([k, x]) => isStackService(k) && typeof x === 'string' && x.trim() !== '')
      ? undefined
      : `must map services (${STACK_SERVICES.join(', ')}) to image names`,
  'stack.ports': (v) =>
    isRecord(v) &&
    Object.entries(v).every(([k, x]) => isStackService(k) && typeof x === 'number' && Number.isInteger(x) && x >= 1 && x <= 65535)
      ? undefined
      : 'must map services to host ports (1-65535)',
  'stack.pull': oneOf(['missing', 'always', 'never']),
  'stack.bind': (v) => (typeof v === 'string' && net.isIP(v) !== 0 ? undefined : 'must be an IP address such as 127.0.0.1'),
  'stack.exporterPort': num(1024, 65535, true),
  'prometheus.retentionTime': (v) =>
    typeof v === 'string' && /^(\d+(ms|s|m|h|d|w|y))+$/.test(v) ? undefined : 'must be a duration such as 30d',
  'stack.scaphandrePrivileged': (v) => (typeof v === 'boolean' ? undefined : 'must be true or false'),
  'grafana.url': (v) => {
    if (typeof v !== 'string') return 'must be a URL or empty';
    if (v.trim() === '') return undefined;
    try {
      normalizeGrafanaUrl(v);
      return undefined;
    } catch (err) {
      return errorMessage(err);
    }
  },
  'prometheus.retentionSize': (v) =>
    typeof v === 'string' && /^\d+(B|KB|MB|GB|TB|PB|EB)?$/.test(v) ? undefined : 'must be a size such as 50GB, or 0 for no limit',
  'promql.version': (v) => promqlVersionProblem(v),
  'promql.features': (v) => (Array.isArray(v) && v.every(isPromqlFeature) ? undefined : `must be a list of ${PROMQL_FEATURES.join(', ')}`),
};

/**
 * Why a forced PromQL version is invalid (undefined: valid). Prometheus' own numbering, `major.minor` or
 * `major.minor.patch` ("2.42", "3.5.3"); PromQL as OptiVolt checks it starts at 2.x (1.x had another language).
 */
export function promqlVersionProblem(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'must be a Prometheus version such as 3.5.3, or empty';
  if (v.trim() === '') return undefined;
  const m = /^v?(\d+)\.(\d+)(\.\d+)?$/.exec(v.trim());
  if (!m) return 'must be a Prometheus version such as 3.5.3 or 2.42 (major.minor[.patch]), or empty to ask the server';
  if (Number(m[1]) < 2) return 'must be Prometheus 2.0 or later: 1.x had another query language';
  return undefined;
}

/** One invalid value, for a surface to word in its own vocabulary (the CLI names flags, not settings). */
export interface SettingProblem {
  readonly key: keyof OptiVoltSettings;
  /** The value as given, JSON, a URL's password redacted. */
  readonly shown: string;
  /** Why it is invalid, e.g. "must be between 500 and 60000". */
  readonly reason: string;
  /** What a valid value is, when the check can say it in a few words (e.g. "a whole number from 500 to 60000"). */
  readonly allowed?: string;
}

export interface SettingsResult {
  readonly settings: OptiVoltSettings;
  /** One message per invalid value, each naming the setting and the default used instead (the extension's words). */
  readonly problems: string[];
  /** The same problems (the maxWatts/idleWatts pair aside, which is no bad value), as data. */
  readonly invalid: SettingProblem[];
}

/** Reads every setting through `get` (undefined = not set), keeping valid values and defaulting the rest. */
export function readSettings(get: (key: keyof OptiVoltSettings) => unknown): SettingsResult {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  const invalid: SettingProblem[] = [];
  for (const key of Object.keys(DEFAULT_SETTINGS) as Array<keyof OptiVoltSettings>) {
    const value = get(key);
    // What a problem shows of the value: a credential typed where it does not belong is not repeated.
    const shownValue = key === 'prometheus.headers' ? showableHeaders(value) : value;
    const why = value === undefined ? undefined : CHECKS[key](value);
    // Problems are shown and logged: a URL's password never is.
    if (why) {
      problems.push(
        redactUrl(`optivolt.${key} ${why} (got ${JSON.stringify(shownValue)}); using ${JSON.stringify(DEFAULT_SETTINGS[key])}.`),
      );
      invalid.push({
        key,
        shown: redactUrl(JSON.stringify(shownValue)),
        reason: redactUrl(why),
        ...(CHECKS[key].allowed ? { allowed: CHECKS[key].allowed } : {}),
      });
    }
    out[key] = value === undefined || why ? DEFAULT_SETTINGS[key] : value;
  }
  const s = out as unknown as OptiVoltSettings;
  if (s['estimate.maxWatts'] < s['estimate.idleWatts']) {
    problems.push(
      `optivolt.estimate.maxWatts (${s['estimate.maxWatts']}) is below idleWatts (${s['estimate.idleWatts']}); using idleWatts for both.`,
    );
    out['estimate.maxWatts'] = s['estimate.idleWatts'];
  }
  return { settings: s, problems, invalid };
}

/** The estimate's power model from the settings; `logicalCpus` sizes the automatic TDP. */
export function estimateModel(s: OptiVoltSettings, logicalCpus: number): EstimateModel {
  if (s['estimate.model'] === 'linear') {
    return { kind: 'linear', idleWatts: s['estimate.idleWatts'], maxWatts: s['estimate.maxWatts'] };
  }
  return { kind: 'teads', tdpWatts: s['estimate.tdpWatts'] > 0 ? s['estimate.tdpWatts'] : autoTdpWatts(logicalCpus) };
}
