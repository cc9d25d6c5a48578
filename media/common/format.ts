// Number and label formatting for the power view. Plain functions, cheap enough to run on 1,000 rows per frame
// (toFixed rather than a fresh Intl formatter per call).
import { formatMoney } from '../../src/shared/money';
import type { AttributionModel, AttributionSnapshot } from '../../src/shared/attribution';
import type { ViewPrefs } from '../../src/shared/webviews/powerViewProtocol';

export type Unit = ViewPrefs['unit'];

/** Shown for a missing or non-finite value. */
export const DASH = '–';

/** A table cell: the number only, the unit lives in the column header. */
export function wattsCell(watts: number, unit: Unit): string {
  if (!Number.isFinite(watts)) return DASH;
  return unit === 'mW' ? (watts * 1000).toFixed(0) : watts.toFixed(2);
}

/** A figure with its unit, e.g. "3.20 W" or "3200 mW". */
export function wattsText(watts: number, unit: Unit): string {
  return `${wattsCell(watts, unit)} ${unit}`;
}

/** The header's big number: one decimal in W ("12.3 W"), whole mW. */
export function headlineWatts(watts: number, unit: Unit): string {
  if (!Number.isFinite(watts)) return `${DASH} ${unit}`;
  return unit === 'mW' ? `${(watts * 1000).toFixed(0)} mW` : `${watts.toFixed(1)} W`;
}

/** A 0..1 fraction as a percentage with one decimal, without the % sign (it is in the header). */
export function shareCell(share: number): string {
  return Number.isFinite(share) ? (share * 100).toFixed(1) : DASH;
}

export function percentCell(percent: number): string {
  return Number.isFinite(percent) ? percent.toFixed(1) : DASH;
}

/** Joules with fewer decimals as they grow, so the column stays narrow. */
export function joulesCell(joules: number): string {
  if (!Number.isFinite(joules)) return DASH;
  if (joules < 100) return joules.toFixed(2);
  if (joules < 10_000) return joules.toFixed(1);
  return joules.toFixed(0);
}

/** Energy as "J (Wh)", e.g. "12345 J (3.43 Wh)". */
export function energyText(joules: number): string {
  if (!Number.isFinite(joules)) return DASH;
  return `${joulesCell(joules)} J (${(joules / 3600).toFixed(2)} Wh)`;
}

export function sourceText(s: AttributionSnapshot): string {
  const source = s.source === 'rapl' ? 'RAPL' : s.source === 'prometheus' ? 'Prometheus' : 'estimate';
  const rows = s.rowsFrom === 'procfs' ? '/proc' : 'Prometheus';
  return `source: ${source} · rows: ${rows}`;
}

export function modelText(model: AttributionModel): string {
  switch (model) {
    case 'share-all':
      return 'model: share all (idle power spread over processes)';
    case 'active-only':
      return 'model: active only (idle power kept apart)';
    case 'capacity':
      return "model: Scaphandre's (share of CPU capacity; the rest idle / unattributed)";
  }
}

/** Money in the configured currency, as every other surface shows it (src/shared/money.ts); a dash when missing. */
export function currencyFormatter(currency: string): (amount: number) => string {
  return (amount) => (Number.isFinite(amount) ? formatMoney(amount, currency) : DASH);
}
