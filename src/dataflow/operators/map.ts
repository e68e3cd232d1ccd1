import type { Stream } from "../stream.js";
import { defineOperator, builtin } from "../internal/operator.js";
import { corePerItem } from "../internal/core.js";

/**
 * Emit `mapper(x)` for every item `x`.
 *
 * @param stepId - The step's name.
 * @param up - Stream to transform.
 * @param mapper - Called once per item.
 * @returns The stream of results, in order.
 * @category Stateless
 * @example
 * ```ts
 * flow.input("in", new TestingSource([1, 2])).map("add_one", (x) => x + 1).output("out", new TestingSink(out));
 * // out = [2, 3]
 * ```
 */
export function map<X, Y>(stepId: string, up: Stream<X>, mapper: (x: X) => Y): Stream<Y> {
  return defineOperator("map", stepId, { up }, ({ up }) => ({ down: corePerItem("flat_map_batch", up, "map", mapper, "mapper") }), builtin).down;
}
