import type { HostPoint, LastHour } from '../../shared/attribution';
import { energyFigures } from '../energy/cost';

const HOUR_MS = 60 * 60 * 1000;

/**
 * The last hour of host power (and host CPU where known), for the chart and the last-hour figures.
 * Bounded: points older than an hour are dropped on push.
 */
export class HostHistory {
  private readonly points: Array<HostPoint & { cpu?: number }> = [];

  push(point: HostPoint, hostCpu?: number): void {
    const last = this.points[this.points.length - 1];
    if (last && point.t <= last.t) return; // same sample twice
    this.points.push(hostCpu === undefined ? point : { ...point, cpu: hostCpu });
    const cutoff = point.t - HOUR_MS;
    let drop = 0;
    while (drop < this.points.length && this.points[drop].t < cutoff) drop++;
    if (drop) this.points.splice(0, drop);
  }

  /** Records host CPU for the point at `t` (the attribution of a sample arrives after the sample). */
  setCpu(t: number, hostCpu: number): void {
    for (let i = this.points.length - 1; i >= 0 && this.points[i].t >= t; i--) {
      if (this.points[i].t === t) this.points[i] = { ...this.points[i], cpu: hostCpu };
    }
  }

  all(): HostPoint[] {
    return this.points.map(({ t, watts, zones }) => ({ t, watts, zones }));
  }

  /**
   * Energy over the hour (trapezoids between consecutive points, gaps over 60 s skipped), its cost and CO2,
   * and the guide's efficiency figure: mean host W per mean % host CPU.
   */
  lastHour(costPerKWh: number, carbonIntensity: number): LastHour {
    let joules = 0;
    for (let i = 1; i < this.points.length; i++) {
      const a = this.points[i - 1];
      const b = this.points[i];
      const dt = (b.t - a.t) / 1000;
      if (dt > 0 && dt <= 60) joules += ((a.watts + b.watts) / 2) * dt;
    }
    const withCpu = this.points.filter((p) => p.cpu !== undefined);
    const meanW = withCpu.reduce((s, p) => s + p.watts, 0) / (withCpu.length || 1);
    const meanCpu = (withCpu.reduce((s, p) => s + (p.cpu ?? 0), 0) / (withCpu.length || 1)) * 100;
    const e = energyFigures(joules, costPerKWh, carbonIntensity);
    return { joules, cost: e.cost, co2Grams: e.co2Grams, ...(meanCpu > 0.01 ? { wattsPerCpuPercent: meanW / meanCpu } : {}) };
  }
}
