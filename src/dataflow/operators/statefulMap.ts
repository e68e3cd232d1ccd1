import type { KeyedStream } from "../stream.js";
import { MapStateSpec, mapStateBuilder } from "./statefulFlatMap.js";
import { statefulBatchWith } from "./stateful.js";

/**
 * Per-key state updated by a function that returns the new state and one
 * value to emit. Returning state `undefined` discards the key (its next value
 * starts from `undefined` again).
 *
 * @param stepId - The step's name.
 * @param up - Keyed stream.
 * @param mapper - `(state | undefined, value) => [newState | undefined, valueToEmit]`.
 * @returns Keyed stream of emitted values.
 * @category Stateful
 * @example
 * ```ts
 * // Running mean per key.
 * keyed.statefulMap("mean", (s: { n: number; sum: number } | undefined, x: number) => {
 *   const next = { n: (s?.n ?? 0) + 1, sum: (s?.sum ?? 0) + x };
 *   return [next, next.sum / next.n];
 * });
 * // ["a", 2], ["a", 4] emit ["a", 2], ["a", 3]
 * ```
 */
export function statefulMap<V, W, S>(
  stepId: string,
  up: KeyedStream<V>,
  mapper: (state: S | undefined, value: V) => readonly [S | undefined, W],
): KeyedStream<W> {
  return statefulBatchWith("statefulMap", stepId, up, mapStateBuilder<V, W, S>(new MapStateSpec<V, S>(mapper, true, "`statefulMap` mapper")), "mapper");
}
