import type { KeyedStream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { reduceFinal } from "./reduceFinal.js";

/**
 * The smallest value of each key, emitted at EOF. Compares `by(value)` with
 * `<`; ties keep the earlier value.
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param by - What to compare (default: the value itself).
 * @returns Keyed stream with one item per key at EOF.
 * @category Stateful
 * @example
 * ```ts
 * keyed.minFinal("coldest", (r: { temp: number }) => r.temp);
 * ```
 */
export function minFinal<V>(stepId: string, up: KeyedStream<V>, by: (v: V) => unknown = (v) => v): KeyedStream<V> {
  return defineOperator("minFinal", stepId, { up }, ({ up }) => ({
    down: reduceFinal("reduce_final", up, (a: V, b: V) => ((by(b) as number) < (by(a) as number) ? b : a)),
  }), builtin).down;
}
