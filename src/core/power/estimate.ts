import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeModel, EstimateModel, idleWatts, modelWatts } from './powerModel';
import { CpuTimes, parseProcStat } from '../proc/stat';
import { PowerReading, PowerSource, SourceError } from './source';

/** CPU times from os.cpus(), for platforms without /proc (macOS, Windows). */
export function osCpuTimes(): CpuTimes {
  let busy = 0;
  let idle = 0;
  for (const c of os.cpus()) {
    busy += c.times.user + c.times.nice + c.times.sys + c.times.irq;
    idle += c.times.idle;
  }
  return { busy, idle };
}

/** Utilisation (0..1) between two readings; undefined when no time elapsed or counters went back. */
export function utilisation(prev: CpuTimes, cur: CpuTimes): number | undefined {
  const busy = cur.busy - prev.busy;
  const idle = cur.idle - prev.idle;
  if (busy < 0 || idle < 0 || busy + idle <= 0) return undefined;
  return busy / (busy + idle);
}

export interface EstimateOptions {
  /** Root of a /proc tree; undefined = /proc on Linux, os.cpus() elsewhere. */
  readonly procRoot?: string;
  readonly model: EstimateModel;
}

/** Host power estimated from CPU utilisation through a documented power curve. Always labelled an estimate. */
export class EstimateSource implements PowerSource {
  readonly kind = 'estimate' as const;
  readonly estimated = true;
  readonly origin: string;
  private prev: CpuTimes | undefined;
  private lastUtil: number | undefined;

  constructor(private readonly options: EstimateOptions) {
    this.origin =
      options.procRoot !== undefined || process.platform === 'linux' ? path.join(options.procRoot ?? '/proc', 'stat') : 'os.cpus()';
  }

  private async times(): Promise<CpuTimes> {
    if (this.origin === 'os.cpus()') return osCpuTimes();
    let text: string;
    try {
      text = fs.readFileSync(this.origin, 'utf8'); // sync: procfs does not block, and it is far cheaper
    } catch {
      throw new SourceError('missing', `Cannot read ${this.origin} for the CPU-load estimate.`);
    }
    const t = parseProcStat(text);
    if (!t) throw new SourceError('invalid', `${this.origin} has no readable aggregate "cpu" line.`);
    return t;
  }

  async read(): Promise<PowerReading | undefined> {
    const cur = await this.times();
    const prev = this.prev;
    this.prev = cur;
    if (!prev) return undefined;
    // Too short an interval for a tick to elapse: keep the last utilisation rather than invent one.
    const util = utilisation(prev, cur) ?? this.lastUtil;
    if (util === undefined) return undefined;
    this.lastUtil = util;
    const watts = modelWatts(this.options.model, util);
    return {
      watts,
      zones: { cpu: watts },
      idleWatts: idleWatts(this.options.model),
      detail: `estimate: ${describeModel(this.options.model)}, CPU ${(util * 100).toFixed(0)}%`,
    };
  }
}
