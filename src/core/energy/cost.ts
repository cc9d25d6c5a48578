// Energy -> kWh, money and CO2, and the formatting every surface (status bar, CLI, later views) shares.

const J_PER_KWH = 3.6e6;

export interface EnergyFigures {
  readonly joules: number;
  readonly kWh: number;
  /** In the user's currency. */
  readonly cost: number;
  /** Grams of CO2-equivalent. */
  readonly co2Grams: number;
}

export function energyFigures(joules: number, costPerKWh: number, carbonIntensityGPerKWh: number): EnergyFigures {
  const kWh = Math.max(0, joules) / J_PER_KWH;
  return { joules, kWh, cost: kWh * costPerKWh, co2Grams: kWh * carbonIntensityGPerKWh };
}

export function formatWatts(w: number): string {
  if (!Number.isFinite(w)) return '– W';
  if (w >= 1000) return `${(w / 1000).toFixed(2)} kW`;
  return `${w.toFixed(1)} W`;
}

/** Joules below 1 Wh, then Wh, then kWh. */
export function formatEnergy(joules: number): string {
  const wh = joules / 3600;
  if (wh < 1) return `${joules.toFixed(joules < 10 ? 2 : 0)} J`;
  if (wh < 1000) return `${wh.toFixed(wh < 10 ? 2 : 1)} Wh`;
  return `${(wh / 1000).toFixed(2)} kWh`;
}

/** Money: the one format of every surface (src/shared/money.ts, which the webviews import too). */
export { formatMoney as formatCost } from '../../shared/money';

export function formatCo2(grams: number): string {
  if (grams >= 1000) return `${(grams / 1000).toFixed(2)} kg CO2e`;
  if (grams > 0 && grams < 0.01) return `${Number(grams.toPrecision(2))} g CO2e`;
  return `${grams.toFixed(grams < 10 ? 2 : 1)} g CO2e`;
}
