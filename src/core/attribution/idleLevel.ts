/** How long the lowest host power is remembered as the idle level when the source has no model. */
export const IDLE_WINDOW_MS = 10 * 60 * 1000;

/**
 * The host's idle power, for the active-only model.
 * - The estimate knows it: its model's value at 0% CPU.
 * - RAPL and Prometheus do not: the lowest host power seen in the last 10 minutes stands in for a calibration
 *   (on a machine that is never idle it over-estimates idle, so active-only then under-attributes; the view
 *   shows the idle row so the user sees the split).
 */
export class IdleLevel {
  private readonly samples: Array<{ t: number; w: number }> = [];
  private known: number | undefined;

  observe(watts: number, modelIdle: number | undefined, time: number): void {
    this.known = modelIdle;
    if (!Number.isFinite(watts) || watts < 0) return;
    // A monotonic deque of minima: O(1) amortised per sample.
    while (this.samples.length && this.samples[this.samples.length - 1].w >= watts) this.samples.pop();
    this.samples.push({ t: time, w: watts });
    while (this.samples.length && this.samples[0].t < time - IDLE_WINDOW_MS) this.samples.shift();
  }

  get watts(): number {
    return this.known ?? this.samples[0]?.w ?? 0;
  }
}
