import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { corePerItem } from "../internal/core.js";

/**
 * Emit every item of the iterable `mapper(x)` returns, for every item `x`.
 * A result that is not iterable is a `StepError` (cause `TypeError`).
 *
 * @param stepId - The step's name.
 * @param up - Stream to transform.
 * @param mapper - Returns zero or more items per item.
 * @returns The stream of all returned items, in order.
 * @category Stateless
 * @example
 * ```ts
 * flow.input("in", new TestingSource(["a b", "c"])).flatMap("split", (s) => s.split(" ")).output("out", new TestingSink(out));
 * // out = ["a", "b", "c"]
 * ```
 */
export function flatMap<X, Y>(stepId: string, up: Stream<X>, mapper: (x: X) => Iterable<Y>): Stream<Y> {
  return defineOperator("flatMap", stepId, { up }, ({ up }) => ({ down: corePerItem("flat_map_batch", up, "flatMap", mapper, "mapper") }), builtin).down;
}
