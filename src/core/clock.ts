// Monotonic time for the samplers and power sources: injected as a function so tests control elapsed time exactly,
// and kept apart from any one source because attribution and energy integration measure intervals too.

/** Monotonic clock in nanoseconds. */
export type MonoClock = () => bigint;
export const hrClock: MonoClock = () => process.hrtime.bigint();

/** Seconds between two monotonic readings. */
export function secondsBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e9;
}
