// Power curves for machines without a power meter. Every figure they produce is an estimate.

/**
 * Teads/Boavizta profile: fraction of TDP drawn at a CPU load (0..1), measured on real servers.
 * Points from DOMAIN.md: 0% -> 0.12, 10% -> 0.32, 50% -> 0.75, 100% -> 1.02; linear in between.
 */
export const TEADS_CURVE: ReadonlyArray<readonly [number, number]> = [
  [0, 0.12],
  [0.1, 0.32],
  [0.5, 0.75],
  [1, 1.02],
];

export type EstimateModel =
  | { readonly kind: 'teads'; readonly tdpWatts: number }
  | { readonly kind: 'linear'; readonly idleWatts: number; readonly maxWatts: number };

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}

/** Interpolates a piecewise-linear curve of (x, y) points sorted by x. */
export function interpolate(curve: ReadonlyArray<readonly [number, number]>, x: number): number {
  for (let i = 1; i < curve.length; i++) {
    const [x0, y0] = curve[i - 1];
    const [x1, y1] = curve[i];
    if (x <= x1) return y0 + ((x - x0) / (x1 - x0)) * (y1 - y0);
  }
  return curve[curve.length - 1][1];
}

/** Host Watts at a CPU utilisation (0..1) under a model. */
export function modelWatts(model: EstimateModel, utilisation: number): number {
  const u = clamp01(utilisation);
  return model.kind === 'teads' ? model.tdpWatts * interpolate(TEADS_CURVE, u) : model.idleWatts + u * (model.maxWatts - model.idleWatts);
}

/** TDP when the user set none: 10 W per logical CPU, kept between 15 W and 250 W. */
export function autoTdpWatts(logicalCpus: number): number {
  return Math.min(250, Math.max(15, 10 * Math.max(1, logicalCpus)));
}

/** The model's idle power (its value at 0% CPU), used by later attribution as the idle level. */
export function idleWatts(model: EstimateModel): number {
  return modelWatts(model, 0);
}

export function describeModel(model: EstimateModel): string {
  return model.kind === 'teads'
    ? `Teads curve, TDP ${round1(model.tdpWatts)} W`
    : `linear ${round1(model.idleWatts)}–${round1(model.maxWatts)} W`;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}
