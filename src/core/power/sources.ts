import * as os from 'node:os';
import type { SourceKind } from '../../shared/power';
import { PrometheusClient } from '../prometheus/client';
import type { FetchFn } from '../prometheus/fetchFn';
import { accessFromSettings } from '../prometheus/access';
import { estimateModel, OptiVoltSettings } from '../settings';
import { EstimateSource } from './estimate';
import { PrometheusSource } from './prometheusSource';
import { RaplSource } from './rapl';
import { hrClock, MonoClock } from '../clock';
import { PowerSource } from './source';

/** Platform pieces injected at the entry point (extension, CLI, tests). */
export interface Platform {
  /** /proc root for the estimate; undefined = /proc on Linux, os.cpus() elsewhere. */
  readonly procRoot?: string;
  readonly fetch?: FetchFn;
  readonly mono?: MonoClock;
  readonly logicalCpus?: number;
  /** Bearer token for the Prometheus engine (SecretStorage, OPTIVOLT_PROMETHEUS_TOKEN): never a setting. */
  readonly prometheusToken?: string;
}

/** Builds the source of `kind` from the current settings. */
export function createSource(kind: SourceKind, settings: OptiVoltSettings, platform: Platform, forAuto: boolean): PowerSource {
  switch (kind) {
    case 'prometheus':
      return new PrometheusSource(
        new PrometheusClient(settings['prometheus.url'], platform.fetch, undefined, accessFromSettings(settings, platform.prometheusToken)),
        forAuto,
        { node: settings['kepler.node'], zone: settings['kepler.zone'] },
      );
    case 'rapl':
      return new RaplSource(settings['power.powercapRoot'], platform.mono ?? hrClock);
    case 'estimate':
      return new EstimateSource({
        procRoot: platform.procRoot,
        model: estimateModel(settings, platform.logicalCpus ?? os.availableParallelism()),
      });
  }
}

/** Settings whose change means the sources must be rebuilt. */
export const SOURCE_SETTINGS: ReadonlyArray<keyof OptiVoltSettings> = [
  'prometheus.url',
  'kepler.node',
  'kepler.zone',
  'prometheus.headers',
  'prometheus.caFile',
  'power.powercapRoot',
  'estimate.model',
  'estimate.tdpWatts',
  'estimate.idleWatts',
  'estimate.maxWatts',
];
