// The shape of one row of functionGates.ts: a function as Prometheus' promql/parser/functions.go declares it.
import type { Gate } from './gates';
import type { ValueType } from './types';

export interface UpstreamFunction extends Gate {
  readonly args: readonly ValueType[];
  /** functions.go's Variadic: 0 exact, n > 0 up to n more of the last type, -1 unlimited. */
  readonly variadic: number;
  readonly returns: ValueType;
}
